"""The activations page's controls, each declared once (see ui.controls)."""

from core.activations import DATASETS, FLOW_INITS, ActivationTrainConfig, GalleryConfig, GradientFlowConfig
from core.nonlinearities import ACTIVATIONS, LABELS
from ui.controls import Choice, Controls, Multi, Number, Slider, bind

NAMES = tuple(ACTIVATIONS)
MAX_COMPARE = 6  # networks trained side by side at most
TAB = "activations.tab"  # the open tab's code
TABS = ("shapes", "train", "flow")
# the training settings behind the expander, laid out in this order, two rows of three
TRAIN_SETTINGS = ("activations.n", "activations.noise", "activations.steps",
                  "activations.layers", "activations.width", "activations.lr")

CONTROLS = Controls(
    bind(GalleryConfig,
         Multi(key="activations.gallery", field="names", options=NAMES, names=LABELS),
         Slider(key="activations.xrange", field="x_range", lo=1.0, hi=20.0, step=0.5)),
    bind(ActivationTrainConfig,
         Multi(key="activations.compare", field="activations", options=NAMES, names=LABELS,
               max_items=MAX_COMPARE),
         Choice(key="activations.dataset", field="dataset", options=DATASETS, names="activations.dataset."),
         Number(key="activations.n", field="n_samples", lo=50, hi=1000, step=50),
         Number(key="activations.noise", field="noise", lo=0.0, hi=0.5, step=0.05),
         Number(key="activations.steps", field="steps", lo=20, hi=500, step=50),
         Number(key="activations.layers", field="layers", lo=1, hi=3, step=1),
         Number(key="activations.width", field="width", lo=2, hi=32, step=2),
         Number(key="activations.lr", field="lr", lo=0.0001, hi=10.0, step=0.01, fmt="%.4f")),
    # the flow tab's deep networks; they are trained on the training tab's activations and data
    bind(GradientFlowConfig,
         Slider(key="activations.depth", field="depth", lo=2, hi=16),
         Slider(key="activations.fwidth", field="width", lo=4, hi=64, step=4),
         Choice(key="activations.init", field="weight_init", options=FLOW_INITS, names="activations.init.")),
    # view setting: which experiment is open (the tabs widget itself holds the tab's title)
    Choice(key=TAB, default="shapes", options=TABS, names="activations.tab.", tab=True),
)


def warm() -> tuple:
    """What the default link computes, on each of the three tabs."""
    train = CONTROLS.defaults(ActivationTrainConfig, seed=0)
    return (CONTROLS.defaults(GalleryConfig), train,
            CONTROLS.defaults(GradientFlowConfig, activations=train.activations, seed=0,
                              dataset=train.dataset, noise=train.noise))
