"""AppTest of the race page: controls, racers in the URL, bad links, extreme inputs, both views."""

from __future__ import annotations

import pytest

from tests.apptest_util import assert_clean, open_page, run_expanded, tables


def _racers(at):
    return at.session_state["race.racers"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_default_race_shows_charts_and_leaderboard(lang):
    at = open_page("race", lang)
    assert_clean(at)
    assert len(_racers(at)) == 4
    assert not [s for s in at.selectbox if s.key.startswith("race.r")]  # the editor opens on demand
    run_expanded(at, "race.editor")
    codes = [s.value for s in at.selectbox if s.key.startswith("race.r")]
    assert codes == ["sgd", "momentum", "rmsprop", "adam"]
    board = tables(at)[0]  # indexed by rank
    assert len(board) == 4 and board.iloc[-1, 0].startswith("SGD")  # plain SGD last at the end
    assert at.slider(key="race.play.slider").value == 48  # opens on the complete race (49 frames)


def test_racers_from_the_url_and_edits_back_into_it():
    at = open_page("race", query={"race.racers": "sgd:0.01,sgd:0.1,adam:0.01:0.9"})
    assert_clean(at)
    assert [r.lr for r in _racers(at)] == [0.01, 0.1, 0.01]
    run_expanded(at, "race.editor")
    at.number_input(key="race.r2.hp").set_value(0.5)
    run_expanded(at, "race.editor")
    assert at.query_params["race.racers"] == "sgd:0.01,sgd:0.1,adam:0.01:0.5"
    at.selectbox(key="race.add_code").set_value("nesterov")
    run_expanded(at, "race.editor")
    at.button(key="race.add").click()
    run_expanded(at, "race.editor")
    assert _racers(at)[-1].code == "nesterov" and len(_racers(at)) == 4
    at.button(key="race.r0.remove").click()
    run_expanded(at, "race.editor")
    assert [r.code for r in _racers(at)] == ["sgd", "adam", "nesterov"]
    at.selectbox(key="race.r0.code").set_value("adagrad")
    run_expanded(at, "race.editor")
    assert _racers(at)[0].code == "adagrad"
    assert_clean(at)


@pytest.mark.parametrize("query", [{"race.racers": "warp:9"}, {"race.racers": "sgd:99"},
                                   {"race.seeds": "40"}, {"race.surface": "moon"}, {"race.smooth": "x"}])
def test_bad_link_values_fall_back_with_a_note(query):
    at = open_page("race", query=query)
    assert_clean(at)
    key, raw = next(iter(query.items()))
    assert any(f"{key}={raw}" in w.value for w in at.warning)
    assert len(_racers(at)) == 4


def test_lr_10_is_marked_diverged_and_the_chart_stays():
    at = open_page("race", query={"race.racers": "sgd:10,momentum:0.01:0.8,adam:0.01:0.9", "race.seeds": "2"})
    assert_clean(at)
    assert any("SGD lr 10" in w.value and "2" in w.value for w in at.warning)
    board = tables(at)[0]
    assert board.iloc[-1, 0].startswith("SGD lr 10") and board.iloc[-1, 1] == "✖"


def test_surface_view_every_surface_and_start():
    at = open_page("race", query={"race.view": "surface", "race.racers": "sgd:10,momentum:0.01:0.8"})
    assert_clean(at)
    for surface in ["rosenbrock", "beale", "saddle", "himmelblau"]:
        at.selectbox(key="race.surface").set_value(surface).run()
        at.selectbox(key="race.start").set_value(2).run()
        assert_clean(at)
        assert tables(at)[0].shape[0] == 2
    assert at.query_params["race.surface"] == "himmelblau" and at.query_params["race.start"] == "2"
    assert any("✖" in w.value or "SGD lr 10" in w.value for w in at.warning)
