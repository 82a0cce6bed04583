"""The GAN lesson: the painter and the critic (the tutorial's 1-D painter, trained as A and B side
by side from one seed) and a 2-D GAN in GAN Lab's style, with a stepping session for one D or G
step at a time."""

from dataclasses import dataclass

from core.gan.engine import DIFFERS, LOSSES  # noqa: F401
from core.gan.painter import PainterConfig, PainterResult, run_painter  # noqa: F401
from core.gan.plane import TARGETS, Lab, LabView, PlaneConfig, PlaneResult, run_plane  # noqa: F401


@dataclass(frozen=True)
class PainterTruth:
    """What the page states of the painter, as measured (tests/test_gan.py checks it)."""

    seeds: int = 5  # seeds 0 to seeds - 1
    steps: int = 5000
    since: int = 3000  # the figures average the snapshots from this iteration on
    in_bounds: tuple[float, float] = (0.9, 0.97)  # each seed: share of points in the band
    a_std: tuple[float, float] = (0.27, 0.36)  # every seed's spread of the fitted a (the artist: 0.29)
    d_real: tuple[float, float] = (0.48, 0.52)  # every seed's mean D(real)
    collapse_below: float = 0.2  # B (G's rate 10x D's): spread of a below this...
    collapsed: int = 5  # ...on this many of the seeds


@dataclass(frozen=True)
class PlaneTruth:
    """What the page states of the 2-D GAN on the ring, as measured (tests/test_gan.py checks it)."""

    seeds: int = 5
    steps: int = 600  # the page's default
    more_modes: int = 5  # seeds where B (5 D steps per G step) covers more modes than A (1:1)


PAINTER_TRUTH = PainterTruth()
PLANE_TRUTH = PlaneTruth()
