"""The GAN lesson: the painter and the critic (the tutorial's 1-D painter, trained as A and B side
by side from one seed) and a 2-D GAN in GAN Lab's style, with a stepping session for one D or G
step at a time."""

from core.gan.engine import DIFFERS, LOSSES  # noqa: F401
from core.gan.painter import PainterConfig, PainterResult, run_painter  # noqa: F401
from core.gan.plane import TARGETS, Lab, LabView, PlaneConfig, PlaneResult, run_plane  # noqa: F401
