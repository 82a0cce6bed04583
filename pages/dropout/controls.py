"""The dropout page's controls, each declared once (see ui.controls)."""

from core.dropout import DropoutConfig, SpreadConfig
from ui.controls import Choice, Controls, Number, Slider, Toggle, bind

CONTROLS = Controls(
    bind(DropoutConfig,
         Slider(key="dropout.rate", field="dropout", lo=0.0, hi=0.9, step=0.05),
         Slider(key="dropout.points", field="n_points", lo=5, hi=100, step=1),
         Slider(key="dropout.noise", field="noise", lo=0.0, hi=1.0, step=0.05),
         Slider(key="dropout.width", field="width", lo=10, hi=400, step=10),
         Slider(key="dropout.depth", field="depth", lo=1, hi=4, step=1),
         Slider(key="dropout.iters", field="iterations", lo=50, hi=1000, step=50),
         Number(key="dropout.lr", field="lr", lo=1e-4, hi=10.0, step=0.001, fmt="%.4f"),
         Toggle(key="dropout.l2", field="l2", checkbox=True),
         Number(key="dropout.wd", field="weight_decay", lo=1e-5, hi=1.0, step=0.005, fmt="%.4f")),
    bind(SpreadConfig,
         Slider(key="dropout.seeds", field="seeds", lo=3, hi=10, step=1)),
    # view settings: they change what is drawn, not what is trained
    Toggle(key="dropout.band", default=True),
    Choice(key="dropout.mode", default="eval", options=("eval", "train"), names="dropout.mode.",
           style="radio"),
)


def warm() -> tuple:
    """What the default link computes: the comparison and its runs over seeds."""
    config = CONTROLS.defaults(DropoutConfig, seed=0)
    return config, CONTROLS.defaults(SpreadConfig, base=config)
