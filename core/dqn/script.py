"""The code of a DQN run: each agent trained in turn, in plain PyTorch, the lesson's way (a 4-H-2
net, ε-greedy, replay memory, target network, MSE, Adam) with its gradients written out by hand.

The app trains every agent at once; reinforcement learning amplifies the last bit of a rounding
difference into other episodes, so the script does each agent's arithmetic exactly as the app's
batch does for it (the same tensor operations, the same fused Adam), and its final figures agree
to the last digit (tests/test_scripts.py)."""

from __future__ import annotations

import dataclasses

from core.dqn import LAST_EPISODES, DQNConfig, DQNResult
from core.scripts import header, script_of
from core.seeding import derive_seed


def figures(result: DQNResult) -> dict[str, float]:
    """The table under the replay: each agent's final return and its number of episodes."""
    finals = result.final_returns()
    out: dict[str, float] = {}
    for k, agent in enumerate(result.agents):
        out[f"{agent} final return"] = finals[agent]
        out[f"{agent} episodes"] = float(len(result.episodes[k].length))
    return out


def quick(config: DQNConfig) -> DQNConfig:
    """At most 3,000 steps with a memory of at most 1,000: a few seconds."""
    return dataclasses.replace(config, steps=min(config.steps, 3_000), memory=min(config.memory, 1_000))


@script_of(DQNConfig, figures=figures, rtol=1e-9, atol=1e-9, quick=quick)
def write(c: DQNConfig) -> str:
    """The script of `c`."""
    s = c.seed
    agents = ", ".join(repr(a) for a in c.agents)
    return header("DQN balances a CartPole", c) + f'''
import math

import torch

torch.set_num_threads(1)

STEPS, MEMORY, BATCH, HIDDEN = {c.steps}, {c.memory}, {c.batch}, {c.hidden}
EPSILON, RAMP = {c.epsilon!r}, {c.schedule == "ramp"}  # greedy probability; ramp: from 0 over the first half
GAMMA, LR, TARGET_EVERY = {c.gamma!r}, {c.lr!r}, {c.target_every}
SHAPED, CUT_AT_END, MAX_STEPS = {c.reward == "shaped"}, {c.cut_at_end}, {c.max_steps}  # MAX_STEPS 0: no cap

# CartPole, as gymnasium's CartPoleEnv computes it (Euler steps, float64 state)
GRAVITY, MASS_CART, MASS_POLE, LENGTH, FORCE, TAU = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
TOTAL_MASS, POLE_MASS_LENGTH = MASS_POLE + MASS_CART, MASS_POLE * LENGTH
X_LIMIT, THETA_LIMIT = 2.4, 12 * 2 * math.pi / 360


def cartpole_step(state, action):
    x, x_dot, theta, theta_dot = state.unbind(1)
    force = action.to(state.dtype) * (2 * FORCE) - FORCE
    cos, sin = torch.cos(theta), torch.sin(theta)
    temp = (force + POLE_MASS_LENGTH * (theta_dot * theta_dot) * sin) / TOTAL_MASS
    theta_acc = (GRAVITY * sin - cos * temp) / (LENGTH * (4.0 / 3.0 - MASS_POLE * (cos * cos) / TOTAL_MASS))
    x_acc = temp - POLE_MASS_LENGTH * theta_acc * cos / TOTAL_MASS
    return torch.stack([x + TAU * x_dot, x_dot + TAU * x_acc, theta + TAU * theta_dot,
                        theta_dot + TAU * theta_acc], dim=1)


def fallen(state):
    x, theta = state[:, 0], state[:, 2]
    return (x < -X_LIMIT) | (x > X_LIMIT) | (theta < -THETA_LIMIT) | (theta > THETA_LIMIT)


def shaped_reward(obs):
    """The lesson's reward: near the middle and upright is good."""
    x, theta = obs[:, 0], obs[:, 2]
    return ((X_LIMIT - x.abs()) / X_LIMIT - 0.8) + ((THETA_LIMIT - theta.abs()) / THETA_LIMIT - 0.5)


def generator(seed):
    return torch.Generator().manual_seed(seed)


# Every agent meets the same random numbers: episode starts, ε draws, random actions, replay indices.
STARTS = torch.rand((STEPS + 1, 4), generator=generator({derive_seed(s, "dqn", "starts")}),
                    dtype=torch.float64) * (2 * 0.05) - 0.05
EXPLORE = torch.rand(STEPS, generator=generator({derive_seed(s, "dqn", "explore")}), dtype=torch.float64)
RANDOM_ACTION = torch.randint(2, (STEPS,), generator=generator({derive_seed(s, "dqn", "action")}))
REPLAY = torch.randint(MEMORY, (max(STEPS - MEMORY, 0), BATCH),
                       generator=generator({derive_seed(s, "dqn", "replay")}))


def initial_net():
    """The lesson's Q-net, every agent's start: weights N(0, 0.1), biases as nn.Linear draws them.
    Kept as (1, in, out) matrices: q = relu(s @ w1 + b1) @ w2 + b2 for a batch s of (1, n, 4)."""
    g = generator({derive_seed(s, "init")})
    w1 = torch.randn((HIDDEN, 4), generator=g) * 0.1
    b1 = (torch.rand(HIDDEN, generator=g) * 2 - 1) / math.sqrt(4)
    w2 = torch.randn((2, HIDDEN), generator=g) * 0.1
    b2 = (torch.rand(2, generator=g) * 2 - 1) / math.sqrt(HIDDEN)
    return [w1.t().unsqueeze(0).contiguous(), b1.view(1, 1, -1).clone(), w2.t().unsqueeze(0).contiguous(),
            b2.view(1, 1, -1).clone()]


def q_values(net, s):
    w1, b1, w2, b2 = net
    return torch.baddbmm(b2, torch.relu(torch.baddbmm(b1, s, w1)), w2)


def td_gradients(net, target, batch):
    """The MSE TD loss of a batch (1, n, 11) of (s, a, r, s', fell) and its gradients, by hand."""
    w1, b1, w2, b2 = net
    s, a, r, s2, end = batch[..., :4], batch[..., 4:5].long(), batch[..., 5], batch[..., 6:10], batch[..., 10]
    q_next = q_values(target, s2).amax(dim=2)
    y = r + GAMMA * (q_next * (1 - end) if CUT_AT_END else q_next)
    pre = torch.baddbmm(b1, s, w1)
    h = torch.relu(pre)
    q = torch.baddbmm(b2, h, w2)
    diff = q.gather(2, a).squeeze(2) - y
    dq = torch.zeros_like(q).scatter_(2, a, (2.0 / diff.shape[1]) * diff.unsqueeze(2))
    dh = torch.bmm(dq, w2.transpose(1, 2)) * (pre > 0)
    grads = [torch.bmm(s.transpose(1, 2), dh), dh.sum(1, keepdim=True), torch.bmm(h.transpose(1, 2), dq),
             dq.sum(1, keepdim=True)]
    return (diff * diff).mean(1), grads


def train(agent):
    """One agent for STEPS steps; returns the lengths of its episodes (the last one as far as it got)."""
    replay, frozen_target = agent in ("dqn", "no_target"), agent in ("dqn", "no_replay")
    net = initial_net()
    target = [t.clone() for t in net]
    opt = torch.optim.Adam(net, lr=LR, fused=True)
    memory = torch.zeros((1, MEMORY, 11))
    state, episode, ep_step, learned, lengths = STARTS[0:1].clone(), 0, 0, 0, []
    for t in range(STEPS):
        obs = state.float()  # what the agent sees
        greedy_p = EPSILON * min(t / max(STEPS // 2, 1), 1.0) if RAMP else EPSILON
        if EXPLORE[t] < greedy_p:
            action = q_values(net, obs.unsqueeze(1)).squeeze(1).argmax(1)
        else:
            action = RANDOM_ACTION[t:t + 1]
        state = cartpole_step(state, action)
        fell = fallen(state)
        obs2 = state.float()
        reward = shaped_reward(obs2) if SHAPED else torch.ones(1)
        ep_step += 1
        memory[:, t % MEMORY] = torch.cat([obs, action.unsqueeze(1).float(), reward.unsqueeze(1), obs2,
                                           fell.float().unsqueeze(1)], dim=1)
        if t + 1 > MEMORY:  # learn once the memory is full
            if learned % TARGET_EVERY == 0 or not frozen_target:
                for dst, src in zip(target, net):
                    dst.copy_(src)
            if replay:  # a random batch of the memory
                index = REPLAY[learned]
            else:  # the latest transitions, in order
                index = (t + 1 - BATCH + torch.arange(BATCH)) % MEMORY
            loss, grads = td_gradients(net, target, memory[:, index])
            for p, g in zip(net, grads):
                p.grad = g
            opt.step()
            learned += 1
        if bool(fell) or (MAX_STEPS > 0 and ep_step >= MAX_STEPS):
            lengths.append(ep_step)
            episode, ep_step = episode + 1, 0
            state = STARTS[episode:episode + 1].clone()
    return lengths, ep_step


for agent in ({agents},):
    lengths, running = train(agent)
    last = (lengths + [running] if running > 0 else lengths)[-{LAST_EPISODES}:]
    print(f"{{agent}} final return = {{sum(last) / len(last) if last else float('nan'):.10g}}")
    print(f"{{agent}} episodes = {{len(lengths)}}")
'''
