"""Which training steps a replay shows: the one `frame_steps` every lesson uses."""

from __future__ import annotations

import numpy as np


def frame_steps(steps: int, frames: int) -> np.ndarray:
    """0 (the initial weights) plus about `frames` evenly spaced steps ending at `steps`, ascending."""
    return np.unique(np.round(np.linspace(0, steps, max(frames, 1) + 1)).astype(int))
