"""Sequences: RNN, LSTM and GRU read sin(t) and predict cos(t) window by window, each with its
hidden state carried (detached) from window to window or reset to zero at every one.

Defaults reproduce the RNN regression tutorial: windows of π with 10 time steps, `nn.RNN(1, 32)`
plus `Linear(32, 1)`, Adam lr 0.02, 100 windows, `h_state = h_state.data` after each window. The
six variants train side by side on the same windows from the same seed; a cell type's carried and
reset variants start from the same weights, and every cell type's read-out starts the same.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from core.compute import report
from core.divergence import Divergence, divergences, is_diverged
from core.frames import frame_steps
from core.runs import runs
from core.seeding import generator_for
from core.seq.cells import KINDS, CellStack, State, init_modules
from core.seq.data import TASKS, signal, window_length, window_times

MODES = ("carry", "reset")  # state carried to the next window (detached), or zero at every window
VARIANTS = tuple(f"{kind}_{mode}" for kind in KINDS for mode in MODES)  # stable codes, drawing order
HEAT_UNITS = 32  # the heatmap keeps at most this many hidden units (the first ones)
REACH_SHARE = 0.01  # an earlier window "is reached" when its gradient is at least 1% of the last one's
MARGIN = 0.5  # carrying "wins" on a seed when its score is below half the reset variant's, not by a hair

__all__ = ["KINDS", "MODES", "TASKS", "VARIANTS", "SeqConfig", "SeqResult", "SeqSpreadConfig",
           "SeqSpreadResult", "run_seq", "run_seq_spread", "variant"]


def variant(kind: str, mode: str) -> str:
    """The code of one variant ("lstm_carry")."""
    return f"{kind}_{mode}"


@dataclass(frozen=True)
class SeqConfig:
    """One side-by-side run of the six variants; the defaults reproduce the tutorial."""

    task: str = "sin_cos"  # one of TASKS: read sin, predict cos; or read a noisy sine, predict its next value
    window_pi: float = 1.0  # length of one window, in multiples of π (the tutorial's step·π to (step+1)·π)
    steps: int = 10  # time steps per window (the tutorial's TIME_STEP)
    hidden: int = 32  # hidden units of every cell
    lr: float = 0.02  # Adam's learning rate, the same for every variant
    windows: int = 100  # training windows, one Adam step each (the tutorial's 100 steps)
    noise: float = 0.2  # std of the input noise (noisy_next only)
    test_windows: int = 6  # the after-training tests run this many windows past the training stretch
    test_freq: float = 2.0  # the changed-frequency test's frequency (training's is 1)
    bptt_windows: int = 8  # how many windows back the gradient's reach is measured (the cheap limit)
    tail: int = 50  # the score: mean loss over the last `tail` windows (the figure)
    frames: int = 50  # replay frames (about; windows trained so far)
    seed: int = 0  # the initial weights, and the noise of noisy_next

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"unknown task {self.task!r}; known: {', '.join(TASKS)}")
        if min(self.steps, self.hidden, self.windows, self.test_windows, self.bptt_windows, self.tail) < 1:
            raise ValueError("steps, hidden, windows, test_windows, bptt_windows and tail must be >= 1")
        if not self.window_pi > 0:
            raise ValueError("window_pi must be positive")

    @property
    def length(self) -> float:
        """A window's length in radians."""
        return window_length(self.window_pi)

    @property
    def dt(self) -> float:
        """Time between two steps, in radians."""
        return self.length / self.steps

    @property
    def scored(self) -> int:
        """Windows the score averages: the last `tail`, or every one of a shorter run."""
        return min(self.tail, self.windows)


# --- training: every variant (and seed) at once, one CellStack per cell type ------------------------

def _stacks(config: SeqConfig, seeds: Sequence[int], device: torch.device) -> dict[str, CellStack]:
    """Per cell type, members [seed0 carry, seed0 reset, seed1 carry, ...]: a seed's two members
    start from one initialisation (the read-out's is the same for every cell type)."""
    stacks = {}
    for kind in KINDS:
        modules = [init_modules(kind, config.hidden, generator_for(s, "seq_init", kind),
                                generator_for(s, "seq_init", "out")) for s in seeds]
        stacks[kind] = CellStack.from_modules(kind, [m for m in modules for _ in MODES], device)
    return stacks


def _training_data(config: SeqConfig, seeds: Sequence[int],
                   device: torch.device) -> tuple[np.ndarray, torch.Tensor, torch.Tensor]:
    """Times (W, T), and inputs and targets (members, W, T) of every training window."""
    t = window_times(0, config.windows, config.length, config.steps)
    per_seed = [signal(config.task, t, 1.0, config.noise, config.dt, s, "train") for s in seeds]
    x = torch.from_numpy(np.stack([xy[0] for xy in per_seed for _ in MODES])).to(device)
    y = torch.from_numpy(np.stack([xy[1] for xy in per_seed for _ in MODES])).to(device)
    return t, x, y


def _carried(state: State, carry: torch.Tensor) -> State:
    """The state entering the next window: carried members keep theirs, cut from the graph (the
    tutorial's `h_state = h_state.data`), reset members start from zero."""
    return tuple(torch.where(carry, s.detach(), torch.zeros_like(s)) for s in state)


@dataclass
class _Trained:
    stacks: dict[str, CellStack]
    loss: np.ndarray  # (kinds, members, W)
    pred: np.ndarray | None  # (kinds, members, W, T)
    hidden: np.ndarray | None  # (kinds, members, W, T, units) float16
    final: dict[str, State]  # the state after the last window, per cell type
    history: dict[str, list[State]]  # the states entering the last bptt_windows windows


def _train(config: SeqConfig, seeds: Sequence[int], device: torch.device, record: bool) -> _Trained:
    """Adam on every member at once, one step per window; the members' losses are summed, and
    since no weight is shared, each member's gradient is its own loss's."""
    stacks = _stacks(config, seeds, device)
    _, x, y = _training_data(config, seeds, device)
    members = 2 * len(seeds)
    carry = torch.tensor([m == "carry" for _ in seeds for m in MODES], device=device).view(members, 1, 1)
    # Fused Adam: one kernel for every weight of every member (elementwise, so each member takes its
    # own Adam's step); 0.08 s of 1.45 s saved on the defaults here, and as close to the tutorial's
    # plain Adam as the unfused one (tests/test_seq.py).
    opt = torch.optim.Adam([p for s in stacks.values() for p in s.parameters], lr=config.lr,
                           fused=device.type in ("cpu", "cuda"))
    states = {kind: stack.zero_state() for kind, stack in stacks.items()}
    history: dict[str, deque[State]] = {kind: deque(maxlen=config.bptt_windows) for kind in KINDS}
    losses, preds, hiddens = [], [], []
    units = min(config.hidden, HEAT_UNITS)
    every = max(1, config.windows // 20)
    for w in range(config.windows):
        xw, yw = x[:, w].unsqueeze(2), y[:, w].unsqueeze(2)  # (members, T, 1)
        window_loss, window_pred, window_hidden = [], [], []
        for kind, stack in stacks.items():
            if record:
                history[kind].append(states[kind])
            pred, state, hidden = stack.window(xw, states[kind])
            states[kind] = _carried(state, carry)
            window_loss.append(((pred - yw) ** 2).mean(dim=(1, 2)))  # (members,)
            if record:
                window_pred.append(pred.detach()[:, :, 0])
                window_hidden.append(hidden.detach()[:, :, :units])
        loss = torch.stack(window_loss)  # (kinds, members)
        opt.zero_grad()
        loss.sum().backward()
        opt.step()
        losses.append(loss.detach())
        if record:
            preds.append(torch.stack(window_pred))
            hiddens.append(torch.stack(window_hidden))
        if (w + 1) % every == 0:
            report((w + 1) / config.windows)
    loss_np = torch.stack(losses, dim=2).cpu().numpy().astype(np.float64)
    pred_np = torch.stack(preds, dim=2).cpu().numpy() if record else None
    hidden_np = torch.stack(hiddens, dim=2).cpu().numpy().astype(np.float16) if record else None
    return _Trained(stacks, loss_np, pred_np, hidden_np, states, {k: list(v) for k, v in history.items()})


def _diverged_at(loss: np.ndarray) -> int | None:
    """The first window (1-based) whose loss was not finite or exploded, if any."""
    for w, value in enumerate(loss):
        if is_diverged(float(value), float(loss[0])):
            return w + 1
    return None


# --- after training: a longer stretch, a changed frequency, the gradient's reach ------------------

def _run_stretch(stack: CellStack, start: State, carry: torch.Tensor, x: torch.Tensor,
                 steps: int) -> torch.Tensor:
    """Every member run over x (members, L·T) window by window without learning, each as it was
    trained: carried members go on from `start` without a break, reset members restart at each
    window. Returns the predictions (members, L·T)."""
    state = tuple(torch.where(carry, s, torch.zeros_like(s)) for s in start)
    out = []
    with torch.no_grad():
        for first in range(0, x.shape[1], steps):
            pred, state, _ = stack.window(x[:, first:first + steps].unsqueeze(2), state)
            state = _carried(state, carry)
            out.append(pred[:, :, 0])
    return torch.cat(out, dim=1)


def _reach(stack: CellStack, start: State, x: torch.Tensor, y: torch.Tensor, keep: bool) -> np.ndarray:
    """How far back the last window's loss sends a gradient: for every member, the norm of that
    loss's gradient with respect to each window's inputs, last window first, relative to the last
    window's own. x, y: (members, R, T) of the last R training windows, `start` the state entering
    the first of them. `keep`: the state is passed on with its graph (full backpropagation through
    time over R windows); otherwise detached, as in training (truncated: it stops at the window)."""
    inputs = [x[:, r].unsqueeze(2).clone().requires_grad_() for r in range(x.shape[1])]
    state = tuple(s.detach() for s in start)
    with torch.enable_grad():
        for xr in inputs:
            pred, state, _ = stack.window(xr, state)
            if not keep:
                state = tuple(s.detach() for s in state)
        loss = ((pred - y[:, -1].unsqueeze(2)) ** 2).mean(dim=(1, 2)).sum()
        grads = torch.autograd.grad(loss, inputs, allow_unused=True)
    norms = torch.stack([torch.zeros(x.shape[0], device=x.device) if g is None else g.flatten(1).norm(dim=1)
                         for g in grads], dim=1)  # (members, R), first window first
    norms = norms.flip(1)  # last window first
    return (norms / norms[:, :1]).cpu().numpy().astype(np.float64)


@dataclass
class SeqResult:
    """Everything the page draws; arrays indexed [variant] follow VARIANTS."""

    config: SeqConfig
    variants: tuple[str, ...]
    t: np.ndarray  # (W, T) the training windows' times
    x: np.ndarray  # (W, T) inputs
    y: np.ndarray  # (W, T) targets
    loss: np.ndarray  # (V, W) each window's MSE, before its Adam step (NaN once diverged)
    pred: np.ndarray  # (V, W, T) each window's prediction, as the tutorial plots it
    hidden: np.ndarray  # (V, W, T, units) float16: the hidden outputs (h) at every step
    frame_windows: np.ndarray  # (F,) windows trained at each replay frame (1-based)
    test_t: np.ndarray  # (L·T,) times of the after-training stretch
    test_x: np.ndarray  # (L·T,)
    test_y: np.ndarray  # (L·T,)
    test_pred: np.ndarray  # (V, L·T)
    freq_x: np.ndarray  # (L·T,) the same stretch at test_freq
    freq_y: np.ndarray  # (L·T,)
    freq_pred: np.ndarray  # (V, L·T)
    # (kinds, 2, R): the gradient's size per window back (0 = the last), relative to the last window's;
    # [:, 0] with the state detached (as trained), [:, 1] with it kept
    reach: np.ndarray
    diverged_at: list[int | None]  # per variant: the first window whose loss was not finite or exploded

    def tail_mse(self) -> np.ndarray:
        """(V,) the score: mean MSE over the last `tail` windows (NaN for a diverged variant)."""
        return self.loss[:, -self.config.scored:].mean(axis=1)

    def test_mse(self) -> np.ndarray:
        """(V,) MSE over the after-training stretch."""
        return ((self.test_pred - self.test_y) ** 2).mean(axis=1)

    def freq_mse(self) -> np.ndarray:
        """(V,) MSE over the changed-frequency stretch."""
        return ((self.freq_pred - self.freq_y) ** 2).mean(axis=1)

    def reach_windows(self, share: float = REACH_SHARE) -> np.ndarray:
        """(kinds, 2) how many earlier windows the last window's gradient reaches (at least `share`
        of its own), detached and kept."""
        with np.errstate(invalid="ignore"):
            return (self.reach[:, :, 1:] >= share).sum(axis=2)

    def table(self) -> pd.DataFrame:
        """Per variant: the training score, the longer stretch's and the changed frequency's MSE."""
        return pd.DataFrame({"variant": self.variants, "train_mse": self.tail_mse(),
                             "test_mse": self.test_mse(), "freq_mse": self.freq_mse()})

    def divergences(self) -> list[Divergence]:
        """One per variant whose training diverged (one seed: `of` is 1)."""
        return divergences(self.variants, [[at] for at in self.diverged_at])


def _mask_diverged(trained: _Trained) -> list[int | None]:
    """Per (kind, member): where it diverged; from there on its records are NaN."""
    found = []
    for k in range(len(KINDS)):
        for m in range(trained.loss.shape[1]):
            at = _diverged_at(trained.loss[k, m])
            found.append(at)
            if at is not None:
                trained.loss[k, m, at - 1:] = np.nan
                if trained.pred is not None:
                    trained.pred[k, m, at - 1:] = np.nan
                    trained.hidden[k, m, at - 1:] = np.nan
    return found


@runs(SeqConfig)
def run_seq(config: SeqConfig = SeqConfig(), device: torch.device | str = "cpu") -> SeqResult:
    """Train the six variants side by side on the same windows from the same seed; record all."""
    device = torch.device(device)
    trained = _train(config, [config.seed], device, record=True)
    diverged = _mask_diverged(trained)
    t, x, y = _training_data(config, [config.seed], device)
    carry = torch.tensor([m == "carry" for m in MODES], device=device).view(2, 1, 1)
    test_t = window_times(config.windows, config.test_windows, config.length, config.steps).reshape(-1)
    tx, ty = signal(config.task, test_t, 1.0, config.noise, config.dt, config.seed, "test")
    fx, fy = signal(config.task, test_t, config.test_freq, config.noise, config.dt, config.seed, "freq")
    test_pred, freq_pred, reach = [], [], []
    r = min(config.bptt_windows, config.windows)
    for kind in KINDS:
        stack = trained.stacks[kind].detached()
        for signal_x, out in ((tx, test_pred), (fx, freq_pred)):
            xs = torch.from_numpy(signal_x).to(device).expand(2, -1)
            out.append(_run_stretch(stack, trained.final[kind], carry, xs, config.steps).cpu().numpy())
        carried = stack.detached([MODES.index("carry")])
        start = tuple(s[:1] for s in trained.history[kind][-r])
        xr, yr = x[:1, -r:], y[:1, -r:]
        reach.append([_reach(carried, start, xr, yr, keep)[0] for keep in (False, True)])
    v = len(VARIANTS)
    return SeqResult(
        config=config, variants=VARIANTS, t=t, x=x[0].cpu().numpy(), y=y[0].cpu().numpy(),
        loss=trained.loss.reshape(v, -1), pred=trained.pred.reshape(v, *trained.pred.shape[2:]),
        hidden=trained.hidden.reshape(v, *trained.hidden.shape[2:]),
        frame_windows=frame_steps(config.windows, config.frames)[1:],
        test_t=test_t, test_x=tx, test_y=ty, test_pred=np.concatenate(test_pred).astype(np.float64),
        freq_x=fx, freq_y=fy, freq_pred=np.concatenate(freq_pred).astype(np.float64),
        reach=np.array(reach), diverged_at=diverged)


# --- the same comparison over several seeds ---------------------------------------------------------

@dataclass(frozen=True)
class SeqSpreadConfig:
    """The six variants of `base` on seeds base.seed, base.seed + 1, ... (scores only)."""

    base: SeqConfig = SeqConfig()  # the run whose variants are compared (its seed is the first)
    seeds: int = 5  # how many seeds

    @property
    def seed_list(self) -> tuple[int, ...]:
        return tuple(range(self.base.seed, self.base.seed + self.seeds))


@dataclass(frozen=True)
class CarrySummary:
    """Carried against reset for one cell type over several seeds."""

    kind: str
    seeds: int
    wins: int  # seeds where the carried variant's score is below MARGIN times the reset one's
    lower: int  # seeds where it is lower at all
    carried: float  # mean score of the carried variant (NaN if any seed diverged)
    reset: float  # mean score of the reset variant

    @property
    def holds(self) -> str | None:
        """What the page may say: "all" (every seed), "most" (more than half), or None."""
        if not (math.isfinite(self.carried) and math.isfinite(self.reset)):
            return None
        if self.wins == self.seeds:
            return "all"
        return "most" if self.wins > self.seeds / 2 else None


@dataclass
class SeqSpreadResult:
    """The score (mean MSE over the last `tail` windows) of every variant on every seed."""

    config: SeqSpreadConfig
    scores: pd.DataFrame  # tidy: seed, variant, kind, mode, score
    diverged_at: list[list[int | None]]  # [variant][seed]

    def summary(self) -> list[CarrySummary]:
        """One per cell type, in KINDS order."""
        wide = self.scores.pivot(index="seed", columns="variant", values="score")
        out = []
        for kind in KINDS:
            c, r = wide[variant(kind, "carry")], wide[variant(kind, "reset")]
            out.append(CarrySummary(kind, len(wide), int((c < MARGIN * r).sum()), int((c < r).sum()),
                                    float(c.mean()), float(r.mean())))
        return out

    def divergences(self) -> list[Divergence]:
        return divergences(VARIANTS, self.diverged_at)


def run_scores(config: SeqConfig, seeds: Sequence[int],
               device: torch.device | str = "cpu") -> SeqSpreadResult:
    """Every variant on every seed, all trained as one stack per cell type (no curves kept)."""
    device = torch.device(device)
    trained = _train(config, seeds, device, record=False)
    diverged = _mask_diverged(trained)  # [kind][member] flattened: member = 2·seed + mode
    tail = config.scored
    rows, per_variant = [], {v: [] for v in VARIANTS}
    for k, kind in enumerate(KINDS):
        for i, seed in enumerate(seeds):
            for j, mode in enumerate(MODES):
                m = 2 * i + j
                code = variant(kind, mode)
                rows.append({"seed": seed, "variant": code, "kind": kind, "mode": mode,
                             "score": float(trained.loss[k, m, -tail:].mean())})
                per_variant[code].append(diverged[k * trained.loss.shape[1] + m])
    spread = SeqSpreadConfig(config, len(seeds))
    return SeqSpreadResult(spread, pd.DataFrame(rows), [per_variant[v] for v in VARIANTS])


@runs(SeqSpreadConfig)
def run_seq_spread(config: SeqSpreadConfig, device: torch.device | str = "cpu") -> SeqSpreadResult:
    """The six variants of `config.base` on each of its seeds (see run_scores)."""
    result = run_scores(config.base, config.seed_list, device)
    result.config = config
    return result


def run_cost(config: SeqConfig) -> float:
    """Rough training work of one run: hidden² per gate block, every step of every window."""
    return config.windows * config.steps * (config.hidden + 8) ** 2


AUTO_SPREAD_COST = 4 * 5 * run_cost(SeqConfig())  # above this, the runs over seeds wait for a click


def spread_waits_for_click(config: SeqSpreadConfig) -> bool:
    """Whether the runs over seeds are heavy enough to start only when asked."""
    return run_cost(config.base) * config.seeds > AUTO_SPREAD_COST


def tutorial_task(config: SeqConfig) -> bool:
    """Whether `config` is the tutorial's setup (any seed, any replay length, the issue's test
    frequency): where the page's sentences on the after-training tests were checked (seeds 0-4)."""
    return config == SeqConfig(seed=config.seed, frames=config.frames)
