"""The DQN lesson's core: the batched CartPole against gymnasium's, the batched agents against the
tutorial's loop, the shipped agent, and the effect the page states, over 10 seeds."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from gymnasium.envs.classic_control.cartpole import CartPoleEnv

from core.dqn import (
    AGENTS,
    MEASURED_SEEDS,
    MEASURED_WINS,
    PLAY_STEPS,
    DQNConfig,
    SpreadConfig,
    _first_bad,
    cartpole,
    final_return,
    final_returns_over_seeds,
    flat_weights,
    run_dqn,
    summary,
    train,
    unflat_weights,
)
from core.dqn.reference import run_plain, shaped
from core.dqn.shipped import AgentFileError, PlayConfig, read_agent, run_play, shipped
from core.runs import run

SMALL = DQNConfig(steps=700, memory=150, target_every=20, frames=20)


# --- the environment ---------------------------------------------------------------------------------

def test_batched_cartpole_steps_as_gymnasium_does():
    g = torch.Generator().manual_seed(1)
    spread = torch.tensor([4.0, 3.0, 0.4, 3.0], dtype=torch.float64)  # past both limits, now and then
    state = (torch.rand((64, 4), generator=g, dtype=torch.float64) - 0.5) * spread
    env = CartPoleEnv()
    for _ in range(20):
        action = torch.randint(2, (64,), generator=g)
        ours = cartpole.step(state, action)
        for b in range(64):
            env.state = state[b].numpy().copy()
            env.steps_beyond_terminated = None
            obs, reward, terminated, truncated, _ = env.step(int(action[b]))
            np.testing.assert_allclose(ours[b].numpy(), env.state, rtol=1e-13, atol=1e-15)
            np.testing.assert_allclose(ours[b].float().numpy(), obs, rtol=1e-6, atol=1e-7)
            assert bool(cartpole.fallen(ours[b:b + 1])[0]) == terminated and reward == 1.0 and not truncated
        state = ours


def test_shaped_reward_is_the_tutorials():
    env = CartPoleEnv()
    obs = (torch.rand((50, 4), generator=torch.Generator().manual_seed(2)) - 0.5).float()
    ours = cartpole.shaped_reward(obs)
    assert ours.dtype == torch.float32
    for b in range(50):
        assert float(ours[b]) == pytest.approx(shaped(env, obs[b].numpy()), rel=1e-6, abs=1e-6)


# --- the agents against the tutorial's loop ------------------------------------------------------------

@pytest.mark.parametrize("agent", AGENTS)
def test_batched_agent_is_the_tutorials_loop(agent):
    """The tutorial's classes over gymnasium's CartPole, one agent, against the batch: the same
    actions, the same episodes, TD errors and weights to float rounding (autograd and nn.Linear
    against gradients by hand and stacked matrix products)."""
    plain = run_plain(SMALL, agent)
    batch = train(SMALL, [agent], [SMALL.seed])
    lengths = batch.length[batch.ended[:, 0], 0].tolist()
    assert lengths == plain["lengths"]
    learned = np.array(plain["losses"])[SMALL.memory:]
    np.testing.assert_allclose(batch.loss[SMALL.memory:, 0], learned, rtol=2e-4, atol=1e-6)
    got = batch.nets.state_dict(0)
    for name, value in plain["state_dict"].items():
        np.testing.assert_allclose(got[name].numpy(), value.numpy(), rtol=1e-3, atol=1e-5)


def test_an_agents_numbers_do_not_depend_on_its_batch_mates():
    alone = train(SMALL, ["dqn"], [3])
    together = train(SMALL, ["no_replay", "dqn", "neither", "dqn"], [0, 3, 3, 1])
    assert np.array_equal(alone.loss[:, 0], together.loss[:, 1], equal_nan=True)
    assert np.array_equal(alone.frame_states[:, 0], together.frame_states[:, 1])


def test_every_agent_of_a_seed_starts_alike_and_differs_only_once_learning_starts():
    result = run_dqn(SMALL)
    first = result.frame_steps <= SMALL.memory
    assert np.all(result.states[first] == result.states[first][:, :1])  # same weights, same draws
    assert not np.all(result.states[~first] == result.states[~first][:, :1])


def test_run_is_reproducible_and_well_formed():
    a, b = run_dqn(SMALL), run_dqn(SMALL)
    assert np.array_equal(a.states, b.states) and a.weights == b.weights
    k, f = len(SMALL.agents), len(a.frame_steps)
    assert a.states.shape == (f, k, 4) and a.q.shape == (f, k, 2) and a.frame_steps[-1] == SMALL.steps
    assert a.loss.shape[1] == k and a.loss_steps[-1] == SMALL.steps and np.isfinite(a.loss).all()
    for e in a.episodes:
        assert np.all(np.diff(e.end) > 0) and e.length.sum() <= SMALL.steps
        assert e.smoothed[0] == e.length[0]
    assert [len(e.length) for e in a.returns_until(0)] == [0] * k
    assert a.loss_until(0) == 0 and a.loss_until(f - 1) == len(a.loss_steps)
    assert a.diverged_at[0] is None and [r["agent"] for r in summary(a)] == list(SMALL.agents)
    # with neither replay nor a target net, Q-values run away here (past 2,000; a return is at most 7)
    assert [d.variant for d in a.divergences()] == ["neither"]
    assert run_dqn(DQNConfig(**{**SMALL.__dict__, "seed": 1})).weights != a.weights


def test_episode_cap_ends_episodes():
    result = run_dqn(DQNConfig(steps=3000, memory=200, max_steps=60, frames=10, agents=("dqn",)))
    assert result.episodes[0].length.max() <= 60
    assert result.plays[0].length <= 60


def test_final_return_counts_the_running_episode_once_begun():
    assert final_return(np.array([10, 20]), 30) == 20.0
    assert final_return(np.array([10, 20]), 0) == 15.0
    assert final_return(np.arange(1, 31), 0) == np.arange(11, 31).mean()


def test_divergence_is_the_first_non_finite_or_exploded_learning_step():
    loss = np.array([np.nan] * 5 + [1.0, 2.0, np.inf, np.nan])
    assert _first_bad(loss, 5) == 3 and _first_bad(loss[:7], 5) is None
    assert _first_bad(np.array([np.nan, 0.5, 400.0, 1500.0]), 1) == 3  # over 1,000 times 1
    assert _first_bad(np.array([np.nan, 2.0, 1500.0, 2500.0]), 1) == 3  # over 1,000 times the first
    assert _first_bad(np.array([np.nan, np.nan]), 5) is None  # never learned


def test_a_huge_learning_rate_is_named_as_diverged():
    result = run_dqn(DQNConfig(steps=3000, memory=200, lr=1.0, gamma=0.99, frames=10))
    assert {d.variant for d in result.divergences()} >= {"no_target", "neither"}


def test_bad_configs_are_refused():
    for bad in ({"agents": ()}, {"agents": ("dqn", "x")}, {"reward": "x"}, {"schedule": "x"}):
        with pytest.raises(ValueError):
            DQNConfig(**bad)


# --- watch it play: the shipped agent ------------------------------------------------------------------

def test_shipped_agent_is_small_described_and_balances():
    flat, hidden, meta = shipped()
    assert hidden == 10 and len(flat) == 4 * 10 + 10 + 10 * 2 + 2
    assert meta["made_by"] == "scripts/train_dqn.py" and meta["steps"] > 0 and "seed" in meta
    result = run(PlayConfig(seed=0))
    assert result.shipped and not result.play.fell and result.play.length == PLAY_STEPS
    assert result.play.states.shape == (PLAY_STEPS + 1, 4)


def test_a_trained_agent_plays_as_its_run_did():
    result = run_dqn(SMALL)
    k = SMALL.agents.index("dqn")
    play = run_play(PlayConfig(weights=result.weights[k], hidden=SMALL.hidden, seed=SMALL.seed))
    assert np.array_equal(play.play.states, result.plays[k].states)
    assert flat_weights(unflat_weights(result.weights[k], SMALL.hidden)) == result.weights[k]


@pytest.mark.parametrize("data", [b"", b"{", json.dumps({"hidden": 10, "weights": [0.0] * 5}).encode(),
                                  json.dumps({"hidden": 10, "weights": [float("nan")] * 72}).encode(),
                                  b" " * 70_000])
def test_bad_agent_files_are_refused(data):
    with pytest.raises((AgentFileError, ValueError)):
        read_agent(data)


# --- the effect the page states ---------------------------------------------------------------------------

def test_dqn_beats_no_replay_and_neither_on_the_stated_seeds():
    """At the lesson's settings, seeds 0-9, every agent of every seed as one batch (about 10 s):
    the counts the page states (core.dqn.MEASURED_WINS)."""
    finals = final_returns_over_seeds(DQNConfig(), range(MEASURED_SEEDS))
    wins = {a: sum(d > x for d, x in zip(finals["dqn"], finals[a])) for a in MEASURED_WINS}
    assert wins == MEASURED_WINS, finals
    assert wins["no_replay"] >= 0.8 * MEASURED_SEEDS  # the lesson's claim: replay memory matters


def test_spread_counts_wins_against_the_dqn():
    from core.dqn import SpreadResult

    spread = SpreadResult(SpreadConfig(seeds=3), {"dqn": [5.0, 3.0, 9.0], "no_replay": [4.0, 4.0, 1.0]})
    assert spread.wins() == {"no_replay": 2}
    assert len(spread.table()) == 6
    assert SpreadResult(SpreadConfig(seeds=1), {"no_replay": [1.0]}).wins() == {}
