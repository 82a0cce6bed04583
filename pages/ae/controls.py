"""The autoencoder page's controls, each declared once (see ui.controls)."""

from core.ae import POOL, ROW, AEConfig, AESpreadConfig
from core.ae.shipped import ShippedAE, for_config
from ui.controls import Controls, Number, Slider, Toggle, bind

CONTROLS = Controls(
    bind(AEConfig,
         Slider(key="ae.code", field="code", lo=2, hi=16, step=1),
         # up to 1e38 on purpose: 1e30 saturates the net without a NaN, 1e38 diverges (the page says which)
         Number(key="ae.lr", field="lr", lo=1e-5, hi=1e38, step=0.001, fmt="%g"),
         Slider(key="ae.epochs", field="epochs", lo=1, hi=30, step=1),
         Number(key="ae.batch", field="batch_size", lo=8, hi=1000, step=8),
         Slider(key="ae.noise", field="noise", lo=0.0, hi=1.0, step=0.05)),
    bind(AESpreadConfig,
         Slider(key="ae.seeds", field="seeds", lo=3, hi=10, step=1)),
    # view settings: what is shown, not what is trained
    Toggle(key="ae.train", default=False),  # train the lesson's settings here instead of the shipped run
    Slider(key="ae.row", default=1, lo=1, hi=POOL // ROW, step=1),  # which row of held-out digits
)


def warm() -> tuple:
    """What the default link computes: the shipped run (and the other shipped code size, a click away)."""
    config = CONTROLS.defaults(AEConfig, seed=0)
    return for_config(config), ShippedAE(2)
