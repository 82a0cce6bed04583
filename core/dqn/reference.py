"""The DQN lesson the tutorial's way: its `Net` and `DQN` classes and its loop over gymnasium's own
CartPole, one agent at a time. The batched run is tested against it, and the benchmark times it.

It draws its random numbers from `core.dqn.draws` (where the tutorial calls np.random), so that a
plain run and the batched run of the same seed meet the same numbers and can be compared.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from gymnasium.envs.classic_control.cartpole import CartPoleEnv
from torch import nn

from core.dqn import REPLAY, TARGET, DQNConfig, draws, greedy_probability, init_weights


class Net(nn.Module):
    """The tutorial's Q-network: 4 inputs, a hidden ReLU layer, 2 actions."""

    def __init__(self, hidden: int = 10) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, hidden)
        self.out = nn.Linear(hidden, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(F.relu(self.fc1(x)))


class DQN:
    """The tutorial's agent: an eval net, a target net, a memory of (s, a, r, s') rows."""

    def __init__(self, config: DQNConfig, agent: str, seed: int) -> None:
        self.c, self.agent = config, agent
        self.eval_net, self.target_net = Net(config.hidden), Net(config.hidden)
        self.eval_net.load_state_dict(init_weights(seed, config.hidden))
        self.target_net.load_state_dict(self.eval_net.state_dict())
        self.learn_step_counter = 0
        self.memory_counter = 0
        self.memory = np.zeros((config.memory, 11), dtype=np.float32)  # s, a, r, s', fell
        self.optimizer = torch.optim.Adam(self.eval_net.parameters(), lr=config.lr)
        self.draws = draws(config, seed)

    def choose_action(self, s: np.ndarray, t: int, p_greedy: float) -> int:
        if self.draws.explore[t] < p_greedy:
            with torch.no_grad():
                return int(torch.max(self.eval_net(torch.from_numpy(s).unsqueeze(0)), 1)[1])
        return int(self.draws.random_action[t])

    def store_transition(self, s: np.ndarray, a: int, r: float, s_: np.ndarray, fell: bool) -> None:
        index = self.memory_counter % self.c.memory
        self.memory[index] = np.hstack((s, [a, r], s_, [float(fell)]))
        self.memory_counter += 1

    def learn(self) -> float:
        if not TARGET[self.agent] or self.learn_step_counter % self.c.target_every == 0:
            self.target_net.load_state_dict(self.eval_net.state_dict())
        if REPLAY[self.agent]:
            sample_index = self.draws.replay[self.learn_step_counter].numpy()
        else:  # the latest transitions only
            sample_index = (self.memory_counter - self.c.batch + np.arange(self.c.batch)) % self.c.memory
        self.learn_step_counter += 1
        b = torch.from_numpy(self.memory[sample_index])
        b_s, b_a, b_r, b_s_, b_end = b[:, :4], b[:, 4:5].long(), b[:, 5:6], b[:, 6:10], b[:, 10:11]
        q_eval = self.eval_net(b_s).gather(1, b_a)
        q_next = self.target_net(b_s_).detach()
        q_max = q_next.max(1)[0].view(-1, 1)
        q_target = b_r + self.c.gamma * (q_max * (1 - b_end) if self.c.cut_at_end else q_max)
        loss = F.mse_loss(q_eval, q_target)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()


def shaped(env: CartPoleEnv, s_: np.ndarray) -> float:
    x, x_dot, theta, theta_dot = s_
    r1 = (env.x_threshold - abs(x)) / env.x_threshold - 0.8
    r2 = (env.theta_threshold_radians - abs(theta)) / env.theta_threshold_radians - 0.5
    return float(r1 + r2)


def run_plain(config: DQNConfig, agent: str = "dqn", seed: int | None = None,
              episodes: int | None = None) -> dict[str, list]:
    """One agent the tutorial's way, for config.steps environment steps (or, given `episodes`,
    that many episodes: the tutorial's 400). Returns each step's action and TD error, each
    episode's length, and the trained net."""
    seed = config.seed if seed is None else seed
    dqn = DQN(config, agent, seed)
    env = CartPoleEnv()
    p_greedy = greedy_probability(config)
    actions, losses, lengths = [], [], []
    t, episode = 0, 0

    def reset() -> np.ndarray:  # env.reset(), from the run's own list of start states
        env.state = dqn.draws.starts[episode].numpy().copy()
        env.steps_beyond_terminated = None
        return np.array(env.state, dtype=np.float32)

    s = reset()
    ep_len = 0
    while t < config.steps and (episodes is None or episode < episodes):
        a = dqn.choose_action(s, t, p_greedy[t])
        s_, r, fell, _, _ = env.step(a)
        if config.reward == "shaped":
            r = shaped(env, s_)
        dqn.store_transition(s, a, r, s_, fell)
        actions.append(a)
        losses.append(dqn.learn() if dqn.memory_counter > config.memory else float("nan"))
        t += 1
        ep_len += 1
        if fell or (config.max_steps > 0 and ep_len >= config.max_steps):
            lengths.append(ep_len)
            episode += 1
            ep_len = 0
            s = reset()
        else:
            s = s_
    return {"actions": actions, "losses": losses, "lengths": lengths, "steps": t,
            "state_dict": dqn.eval_net.state_dict()}
