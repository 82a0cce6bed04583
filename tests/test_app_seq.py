"""AppTest of the sequences page: controls, URL state, bad link values, extreme inputs, both languages."""

from __future__ import annotations

import pytest

from tests.apptest_util import assert_clean, open_page, tables

SHORT = {"seq.windows": "30"}  # a short run keeps the tests that change the config quick


def _rows(at) -> list[str]:
    return list(tables(at)[0].index)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_default_page(lang):
    at = open_page("seq", lang)
    assert_clean(at)
    assert at.title[0].value == ("Sequences: what the hidden state carries" if lang == "en"
                                 else "序列：隐藏状态记住了什么")
    rows = _rows(at)
    assert len(rows) == 6
    assert ("RNN · carried" if lang == "en" else "RNN · 带上状态") in rows
    assert at.slider(key="seq.window").value == 1.0
    assert at.slider(key="seq.steps").value == 10
    assert at.slider(key="seq.hidden").value == 32
    assert at.number_input(key="seq.lr").value == pytest.approx(0.02)
    assert at.slider(key="seq.windows").value == 100
    assert not at.warning
    text = " ".join(m.value for m in at.markdown)
    # the effect with its seed count, from the runs over seeds
    if lang == "en":
        assert "4 of 5 seeds" in text and "all 5 seeds" in text
    else:
        assert "5 个种子中的 4 个" in text and "全部 5 个种子" in text
    assert any(("same windows" if lang == "en" else "同一批窗口") in c.value for c in at.caption)


def test_first_view_is_the_comparison_then_the_whole_page():
    at = open_page("seq", "en", query=SHORT, whole=False)
    assert_clean(at)
    assert len(_rows(at)) == 6
    assert not [s for s in at.slider if s.key == "seq.seeds"]  # the sections below come next
    at.run()
    assert_clean(at)
    assert at.slider(key="seq.seeds").value == 5


def test_url_values_are_applied():
    at = open_page("seq", "en", query={**SHORT, "seq.task": "noisy_next", "seq.hidden": "16",
                                       "seq.show": "lstm_carry,lstm_reset", "seq.heat": "gru",
                                       "seq.seeds": "3"})
    assert_clean(at)
    assert at.slider(key="seq.hidden").value == 16
    assert at.multiselect(key="seq.show").value == ["lstm_carry", "lstm_reset"]
    assert at.slider(key="seq.seeds").value == 3
    assert not at.slider(key="seq.noise").disabled
    text = " ".join(m.value for m in at.markdown)
    assert "keep the phase" not in text  # the after-training verdict was checked on the tutorial's task only


def test_bad_url_values_fall_back_with_a_note():
    at = open_page("seq", "en", query={**SHORT, "seq.hidden": "9999", "seq.task": "tides",
                                       "seq.lr": "nan", "seq.show": "rnn_carry,bogus"})
    assert_clean(at)
    assert at.slider(key="seq.hidden").value == 32
    assert at.number_input(key="seq.lr").value == pytest.approx(0.02)
    assert len(at.multiselect(key="seq.show").value) == 6
    notes = " ".join(w.value for w in at.warning)
    for item in ("seq.hidden=9999", "seq.task=tides", "seq.lr=nan", "seq.show=rnn_carry,bogus"):
        assert item in notes


def test_huge_learning_rate_gives_messages_not_a_trace():
    at = open_page("seq", "en", query={"seq.windows": "60", "seq.lr": "50"})
    assert_clean(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "diverged" in warnings
    assert "—" in tables(at)[0].to_string()


def test_no_variant_shown_says_so():
    at = open_page("seq", "en", query=SHORT)
    at.multiselect(key="seq.show").set_value([]).run()
    assert_clean(at)
    assert any("at least one" in i.value for i in at.info)


def test_controls_rerun_land_in_the_url_and_come_back_to_the_tutorial():
    at = open_page("seq", "en", query=SHORT)
    assert not at.button(key="seq.reset_lesson").disabled
    at.slider(key="seq.steps").set_value(5).run()
    assert_clean(at)
    assert at.query_params["seq.steps"] in (["5"], "5")
    at.button(key="seq.play.reset").click().run()
    assert_clean(at)
    assert at.slider(key="seq.play.slider").value == 0
    at.button(key="seq.reset_lesson").click().run()
    assert_clean(at)
    assert at.slider(key="seq.steps").value == 10 and at.slider(key="seq.windows").value == 100
    assert at.button(key="seq.reset_lesson").disabled
    assert "seq.steps" not in at.query_params


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_extreme_settings_run_clean(lang):
    at = open_page("seq", lang, query={"seq.windows": "10", "seq.steps": "50", "seq.hidden": "128",
                                       "seq.window": "4.0", "seq.test_freq": "4.0"})
    assert_clean(at)
    assert len(_rows(at)) == 6
