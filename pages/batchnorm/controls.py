"""The BatchNorm page's controls, each declared once (see ui.controls)."""

from core.batchnorm import ACTIVATIONS, BatchNormConfig
from core.nonlinearities import LABELS as ACT_LABELS
from ui.controls import Choice, Controls, Number, Slider, bind

CONTROLS = Controls(
    bind(BatchNormConfig,
         Choice(key="batchnorm.activation", field="activation", options=ACTIVATIONS, names=ACT_LABELS),
         Number(key="batchnorm.bias_init", field="bias_init", lo=-2.0, hi=2.0, step=0.1, fmt="%.2f"),
         Number(key="batchnorm.weight_std", field="weight_std", lo=0.001, hi=2.0, step=0.05, fmt="%.3f"),
         Slider(key="batchnorm.depth", field="depth", lo=2, hi=12),
         Slider(key="batchnorm.width", field="width", lo=2, hi=64),
         Choice(key="batchnorm.batch_size", field="batch_size", options=(16, 32, 64, 128, 256),
                style="select_slider"),
         Number(key="batchnorm.lr", field="lr", lo=0.0001, hi=10.0, step=0.01, fmt="%.4f"),
         Slider(key="batchnorm.epochs", field="epochs", lo=1, hi=30),
         Slider(key="batchnorm.bn_momentum", field="bn_momentum", lo=0.01, hi=1.0, step=0.01)),
)


def warm() -> tuple:
    """What the default link computes."""
    return (CONTROLS.defaults(BatchNormConfig, seed=0),)
