"""AppTest of the DQN page: both languages, both views, the link's settings, bad values, the
shipped agent, and a warning where the settings cannot learn."""

from __future__ import annotations

import pytest

from tests.apptest_util import assert_clean, open_page, tables

SHORT = {"dqn.steps": "2000", "dqn.memory": "300"}  # a short run keeps the tests that change the config quick


def _markups(at) -> list[str]:
    """The SVG views drawn by ui.charts.markup (their HTML)."""
    return [str(e.proto) for e in at.get("iframe") + at.get("component_instance")]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_default_page(lang):
    at = open_page("dqn", lang)
    assert_clean(at)
    assert at.title[0].value == ("DQN balances a CartPole" if lang == "en" else "DQN 平衡倒立摆")
    rows = list(tables(at)[0].index)
    assert rows == (["DQN", "No target network", "No replay memory", "Neither"] if lang == "en"
                    else ["DQN", "无目标网络", "无经验回放", "两者都没有"])
    assert at.slider(key="dqn.steps").value == 10_000 and at.slider(key="dqn.memory").value == 2000
    assert at.slider(key="dqn.epsilon").value == pytest.approx(0.9)
    assert at.slider(key="dqn.gamma").value == pytest.approx(0.9)
    assert at.number_input(key="dqn.lr").value == pytest.approx(0.01)
    assert at.slider(key="dqn.target").value == 100 and at.slider(key="dqn.cap").value == 0
    words = at.markdown[1].value
    assert ("10 of 10 seeds" in words) if lang == "en" else ("10 个中的 10 个" in words)
    summary = " ".join(m.value for m in at.markdown)
    assert ("Seeds 0 to 4" in summary) if lang == "en" else ("种子 0 到 4" in summary)
    assert not at.warning


def test_url_settings_are_applied_and_agents_switch_off():
    at = open_page("dqn", "en", query={**SHORT, "dqn.agents": "dqn,no_replay", "dqn.gamma": "0.8",
                                       "dqn.schedule": "ramp", "dqn.cap": "200", "seed": "7"})
    assert_clean(at)
    assert list(tables(at)[0].index) == ["DQN", "No replay memory"]
    assert at.slider(key="dqn.gamma").value == pytest.approx(0.8)
    assert at.slider(key="dqn.cap").value == 200
    assert "Seeds 7 to 11" in " ".join(m.value for m in at.markdown)


def test_bad_url_values_fall_back_with_a_note():
    at = open_page("dqn", "en", query={**SHORT, "dqn.gamma": "7", "dqn.agents": "robot",
                                       "dqn.reward": "cookies", "dqn.view": "sideways"})
    assert_clean(at)
    notes = " ".join(w.value for w in at.warning)
    for item in ("dqn.gamma=7", "dqn.agents=robot", "dqn.reward=cookies", "dqn.view=sideways"):
        assert item in notes
    assert at.slider(key="dqn.gamma").value == pytest.approx(0.9)
    assert len(tables(at)[0]) == 4


def test_own_reward_without_cut_says_nothing_can_be_learned():
    at = open_page("dqn", "en", query={**SHORT, "dqn.reward": "own"})
    assert_clean(at)
    assert any("nothing can be learned" in w.value for w in at.warning)
    at = open_page("dqn", "en", query={**SHORT, "dqn.reward": "own", "dqn.cut": "true"})
    assert_clean(at)
    assert not at.warning


def test_extreme_settings_give_a_message_or_dashes_not_a_trace():
    at = open_page("dqn", "en", query={"dqn.steps": "3000", "dqn.memory": "200", "dqn.lr": "1",
                                       "dqn.gamma": "0.99", "dqn.seeds": "3"})
    assert_clean(at)
    assert "exploded" in " ".join(w.value for w in at.warning)
    at = open_page("dqn", "en", query={"dqn.steps": "2000", "dqn.memory": "5000", "dqn.epsilon": "0"})
    assert_clean(at)  # the memory never fills: nothing learned, no TD error to show
    assert set(tables(at)[0]["Last TD error"]) == {"—"}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_watch_view_plays_the_shipped_agent(lang):
    at = open_page("dqn", lang, query={"dqn.view": "watch"})
    assert_clean(at)
    text = " ".join(m.value for m in at.markdown)
    assert ("Pretrained agent kept the pole up for all 500 steps" in text if lang == "en"
            else "预训练智能体让杆子立住了全部 500 步" in text)
    assert any("scripts/train_dqn.py" in c.value for c in at.caption)
    assert not tables(at)  # no training on this view


def test_watch_view_plays_a_trained_agent_and_names_one_switched_off():
    at = open_page("dqn", "en", query={**SHORT, "dqn.view": "watch", "dqn.watch": "no_replay"})
    assert_clean(at)
    assert any(m.value.startswith("No replay memory ") for m in at.markdown)
    at = open_page("dqn", "en", query={**SHORT, "dqn.view": "watch", "dqn.watch": "neither",
                                       "dqn.agents": "dqn"})
    assert_clean(at)
    assert any("switch it on" in i.value for i in at.info)
