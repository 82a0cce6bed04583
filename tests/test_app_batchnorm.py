"""AppTest of the BatchNorm page: controls, URL state, bad link values and extreme inputs."""

from __future__ import annotations

import pytest

from tests.apptest_util import assert_clean, open_page, run_expanded

FAST = {"batchnorm.epochs": "2", "batchnorm.depth": "3"}  # small runs for the interaction tests


def _charts(at) -> int:
    return sum(1 for e in at.main if getattr(e, "type", None) == "vega_lite_chart")  # Altair charts


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_defaults_render_every_view(lang):
    at = open_page("batchnorm", lang)
    assert_clean(at)
    assert not at.warning
    assert not at.selectbox  # the settings are built when opened
    run_expanded(at, "batchnorm.settings")
    assert at.selectbox(key="batchnorm.activation").value == "tanh"
    assert at.slider(key="batchnorm.depth").value == 8
    assert at.number_input(key="batchnorm.lr").value == pytest.approx(0.03)
    assert at.select_slider(key="batchnorm.batch_size").value == 64
    assert at.slider(key="batchnorm.play.slider").value == 12  # frames: initialisation + 12 epochs
    assert len(at.subheader) == 5
    assert _charts(at) == 7  # two histogram grids, saturation, loss, predictions, gradients, train vs eval
    text = " ".join(m.value for m in at.markdown)
    assert ("Saturation" in text) if lang == "en" else ("饱和" in text)


def test_controls_change_the_run_and_the_url():
    at = open_page("batchnorm", "en", query=FAST)
    run_expanded(at, "batchnorm.settings")
    assert at.slider(key="batchnorm.depth").value == 3
    assert at.slider(key="batchnorm.play.slider").value == 2
    at.selectbox(key="batchnorm.activation").set_value("relu")
    run_expanded(at, "batchnorm.settings")
    at.slider(key="batchnorm.epochs").set_value(3)
    run_expanded(at, "batchnorm.settings")
    assert_clean(at)
    assert at.query_params["batchnorm.activation"] == "relu" and at.query_params["batchnorm.epochs"] == "3"
    assert at.slider(key="batchnorm.play.slider").value == 3
    assert any("ReLU" in c.value for c in at.caption)
    at.session_state["batchnorm.settings"] = False  # closing the settings keeps what was chosen
    at.run()
    assert not at.selectbox
    assert at.query_params["batchnorm.activation"] == "relu"
    assert at.slider(key="batchnorm.play.slider").value == 3


def test_timeline_shows_the_initialisation():
    at = open_page("batchnorm", "en", query=FAST)
    at.slider(key="batchnorm.play.slider").set_value(0).run()
    assert_clean(at)
    assert any("initialisation" in m.value for m in at.markdown)


@pytest.mark.parametrize("query", [
    {"batchnorm.depth": "99"},
    {"batchnorm.activation": "swish"},
    {"batchnorm.lr": "nan"},
    {"batchnorm.batch_size": "50"},
    {"batchnorm.bn_momentum": "-1"},
])
def test_bad_link_values_fall_back_with_a_note(query):
    at = open_page("batchnorm", "en", query={**FAST, **query})
    assert_clean(at)
    key, raw = next(iter(query.items()))
    assert any(f"{key}={raw}" in w.value for w in at.warning)


def test_extreme_inputs_give_a_message_not_a_trace():
    query = {"batchnorm.activation": "relu", "batchnorm.weight_std": "2.0", "batchnorm.lr": "10.0",
             "batchnorm.depth": "12", "batchnorm.epochs": "2"}
    at = open_page("batchnorm", "en", query=query)
    assert_clean(at)
    assert any("diverged" in w.value for w in at.warning)
    assert _charts(at) >= 5


def test_a_bn_net_that_learns_nothing_is_said_so():
    """At lr 10 neither net diverges, but neither learns: the BN net's failure is named, not hidden."""
    at = open_page("batchnorm", "en", query={"batchnorm.activation": "relu", "batchnorm.lr": "10.0"})
    assert_clean(at)
    assert any("the BN net did not learn either" in i.value for i in at.info)
    default = open_page("batchnorm", "en")
    assert not any("did not learn either" in i.value for i in default.info)  # the lesson's BN net learns
