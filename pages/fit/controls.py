"""The fit page's controls, each declared once (see ui.controls); a network's nine are declared
once for both networks, A and B."""

from core.fit import ACTIVATIONS, DATASETS, FEATURES, FULL_BATCH, OPTIMIZERS, REGULARIZERS, SIDES, FitConfig
from core.fit.presets import PRESETS
from ui.controls import Choice, Controls, Multi, Number, Slider, bind

PRESET = "fit.preset"
BATCH_SIZES = (1, 5, 10, 32, 64, 128, FULL_BATCH)
FEATURE_LABELS = {"x1": "x₁", "x2": "x₂", "x1sq": "x₁²", "x2sq": "x₂²", "x1x2": "x₁x₂",
                  "sinx1": "sin(x₁)", "sinx2": "sin(x₂)"}
ACTIVATION_LABELS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Linear"}


def _network(side: str) -> tuple:
    """The controls of network `side`: keys fit.a.lr, fit.b.lr, ...; fields a_lr, b_lr, ..."""
    k = f"fit.{side}."
    return bind(FitConfig,
                Slider(key=k + "layers", field=f"{side}_layers", lo=0, hi=6),
                Slider(key=k + "units", field=f"{side}_units", lo=1, hi=10),
                Choice(key=k + "activation", field=f"{side}_activation", options=ACTIVATIONS,
                       names=ACTIVATION_LABELS),
                Multi(key=k + "features", field=f"{side}_features", options=FEATURES, names=FEATURE_LABELS),
                Choice(key=k + "regularization", field=f"{side}_regularization", options=REGULARIZERS,
                       names="fit.regularization."),
                Number(key=k + "reg_rate", field=f"{side}_reg_rate", lo=0.0, hi=1.0, step=0.001, fmt="%.4f"),
                Choice(key=k + "optimizer", field=f"{side}_optimizer", options=OPTIMIZERS,
                       names={"sgd": "SGD", "adam": "Adam"}),
                Number(key=k + "lr", field=f"{side}_lr", lo=1e-4, hi=10.0, step=0.01, fmt="%.4f"),
                Choice(key=k + "batch_size", field=f"{side}_batch_size", options=BATCH_SIZES,
                       names="fit.batch.", style="select_slider"))


CONTROLS = Controls(
    bind(FitConfig,
         Choice(key="fit.dataset", field="dataset", options=DATASETS, names="fit.dataset."),
         Slider(key="fit.n_points", field="n_points", lo=20, hi=1000, step=10),
         Slider(key="fit.train_share", field="train_share", lo=0.1, hi=0.9, step=0.05),
         Slider(key="fit.noise", field="noise", lo=0.0, hi=0.5, step=0.05),
         Number(key="fit.epochs", field="epochs", lo=1, hi=1000, step=10),
         Number(key="fit.target_loss", field="target_loss", lo=0.0, hi=10.0, step=0.001, fmt="%.4f"),
         Choice(key="fit.frame_every", field="frame_every", options=("epoch", "step"), names="fit.unit.",
                style="segmented")),
    *(_network(side) for side in SIDES),
    # not a setting of the run: which question the settings came from (see ui.presets)
    Choice(key=PRESET, default=PRESETS[0].name, options=tuple(p.name for p in PRESETS),
           names="fit.preset.", style="segmented"),
)


def warm() -> tuple:
    """What the default link computes, and every question's link: a class that clicks a question
    finds it ready (about 15 s of CPU in all on this machine's cores, once per server)."""
    return (CONTROLS.defaults(FitConfig, seed=0), *(p.config for p in PRESETS[1:]))
