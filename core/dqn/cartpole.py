"""CartPole as gymnasium 1.4's `CartPoleEnv` computes it (Euler steps, float64 state), for many
environments at once as one torch batch. tests/test_dqn.py checks a batch against gymnasium's own
`step` for the same actions."""

from __future__ import annotations

import math

import torch

GRAVITY = 9.8
MASS_CART = 1.0
MASS_POLE = 0.1
TOTAL_MASS = MASS_POLE + MASS_CART
LENGTH = 0.5  # half the pole's length
POLE_MASS_LENGTH = MASS_POLE * LENGTH
FORCE = 10.0
TAU = 0.02  # seconds between steps
X_LIMIT = 2.4  # the cart leaves the track beyond this
THETA_LIMIT = 12 * 2 * math.pi / 360  # the pole has fallen beyond this angle (radians)
RESET_HIGH = 0.05  # a new episode starts with each of the four numbers uniform in [-0.05, 0.05]


def step(state: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
    """The next state of every environment: state (B, 4) float64 (x, x_dot, theta, theta_dot),
    action (B,) 0 (push left) or 1 (push right). The same operations, in the same order, as
    gymnasium's `CartPoleEnv.step`."""
    x, x_dot, theta, theta_dot = state.unbind(1)
    force = action.to(state.dtype) * (2 * FORCE) - FORCE  # exactly +FORCE or -FORCE
    cos, sin = torch.cos(theta), torch.sin(theta)
    temp = (force + POLE_MASS_LENGTH * (theta_dot * theta_dot) * sin) / TOTAL_MASS
    theta_acc = (GRAVITY * sin - cos * temp) / (LENGTH * (4.0 / 3.0 - MASS_POLE * (cos * cos) / TOTAL_MASS))
    x_acc = temp - POLE_MASS_LENGTH * theta_acc * cos / TOTAL_MASS
    return torch.stack([x + TAU * x_dot, x_dot + TAU * x_acc,
                        theta + TAU * theta_dot, theta_dot + TAU * theta_acc], dim=1)


def fallen(state: torch.Tensor) -> torch.Tensor:
    """(B,) bool: the cart has left the track or the pole has fallen (gymnasium's `terminated`)."""
    x, theta = state[:, 0], state[:, 2]
    return (x < -X_LIMIT) | (x > X_LIMIT) | (theta < -THETA_LIMIT) | (theta > THETA_LIMIT)


def shaped_reward(obs: torch.Tensor) -> torch.Tensor:
    """The lesson's reward from an observation (B, 4): higher the nearer the cart is to the middle
    and the more upright the pole; negative when it is far off (r1 + r2 of the tutorial), (B,)
    float32."""
    x, theta = obs[:, 0], obs[:, 2]  # float32 arithmetic, as the tutorial's numpy does on float32
    r1 = (X_LIMIT - x.abs()) / X_LIMIT - 0.8
    r2 = (THETA_LIMIT - theta.abs()) / THETA_LIMIT - 0.5
    return r1 + r2
