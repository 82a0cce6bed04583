"""The GAN page's controls, each declared once (see ui.controls)."""

from core.gan import DIFFERS, LOSSES, TARGETS, PainterConfig, PlaneConfig
from ui.controls import Choice, Controls, Number, Slider, Toggle, bind

VIEW = "gan.view"  # the open view: the painter, or the 2-D GAN
VIEWS = ("painter", "plane")
RATE = {"lo": 1e-5, "hi": 0.1, "step": 1e-4, "fmt": "%g"}  # every learning rate's box


def _training(prefix: str) -> tuple:
    """A's settings and what B changes, for one config (`prefix` namespaces the plane's keys)."""
    return (Number(key=f"gan.{prefix}lr_g", field="lr_g", **RATE),
            Number(key=f"gan.{prefix}lr_d", field="lr_d", **RATE),
            Slider(key=f"gan.{prefix}d_steps", field="d_steps", lo=1, hi=5),
            Slider(key=f"gan.{prefix}g_steps", field="g_steps", lo=1, hi=5),
            Choice(key=f"gan.{prefix}loss", field="loss", options=LOSSES, names="gan.loss."),
            Choice(key=f"gan.{prefix}differ", field="differ", options=DIFFERS, names="gan.differ.",
                   style="radio"),  # radios wrap on a phone (a segmented control was cut)
            Number(key=f"gan.{prefix}b_lr_g", field="b_lr_g", **RATE),
            Number(key=f"gan.{prefix}b_lr_d", field="b_lr_d", **RATE),
            Slider(key=f"gan.{prefix}b_d_steps", field="b_d_steps", lo=1, hi=5),
            Slider(key=f"gan.{prefix}b_g_steps", field="b_g_steps", lo=1, hi=5))


CONTROLS = Controls(
    bind(PainterConfig,
         Slider(key="gan.steps", field="steps", lo=500, hi=10000, step=500),
         *_training("")),
    bind(PlaneConfig,
         Choice(key="gan.target", field="target", options=TARGETS, names="gan.target.", style="radio"),
         Slider(key="gan.p_steps", field="steps", lo=200, hi=4000, step=100),
         *_training("p_")),
    # view settings: what is shown, not what is trained
    Choice(key=VIEW, default="painter", options=VIEWS, names="gan.view.", style="segmented", tab=True),
    # slow motion: the replay at a quarter of its speed, the stepping session an iteration at a time
    Toggle(key="gan.slow", default=False),
)


def warm() -> tuple:
    """What the default link computes, on either view."""
    return CONTROLS.defaults(PainterConfig, seed=0), CONTROLS.defaults(PlaneConfig, seed=0)
