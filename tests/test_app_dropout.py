"""AppTest of the dropout page: controls, URL state, bad link values, extreme inputs, both languages."""

from __future__ import annotations

import pytest

from tests.apptest_util import assert_clean, open_page, tables

SHORT = {"dropout.iters": "100"}  # a short run keeps the tests that change the config quick


def _table_rows(at) -> list[str]:
    return list(tables(at)[0].index)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_default_page(lang):
    at = open_page("dropout", lang)
    assert_clean(at)
    assert at.title[0].value == ("Dropout vs overfitting" if lang == "en" else "Dropout 与过拟合")
    assert len(_table_rows(at)) == 2
    assert at.slider(key="dropout.rate").value == 0.5
    assert at.slider(key="dropout.width").value == 300
    assert at.number_input(key="dropout.lr").value == pytest.approx(0.01)
    assert at.radio(key="dropout.mode").value == "eval"
    assert not at.warning


def test_first_view_is_the_comparison_then_the_whole_page():
    at = open_page("dropout", "en", whole=False)
    assert_clean(at)
    assert len(_table_rows(at)) == 2  # the comparison and its table...
    assert not [t for t in at.toggle if t.key == "dropout.band"]  # ...not yet the sections below
    at.run()  # the run the first view's timer asks for in a browser
    assert_clean(at)
    assert at.toggle(key="dropout.band").value and at.radio(key="dropout.mode").value == "eval"
    at.slider(key="dropout.rate").set_value(0.3).run()  # every later run draws the whole page
    assert at.toggle(key="dropout.band").value


def test_over_seeds_runs_come_with_the_rest_of_the_page():
    at = open_page("dropout", "en", query={**SHORT, "seed": "4242"})  # a configuration no test ran
    assert_clean(at)
    assert len(_table_rows(at)) == 2  # the comparison is complete, and the spread with it
    assert any("Seeds 4242 to 4246" in m.value for m in at.markdown)
    assert not any("Training over 5 seeds" in c.value for c in at.caption)


def test_url_values_are_applied():
    at = open_page("dropout", "en", query={**SHORT, "dropout.rate": "0.2", "dropout.l2": "true",
                                           "dropout.wd": "0.02", "dropout.seeds": "3"})
    assert_clean(at)
    assert at.slider(key="dropout.rate").value == pytest.approx(0.2)
    assert at.checkbox(key="dropout.l2").value is True
    assert len(_table_rows(at)) == 3  # the L2 contender joins
    assert at.slider(key="dropout.seeds").value == 3


def test_bad_url_values_fall_back_with_a_note():
    at = open_page("dropout", "en", query={**SHORT, "dropout.rate": "2", "dropout.width": "abc",
                                           "dropout.mode": "sideways"})
    assert_clean(at)
    assert at.slider(key="dropout.rate").value == 0.5
    assert at.slider(key="dropout.width").value == 300
    assert at.radio(key="dropout.mode").value == "eval"
    notes = " ".join(w.value for w in at.warning)
    for item in ("dropout.rate=2", "dropout.width=abc", "dropout.mode=sideways"):
        assert item in notes


def test_huge_learning_rate_gives_a_message_not_a_trace():
    at = open_page("dropout", "en", query={**SHORT, "dropout.lr": "10"})
    assert_clean(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "exploded" in warnings
    assert "—" in tables(at)[0].to_string()


def test_rate_zero_says_the_nets_are_identical():
    at = open_page("dropout", "en", query={**SHORT, "dropout.rate": "0"})
    assert_clean(at)
    infos = " ".join(i.value for i in at.info)
    assert "identical" in infos and "Monte-Carlo" in infos


def test_controls_rerun_and_land_in_the_url():
    at = open_page("dropout", "en", query=SHORT)
    at.radio(key="dropout.mode").set_value("train").run()
    assert_clean(at)
    assert at.query_params["dropout.mode"] == ["train"] or at.query_params["dropout.mode"] == "train"
    at.slider(key="dropout.depth").set_value(1).run()
    assert_clean(at)
    assert at.slider(key="dropout.depth").value == 1
    at.button(key="dropout.play.reset").click().run()
    assert_clean(at)
    assert at.slider(key="dropout.play.slider").value == 0


def test_heavy_configuration_waits_for_a_click_before_the_seed_runs():
    at = open_page("dropout", "en", query={"dropout.iters": "100", "dropout.points": "100",
                                           "dropout.seeds": "10"})
    assert_clean(at)
    assert len(_table_rows(at)) == 2  # the main comparison is there at once
    assert at.button(key="dropout.seeds_run")  # the over-seeds runs wait
    assert not [m for m in at.markdown if "lower test MSE" in m.value]
