"""DQN balances a CartPole: the lesson's DQN beside the same agent without replay memory, without
target network, or without either, all trained as one batch (stacked weights, batched CartPoles).

Every agent of one seed starts from the same weights and meets the same random numbers: the same
ε draws and random actions at each step, the same start of each new episode, the same replay
indices. The one difference is the one under study.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from core.compute import report
from core.divergence import Divergence, divergences, limit
from core.dqn import cartpole
from core.frames import frame_steps
from core.runs import runs
from core.seeding import generator_for

AGENTS = ("dqn", "no_target", "no_replay", "neither")  # stable codes, in drawing order
REPLAY = {"dqn": True, "no_target": True, "no_replay": False, "neither": False}
TARGET = {"dqn": True, "no_target": False, "no_replay": True, "neither": False}
SCHEDULES = ("constant", "ramp")
REWARDS = ("shaped", "own")
LAST_EPISODES = 20  # the final return is the mean over this many last episodes
SMOOTH = 20  # the smoothed return: the mean of this many episodes up to each one
LOSS_POINTS = 400  # TD-error points kept for the timeline (means over equal chunks of steps)
PLAY_STEPS = 500  # "watch it play": greedy steps at most
REPORT_EVERY = 500  # steps between progress reports


@dataclass(frozen=True)
class DQNConfig:
    """One side-by-side run; the defaults reproduce the lesson (405: 4-10-2 net, Adam 0.01, ε 0.9,
    γ 0.9, memory 2,000, batch 32, target copied every 100 learning steps, shaped reward)."""

    agents: tuple[str, ...] = AGENTS  # which agents train (codes of AGENTS)
    steps: int = 10_000  # environment steps each agent takes (the lesson's 400 episodes: ~122,000)
    epsilon: float = 0.9  # probability of the greedy action (the rest: a random one)
    schedule: str = "constant"  # "constant", or "ramp": the greedy probability rises from 0 to
    #                             epsilon over the first half of the steps
    gamma: float = 0.9  # discount of the next state's value
    lr: float = 0.01  # Adam's learning rate
    memory: int = 2000  # replay memory (transitions); learning starts once it is full
    batch: int = 32  # transitions per learning step
    target_every: int = 100  # the target network is a copy of the net, renewed every this many learning steps
    reward: str = "shaped"  # "shaped" (the lesson's, from cart position and pole angle) or "own" (1 a step)
    cut_at_end: bool = False  # the target of an episode's last step is its reward alone (the lesson
    #                           looks past the end); the environment's own reward needs it
    max_steps: int = 0  # an episode ends after this many steps (0: never, as in the lesson)
    hidden: int = 10  # hidden ReLU units of the 4-H-2 Q-network
    frames: int = 160  # snapshots kept for the replay (plus the start)
    seed: int = 0  # initial weights, ε draws, episode starts and replay indices derive from it

    def __post_init__(self) -> None:
        bad = [a for a in self.agents if a not in AGENTS]
        if bad or not self.agents:
            raise ValueError(f"agents must be some of {AGENTS}, got {self.agents}")
        if self.schedule not in SCHEDULES or self.reward not in REWARDS:
            raise ValueError("unknown schedule or reward")

    @property
    def learn_steps(self) -> int:
        """Learning steps each agent takes: one per environment step once the memory is full."""
        return max(self.steps - self.memory, 0)


# --- randomness: per seed, drawn once, shared by every agent of that seed ----------------------

@dataclass
class Draws:
    """Every random number of a run of one seed (per purpose its own stream)."""

    starts: torch.Tensor  # (steps + 1, 4) float64: the start state of each episode, in order
    explore: torch.Tensor  # (steps,) float64 uniform: greedy where below the greedy probability
    random_action: torch.Tensor  # (steps,) int64: the action taken when not greedy
    replay: torch.Tensor  # (learn_steps, batch) int64: replay memory indices of each learning step


def draws(config: DQNConfig, seed: int) -> Draws:
    """The random numbers of `seed` under `config` (the plain loop and the batch use the same)."""
    n = config.steps
    g = generator_for(seed, "dqn", "starts")
    high = cartpole.RESET_HIGH
    starts = torch.rand((n + 1, 4), generator=g, dtype=torch.float64) * (2 * high) - high
    explore = torch.rand(n, generator=generator_for(seed, "dqn", "explore"), dtype=torch.float64)
    random_action = torch.randint(2, (n,), generator=generator_for(seed, "dqn", "action"))
    replay = torch.randint(config.memory, (config.learn_steps, config.batch),
                           generator=generator_for(seed, "dqn", "replay"))
    return Draws(starts, explore, random_action, replay)


def greedy_probability(config: DQNConfig) -> np.ndarray:
    """(steps,) the probability of acting greedily at each step (the ε schedule)."""
    p = np.full(config.steps, config.epsilon)
    if config.schedule == "ramp":
        half = max(config.steps // 2, 1)
        p = config.epsilon * np.minimum(np.arange(config.steps) / half, 1.0)
    return p


def init_weights(seed: int, hidden: int = 10) -> dict[str, torch.Tensor]:
    """The lesson's initial Q-network (as nn.Linear's shapes): weights N(0, 0.1), biases as
    nn.Linear draws them (uniform within 1/sqrt(inputs)). Every agent of a seed starts here."""
    g = generator_for(seed, "init")
    w1 = torch.randn((hidden, 4), generator=g) * 0.1
    b1 = (torch.rand(hidden, generator=g) * 2 - 1) / math.sqrt(4)
    w2 = torch.randn((2, hidden), generator=g) * 0.1
    b2 = (torch.rand(2, generator=g) * 2 - 1) / math.sqrt(hidden)
    return {"fc1.weight": w1, "fc1.bias": b1, "out.weight": w2, "out.bias": b2}


# --- the batched Q-networks: (B, ...) stacks of every agent's weights --------------------------

@dataclass
class Nets:
    """Every agent's Q-network, stacked: w1 (B, 4, H), b1 (B, 1, H), w2 (B, H, 2), b2 (B, 1, 2)."""

    w1: torch.Tensor
    b1: torch.Tensor
    w2: torch.Tensor
    b2: torch.Tensor

    @classmethod
    def stack(cls, states: Sequence[dict[str, torch.Tensor]], device: torch.device) -> Nets:
        def st(name: str, transpose: bool) -> torch.Tensor:
            ts = [s[name].t() if transpose else s[name].unsqueeze(0) for s in states]
            return torch.stack(ts).to(device).contiguous()
        return cls(st("fc1.weight", True), st("fc1.bias", False), st("out.weight", True),
                   st("out.bias", False))

    @property
    def tensors(self) -> list[torch.Tensor]:
        return [self.w1, self.b1, self.w2, self.b2]

    def clone(self) -> Nets:
        return Nets(*(t.clone() for t in self.tensors))

    def q(self, s: torch.Tensor) -> torch.Tensor:
        """Q-values (B, N, 2) of states s (B, N, 4)."""
        return torch.baddbmm(self.b2, torch.relu(torch.baddbmm(self.b1, s, self.w1)), self.w2)

    def state_dict(self, b: int) -> dict[str, torch.Tensor]:
        """Agent b's weights in nn.Linear's shapes."""
        return {"fc1.weight": self.w1[b].t().cpu(), "fc1.bias": self.b1[b, 0].cpu(),
                "out.weight": self.w2[b].t().cpu(), "out.bias": self.b2[b, 0].cpu()}


def td_step(nets: Nets, target: Nets, grads: Nets, batch: torch.Tensor, gamma: float,
            cut: bool) -> torch.Tensor:
    """Each agent's gradient of its MSE TD loss, by hand (two layers), written into `grads`;
    returns the losses (B,). batch (B, N, 11): s (4), a, r, s' (4), fallen."""
    s, a, r, s2, end = batch[..., :4], batch[..., 4:5].long(), batch[..., 5], batch[..., 6:10], batch[..., 10]
    q_next = target.q(s2).amax(dim=2)  # (B, N)
    y = r + gamma * (q_next * (1 - end) if cut else q_next)
    pre = torch.baddbmm(nets.b1, s, nets.w1)  # (B, N, H)
    h = torch.relu(pre)
    q = torch.baddbmm(nets.b2, h, nets.w2)  # (B, N, 2)
    diff = q.gather(2, a).squeeze(2) - y  # (B, N)
    n = diff.shape[1]
    dq = torch.zeros_like(q).scatter_(2, a, (2.0 / n) * diff.unsqueeze(2))  # d loss / d q
    torch.bmm(h.transpose(1, 2), dq, out=grads.w2)
    torch.sum(dq, 1, keepdim=True, out=grads.b2)
    dh = torch.bmm(dq, nets.w2.transpose(1, 2)) * (pre > 0)
    torch.bmm(s.transpose(1, 2), dh, out=grads.w1)
    torch.sum(dh, 1, keepdim=True, out=grads.b1)
    return (diff * diff).mean(1)


class FusedAdam:
    """torch.optim.Adam's fused step (one kernel for every tensor) without the optimizer's Python
    wrapper, which took 157 of the 170 us of each step here (torch.profiler, 4 agents): the same
    update, where this torch build has the kernel (CPU and CUDA); torch.optim.Adam elsewhere.

    Each agent's tensors are tensors of their own for the kernel (views of the stacks): its vector
    loop then ends inside one agent, never across two, so an agent's numbers do not depend on which
    others share the batch (not even by rounding)."""

    def __init__(self, nets: Nets, grads: Nets, lr: float) -> None:
        self.lr, self.fused = lr, nets.w1.device.type in ("cpu", "cuda")
        n_b = nets.w1.shape[0]
        self.params = [t[b] for t in nets.tensors for b in range(n_b)]
        self.grads = [t[b] for t in grads.tensors for b in range(n_b)]
        if not self.fused:
            for p, g in zip(nets.tensors, grads.tensors):
                p.grad = g
            self.opt = torch.optim.Adam(nets.tensors, lr=lr)
            return
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]
        self.steps = [torch.zeros((), dtype=torch.float32, device=p.device) for p in self.params]

    def step(self) -> None:
        if not self.fused:
            self.opt.step()
            return
        torch._foreach_add_(self.steps, 1)
        torch._fused_adam_(self.params, self.grads, self.m, self.v, [], self.steps, amsgrad=False,
                           lr=self.lr, beta1=0.9, beta2=0.999, weight_decay=0.0, eps=1e-8, maximize=False)


# --- the result --------------------------------------------------------------------------------

@dataclass
class Episodes:
    """One agent's finished episodes, in order."""

    end: np.ndarray  # (E,) the environment step on which each ended (1-based)
    length: np.ndarray  # (E,) steps it lasted: the environment's own return
    shaped: np.ndarray  # (E,) the lesson's shaped return
    smoothed: np.ndarray  # (E,) mean length of the last SMOOTH episodes up to each


@dataclass
class Play:
    """A greedy episode: what "watch it play" replays."""

    states: np.ndarray  # (P, 4) from the start state to the last
    q: np.ndarray  # (P, 2) Q-values of each state
    fell: bool  # whether it ended by falling (else it lasted PLAY_STEPS)

    @property
    def length(self) -> int:
        return len(self.states) - 1


@dataclass
class DQNResult:
    """Everything the page draws; arrays indexed [agent] follow `agents`."""

    config: DQNConfig
    agents: tuple[str, ...]
    frame_steps: np.ndarray  # (F,) environment steps of the snapshots (0: the start)
    states: np.ndarray  # (F, K, 4) each agent's cart at each snapshot
    q: np.ndarray  # (F, K, 2) Q-values of that state (push left, push right)
    episode: np.ndarray  # (F, K) 1-based number of the episode running at the snapshot
    episode_step: np.ndarray  # (F, K) steps into that episode
    episodes: list[Episodes]  # per agent
    loss_steps: np.ndarray  # (L,) environment step at the end of each TD-error chunk
    loss: np.ndarray  # (L, K) mean TD error (MSE) of each chunk's learning steps
    weights: list[tuple[float, ...]]  # per agent: the trained net, flat (see flat_weights)
    plays: list[Play]  # per agent: a greedy episode after training
    diverged_at: list[int | None]  # per agent: the first learning step whose TD error was not finite
    seconds: float = 0.0

    def divergences(self) -> list[Divergence]:
        return divergences(self.agents, [[at] for at in self.diverged_at])

    def final_returns(self) -> dict[str, float]:
        """Per agent: its final return (see final_return)."""
        return {agent: final_return(self.episodes[k].length, int(self.episode_step[-1, k]))
                for k, agent in enumerate(self.agents)}

    def returns_until(self, frame: int) -> list[Episodes]:
        """Each agent's episodes finished by the snapshot `frame`."""
        step = self.frame_steps[frame]
        out = []
        for e in self.episodes:
            n = int(np.searchsorted(e.end, step, side="right"))
            out.append(Episodes(e.end[:n], e.length[:n], e.shaped[:n], e.smoothed[:n]))
        return out

    def loss_until(self, frame: int) -> int:
        """How many TD-error points are in by the snapshot `frame`."""
        return int(np.searchsorted(self.loss_steps, self.frame_steps[frame], side="right"))


def final_return(lengths: np.ndarray, running: int) -> float:
    """The mean length of the last LAST_EPISODES episodes, the one still running (`running` steps
    so far) counted where it has begun."""
    all_ = np.append(lengths, running) if running > 0 else np.asarray(lengths)
    return float(all_[-LAST_EPISODES:].mean()) if len(all_) else float("nan")


def flat_weights(state: dict[str, torch.Tensor]) -> tuple[float, ...]:
    """A net's weights as one tuple (fc1.weight, fc1.bias, out.weight, out.bias, row by row)."""
    return tuple(float(v) for name in ("fc1.weight", "fc1.bias", "out.weight", "out.bias")
                 for v in state[name].reshape(-1).tolist())


def unflat_weights(flat: Sequence[float], hidden: int) -> dict[str, torch.Tensor]:
    """The inverse of flat_weights."""
    t = torch.tensor(flat, dtype=torch.float32)
    sizes = {"fc1.weight": (hidden, 4), "fc1.bias": (hidden,), "out.weight": (2, hidden), "out.bias": (2,)}
    if t.numel() != sum(math.prod(s) for s in sizes.values()):
        raise ValueError(f"{t.numel()} weights do not make a 4-{hidden}-2 net")
    out, at = {}, 0
    for name, shape in sizes.items():
        n = math.prod(shape)
        out[name] = t[at:at + n].reshape(shape)
        at += n
    return out


# --- training: every agent of every seed as one batch ------------------------------------------

@dataclass
class _Batch:
    """What `train` returns for every environment b (agent x seed) of the batch."""

    nets: Nets
    frame_states: np.ndarray  # (F, B, 4)
    frame_q: np.ndarray  # (F, B, 2)
    frame_episode: np.ndarray  # (F, B)
    frame_episode_step: np.ndarray  # (F, B)
    ended: np.ndarray  # (T, B) bool: an episode ended on this step
    length: np.ndarray  # (T, B) its length, where one ended
    shaped: np.ndarray  # (T, B) its shaped return, where one ended
    loss: np.ndarray  # (T, B) TD error of the learning step taken on this step (NaN before)
    diverged_at: list[int | None] = field(default_factory=list)


def train(config: DQNConfig, agents: Sequence[str], seeds: Sequence[int],
          device: torch.device | str = "cpu", frames: np.ndarray | None = None) -> _Batch:
    """Train agent agents[b] on seed seeds[b], for every b at once: B CartPoles stepped as one
    batch, B Q-networks as stacked weights, one fused Adam over all of them (Adam is elementwise,
    so each net takes exactly the steps its own Adam would)."""
    device = torch.device(device)
    c, n_b, t_steps = config, len(agents), config.steps
    unique = sorted(set(seeds))
    per_seed = {s: draws(c, s) for s in unique}
    row = torch.tensor([unique.index(s) for s in seeds], device=device)

    def gather(name: str) -> torch.Tensor:
        return torch.stack([getattr(per_seed[s], name) for s in unique]).to(device)[row]

    starts, explore, random_action = gather("starts"), gather("explore"), gather("random_action")
    replay_idx = gather("replay")  # (B, learn_steps, batch)
    greedy_p = torch.tensor(greedy_probability(c), dtype=torch.float64, device=device)
    init = {s: init_weights(s, c.hidden) for s in unique}
    nets = Nets.stack([init[s] for s in seeds], device)
    target, grads = nets.clone(), Nets(*(torch.zeros_like(t) for t in nets.tensors))
    opt = FusedAdam(nets, grads, c.lr)
    replays = torch.tensor([REPLAY[a] for a in agents], device=device)
    renew_always = torch.tensor([not TARGET[a] for a in agents], device=device).view(-1, 1, 1)
    memory = torch.zeros((n_b, c.memory, 11), device=device)
    arange_b = torch.arange(n_b, device=device)
    frames = frame_steps(t_steps, c.frames) if frames is None else frames
    frame_at = {int(s): i for i, s in enumerate(frames)}
    f_states = torch.zeros((len(frames), n_b, 4), dtype=torch.float64, device=device)
    f_q = torch.zeros((len(frames), n_b, 2), device=device)
    f_ep = torch.zeros((len(frames), n_b), dtype=torch.long, device=device)
    f_ep_step = torch.zeros((len(frames), n_b), dtype=torch.long, device=device)
    ended = torch.zeros((t_steps, n_b), dtype=torch.bool, device=device)
    lengths = torch.zeros((t_steps, n_b), dtype=torch.long, device=device)
    shaped_ret = torch.zeros((t_steps, n_b), dtype=torch.float64, device=device)
    losses = torch.full((t_steps, n_b), float("nan"), device=device)
    state = starts[:, 0].clone()  # (B, 4) float64
    episode = torch.zeros(n_b, dtype=torch.long, device=device)  # 0-based episode number
    ep_step = torch.zeros(n_b, dtype=torch.long, device=device)
    ep_shaped = torch.zeros(n_b, dtype=torch.float64, device=device)
    learned = 0
    no_replay_window = torch.arange(c.batch, device=device)
    shaped = c.reward == "shaped"

    def snapshot(i: int, q: torch.Tensor) -> None:
        f_states[i], f_q[i], f_ep[i], f_ep_step[i] = state, q, episode + 1, ep_step

    for t in range(t_steps):
        if t % REPORT_EVERY == 0:
            report(t / t_steps)
        obs = state.float()  # (B, 4) what the agent sees, as gymnasium returns it
        q = nets.q(obs.unsqueeze(1)).squeeze(1)  # (B, 2)
        if t in frame_at:
            snapshot(frame_at[t], q)
        greedy = explore[:, t] < greedy_p[t]
        action = torch.where(greedy, q.argmax(1), random_action[:, t])
        state = cartpole.step(state, action)
        fell = cartpole.fallen(state)
        obs2 = state.float()
        r_shaped = cartpole.shaped_reward(obs2)
        reward = r_shaped if shaped else torch.ones(n_b, device=device)
        ep_shaped += r_shaped
        ep_step += 1
        memory[:, t % c.memory] = torch.cat([obs, action.unsqueeze(1).float(), reward.unsqueeze(1),
                                             obs2, fell.float().unsqueeze(1)], dim=1)
        if t + 1 > c.memory:  # the lesson learns once the memory counter has passed its capacity
            if learned % c.target_every == 0:
                for dst, src in zip(target.tensors, nets.tensors):
                    dst.copy_(src)
            else:
                for dst, src in zip(target.tensors, nets.tensors):
                    torch.where(renew_always, src, dst, out=dst)
            window = (t + 1 - c.batch + no_replay_window) % c.memory  # the latest transitions
            idx = torch.where(replays.unsqueeze(1), replay_idx[:, learned], window)  # (B, batch)
            sample = memory[arange_b.unsqueeze(1), idx]  # (B, batch, 11)
            losses[t] = td_step(nets, target, grads, sample, c.gamma, c.cut_at_end)
            opt.step()
            learned += 1
        end = fell | (ep_step >= c.max_steps) if c.max_steps > 0 else fell
        ended[t], lengths[t], shaped_ret[t] = end, ep_step, ep_shaped
        episode += end
        state = torch.where(end.unsqueeze(1), starts[arange_b, episode.clamp(max=t_steps)], state)
        ep_step.mul_(~end)
        ep_shaped.mul_(~end)
    if t_steps in frame_at:
        obs = state.float()
        snapshot(frame_at[t_steps], nets.q(obs.unsqueeze(1)).squeeze(1))
    loss_np = losses.cpu().numpy()
    diverged = [_first_bad(loss_np[:, b], c.memory) for b in range(n_b)]
    recorded = (f_states, f_q, f_ep, f_ep_step, ended, lengths, shaped_ret)
    return _Batch(nets, *(x.cpu().numpy() for x in recorded), loss_np, diverged)


def _first_bad(loss: np.ndarray, memory: int) -> int | None:
    """The 1-based learning step whose TD error was not finite or exploded (core.divergence's
    policy, against the first learning step's, taken as 1 at least: a first TD error near 0, before
    the net has learned anything, would make ordinary ones count as explosions), or None."""
    learned = loss[memory:]
    if not len(learned):
        return None
    bad = np.flatnonzero(~np.isfinite(learned) | (learned > limit(max(float(learned[0]), 1.0))))
    return int(bad[0]) + 1 if len(bad) else None


def episodes_of(batch: _Batch, b: int) -> Episodes:
    """Environment b's finished episodes."""
    at = np.flatnonzero(batch.ended[:, b])
    length = batch.length[at, b]
    sums = np.cumsum(np.concatenate([[0], length]))
    idx = np.arange(1, len(length) + 1)
    smoothed = (sums[idx] - sums[np.maximum(idx - SMOOTH, 0)]) / np.minimum(idx, SMOOTH)
    return Episodes(at + 1, length, batch.shaped[at, b], smoothed)


def loss_timeline(loss: np.ndarray, memory: int, points: int = LOSS_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """(L,) chunk ends and (L, B) mean TD error of each chunk of learning steps."""
    steps = loss.shape[0]
    if steps <= memory:
        return np.zeros(0, dtype=int), np.zeros((0, loss.shape[1]))
    edges = np.unique(np.linspace(memory, steps, min(points, steps - memory) + 1).astype(int))
    with np.errstate(invalid="ignore"):
        means = np.stack([loss[a:b].mean(0) for a, b in zip(edges[:-1], edges[1:])])
    return edges[1:], means


def play(nets: Nets, start: torch.Tensor, steps: int = PLAY_STEPS, max_steps: int = 0) -> list[Play]:
    """Each net acting greedily from `start` (B, 4) float64 until it falls or `steps` pass
    (or `max_steps`, the run's episode cap, where it has one)."""
    limit = min(steps, max_steps) if max_steps > 0 else steps
    state, n_b = start.clone(), start.shape[0]
    states, qs = [state.clone()], []
    alive = torch.ones(n_b, dtype=torch.bool, device=start.device)
    fell_at = torch.full((n_b,), limit, dtype=torch.long, device=start.device)
    with torch.no_grad():
        for t in range(limit):
            q = nets.q(state.float().unsqueeze(1)).squeeze(1)
            qs.append(q)
            state = torch.where(alive.unsqueeze(1), cartpole.step(state, q.argmax(1)), state)
            states.append(state.clone())
            fell = cartpole.fallen(state) & alive
            fell_at = torch.where(fell, t + 1, fell_at)
            alive &= ~fell
            if t % 50 == 49 and not bool(alive.any()):
                break
        qs.append(nets.q(state.float().unsqueeze(1)).squeeze(1))
    s_all, q_all, ends = torch.stack(states).cpu().numpy(), torch.stack(qs).cpu().numpy(), fell_at.tolist()
    return [Play(s_all[:ends[b] + 1, b], q_all[:ends[b] + 1, b], ends[b] < limit) for b in range(n_b)]


def play_start(seed: int) -> torch.Tensor:
    """The start state (4,) of the greedy episode "watch it play" shows for `seed`."""
    g = generator_for(seed, "dqn", "play")
    return torch.rand(4, generator=g, dtype=torch.float64) * (2 * cartpole.RESET_HIGH) - cartpole.RESET_HIGH


@runs(DQNConfig)
def run_dqn(config: DQNConfig = DQNConfig(), device: torch.device | str = "cpu") -> DQNResult:
    """Train every agent of `config` side by side (one batch) and record what the page replays."""
    start = time.perf_counter()
    agents = config.agents
    batch = train(config, agents, [config.seed] * len(agents), device)
    loss_steps, loss = loss_timeline(batch.loss, config.memory)
    begin = play_start(config.seed).to(batch.nets.w1.device).expand(len(agents), 4)
    plays = play(batch.nets, begin, max_steps=config.max_steps)
    return DQNResult(
        config, agents, frame_steps(config.steps, config.frames), batch.frame_states, batch.frame_q,
        batch.frame_episode, batch.frame_episode_step, [episodes_of(batch, b) for b in range(len(agents))],
        loss_steps, loss, [flat_weights(batch.nets.state_dict(b)) for b in range(len(agents))], plays,
        batch.diverged_at, time.perf_counter() - start)


def final_returns_over_seeds(config: DQNConfig, seeds: Sequence[int],
                             device: torch.device | str = "cpu") -> dict[str, list[float]]:
    """Per agent, the final return (see DQNResult.final_returns) on each seed: every agent of
    every seed trained as one batch."""
    agents = [a for s in seeds for a in config.agents]
    seed_of = [s for s in seeds for _ in config.agents]
    batch = train(config, agents, seed_of, device, frames=np.array([config.steps]))
    out: dict[str, list[float]] = {a: [] for a in config.agents}
    for b, agent in enumerate(agents):
        out[agent].append(final_return(episodes_of(batch, b).length, int(batch.frame_episode_step[-1, b])))
    return out


def summary(result: DQNResult) -> list[dict]:
    """Per agent: its final return, how many episodes it finished, its last TD error."""
    finals = result.final_returns()
    rows = []
    for k, agent in enumerate(result.agents):
        td = result.loss[:, k]
        rows.append({"agent": agent, "final": finals[agent], "episodes": len(result.episodes[k].length),
                     "td": float(td[-1]) if len(td) else float("nan")})
    return rows


# --- the same comparison over several seeds ------------------------------------------------------

# What tests/test_dqn.py measures at the lesson's settings (DQNConfig()), seeds 0-9: on how many
# seeds the DQN's final return beats each other agent's. The page states these counts.
MEASURED_SEEDS = 10
MEASURED_WINS = {"no_replay": 10, "neither": 10, "no_target": 5}


@dataclass(frozen=True)
class SpreadConfig:
    """The comparison of `base` repeated on seeds base.seed, base.seed + 1, ... (final returns only)."""

    base: DQNConfig = DQNConfig()  # the run whose agents are compared (its seed is the first)
    seeds: int = 5  # how many seeds

    @property
    def seed_list(self) -> tuple[int, ...]:
        return tuple(range(self.base.seed, self.base.seed + self.seeds))


@dataclass
class SpreadResult:
    config: SpreadConfig
    finals: dict[str, list[float]]  # per agent, per seed

    def table(self) -> list[dict]:
        """Tidy rows: seed, agent, final."""
        return [{"seed": s, "agent": a, "final": v} for a, vs in self.finals.items()
                for s, v in zip(self.config.seed_list, vs)]

    def wins(self) -> dict[str, int]:
        """Per other agent: on how many seeds the DQN's final return is higher (the DQN must be on)."""
        if "dqn" not in self.finals:
            return {}
        d = self.finals["dqn"]
        return {a: sum(x > y for x, y in zip(d, vs)) for a, vs in self.finals.items() if a != "dqn"}

    def divergences(self) -> list[Divergence]:
        return []


@runs(SpreadConfig)
def run_spread(config: SpreadConfig, device: torch.device | str = "cpu") -> SpreadResult:
    """Every agent of `config.base` on each seed, all as one batch."""
    return SpreadResult(config, final_returns_over_seeds(config.base, config.seed_list, device))


def spread_waits_for_click(config: SpreadConfig) -> bool:
    """Heavier than the default run over 5 seeds: started on a click only."""
    base = DQNConfig()
    return config.base.steps * config.seeds * len(config.base.agents) > base.steps * 5 * len(base.agents)
