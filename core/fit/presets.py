"""The fit lesson's one-click questions: each opens a config and states one effect, checked over
seeds in tests/test_fit.py (`effect` is the check; `checked` how many seeds it held on)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from core.fit import FitConfig, FitResult, smoothness

LESSON = FitConfig()  # the regression tutorial (301) for A; B with a quarter of its learning rate
SEEDS = 5  # every effect is checked on seeds 0..SEEDS-1
TF_DATA = dict(n_points=500, train_share=0.5, noise=0.0)  # TensorFlow Playground's defaults
ADAM = dict(a_optimizer="adam", b_optimizer="adam", a_lr=0.03, b_lr=0.03)
SPIRAL = FitConfig(dataset="spiral", epochs=500, a_activation="tanh", b_activation="tanh", **TF_DATA, **ADAM)


def _final(result: FitResult, side: str, what: str) -> float:
    return float(getattr(result.nets[side], what)[-1])


def _b_lower_loss(r: FitResult) -> bool:
    return _final(r, "b", "train_loss") < _final(r, "a", "train_loss")


def _b_higher_loss(r: FitResult) -> bool:
    return _final(r, "b", "train_loss") > _final(r, "a", "train_loss")


def _b_more_accurate(r: FitResult) -> bool:
    return _final(r, "b", "train_score") > _final(r, "a", "train_score") + 0.05


def _jaggier(r: FitResult) -> bool:
    """B's step losses zig-zag more than A's."""
    return smoothness(r.nets["b"].batch_loss) > smoothness(r.nets["a"].batch_loss)


@dataclass(frozen=True)
class Preset:
    """A question with its config and the effect the page states for it."""

    name: str  # its code, in the link (fit.preset=...) and in the texts (fit.preset.<name>)
    config: FitConfig
    effect: Callable[[FitResult], bool]  # whether the stated effect shows in a result
    checked: int = SEEDS  # on how many of the SEEDS seeds it holds (the page says "k of n")


PRESETS: tuple[Preset, ...] = (
    # 301: a smaller learning rate is still far from the fit after the same 200 steps
    Preset("lesson", LESSON, _b_higher_loss),
    # 302: the tutorial's 2-10-2 net with SGD (lr 0.02, 100 steps); B trains the same net with Adam
    Preset("classify", FitConfig(dataset="blobs", n_points=400, epochs=100, a_lr=0.02, b_lr=0.02,
                                 b_optimizer="adam"), _b_lower_loss),
    # 305: more, noisier steps per epoch reach a lower loss, on a jagged curve
    Preset("batch", dataclasses.replace(LESSON, epochs=50, b_lr=0.2, b_batch_size=32),
           lambda r: _b_lower_loss(r) and _jaggier(r)),
    Preset("batch1", dataclasses.replace(LESSON, epochs=50, b_lr=0.2, a_batch_size=32, b_batch_size=1),
           _jaggier),
    Preset("depth", dataclasses.replace(SPIRAL, a_layers=1, a_units=8, b_layers=3, b_units=8),
           _b_more_accurate,
           checked=4),  # seed 3: one layer of 8 already reaches 98.4%
    Preset("width", dataclasses.replace(SPIRAL, a_layers=1, a_units=2, b_layers=1, b_units=8),
           _b_more_accurate),
    Preset("features", FitConfig(dataset="circle", epochs=100, a_layers=0, b_layers=0,
                                 b_features=("x1sq", "x2sq"),
                                 **TF_DATA, **ADAM),
           lambda r: _final(r, "b", "train_score") >= 0.95 and _final(r, "a", "train_score") <= 0.65),
    Preset("l2", FitConfig(dataset="circle", epochs=200, a_layers=2, a_units=8, b_layers=2, b_units=8,
                           a_activation="tanh", b_activation="tanh", b_regularization="l2", b_reg_rate=0.01,
                           **TF_DATA, **ADAM),
           lambda r: _final(r, "b", "weight_sum") < _final(r, "a", "weight_sum")),
)
BY_NAME = {p.name: p for p in PRESETS}


def preset_of(config: FitConfig) -> Preset | None:
    """The preset `config` is, whatever its seed; None once any setting moved away from it."""
    unseeded = dataclasses.replace(config, seed=0)
    return next((p for p in PRESETS if p.config == unseeded), None)
