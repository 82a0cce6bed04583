""""Watch it play": a trained Q-network acting greedily from a start state, as a run of its own
(`PlayConfig`), and the shipped pretrained agent it plays when no run has trained one yet.

The shipped agent is `weights/pretrained.json`: the 4-10-2 net's 72 weights and metadata saying
how it was made (scripts/train_dqn.py). JSON, not a pickle: a few KB a reader can open.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import torch

from core.dqn import PLAY_STEPS, Nets, Play, flat_weights, play, play_start, unflat_weights
from core.runs import runs

WEIGHTS = Path(__file__).resolve().parent / "weights" / "pretrained.json"
MAX_BYTES = 64 * 1024


class AgentFileError(ValueError):
    """A pretrained-agent file that is malformed or does not fit the net."""


@cache
def shipped() -> tuple[tuple[float, ...], int, dict]:
    """The shipped agent: its flat weights, hidden width and metadata (read once)."""
    return read_agent(WEIGHTS.read_bytes())


def read_agent(data: bytes) -> tuple[tuple[float, ...], int, dict]:
    """(flat weights, hidden width, metadata) of an agent file; AgentFileError if it is not one."""
    if len(data) > MAX_BYTES:
        raise AgentFileError(f"file too large: {len(data)} bytes")
    try:
        doc = json.loads(data)
        hidden, flat = int(doc["hidden"]), tuple(float(v) for v in doc["weights"])
    except (ValueError, KeyError, TypeError) as exc:
        raise AgentFileError(f"not an agent file ({type(exc).__name__})") from exc
    if not all(math.isfinite(v) for v in flat):
        raise AgentFileError("the weights hold NaN or infinite values")
    unflat_weights(flat, hidden)  # raises on the wrong count
    return flat, hidden, dict(doc.get("meta", {}))


def agent_json(state: dict[str, torch.Tensor], meta: dict) -> str:
    """The file of a trained net: its weights (rounded to 6 significant digits) and `meta`."""
    flat = [float(f"{v:.6g}") for v in flat_weights(state)]
    doc = {"hidden": int(state["fc1.weight"].shape[0]), "weights": flat, "meta": meta}
    return json.dumps(doc, indent=1) + "\n"


@dataclass(frozen=True)
class PlayConfig:
    """One greedy episode of a trained net."""

    weights: tuple[float, ...] = ()  # the net (core.dqn.flat_weights); empty: the shipped agent
    hidden: int = 10  # its hidden width
    seed: int = 0  # the start state derives from it
    max_steps: int = 0  # the episode cap of the run it comes from (0: PLAY_STEPS)


@dataclass
class PlayResult:
    config: PlayConfig
    play: Play
    shipped: bool
    meta: dict = field(default_factory=dict)  # the shipped agent's metadata

    def divergences(self) -> list:
        return []


@runs(PlayConfig)
def run_play(config: PlayConfig, device: torch.device | str = "cpu") -> PlayResult:
    """The net of `config` acting greedily from the seed's start state for up to PLAY_STEPS."""
    weights, hidden, meta = (config.weights, config.hidden, {}) if config.weights else shipped()
    nets = Nets.stack([unflat_weights(weights, hidden)], torch.device("cpu"))
    episode = play(nets, play_start(config.seed).unsqueeze(0), PLAY_STEPS, config.max_steps)[0]
    return PlayResult(config, episode, not config.weights, meta)
