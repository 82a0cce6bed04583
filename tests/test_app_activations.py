"""AppTest of the activations page: defaults, controls, URL state, bad links and extreme inputs."""

from __future__ import annotations

import pytest

from tests.apptest_util import assert_clean, open_page, run_expanded

FAST = {"activations.steps": "40"}  # most tests need the page's logic, not a long run


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    return "\n".join(parts)


TRAIN = {"activations.tab": "train"}
FLOW = {"activations.tab": "flow"}


def _charts(at) -> int:
    return sum(1 for e in at.main if getattr(e, "type", None) == "vega_lite_chart")


def _tab(at, code: str) -> None:
    """Click the tab of `code` (the widget holds the tab's title, in the page's language), then make
    the run its first view's timer asks for in a browser."""
    at.session_state["activations.tab_title"] = at.tabs[("shapes", "train", "flow").index(code)].label
    at.run()
    at.run()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_tab_builds_only_its_own_experiment(lang):
    at = open_page("activations", lang)
    assert_clean(at)
    assert not at.warning
    assert len(at.tabs) == 3
    assert list(at.multiselect(key="activations.gallery").value) == ["relu", "sigmoid", "tanh", "softplus"]
    assert _charts(at) == 2 and not [m for m in at.multiselect if m.key == "activations.compare"]
    _tab(at, "train")
    assert_clean(at)
    assert at.query_params["activations.tab"] == "train"
    assert list(at.multiselect(key="activations.compare").value) == ["relu", "sigmoid", "tanh", "softplus"]
    assert _charts(at) == 7  # four decision boundaries, loss, accuracy, dead units
    text = _texts(at)
    if lang == "en":
        assert "A shallow network barely cares" in text and "Final training accuracy ranges from" in text
    else:
        assert "浅层网络几乎不在乎" in text and "最终训练正确率" in text
    _tab(at, "flow")
    assert_clean(at)
    assert _charts(at) == 3  # gradient norms, accuracy, dead units
    assert ("smaller than the ReLU network's" if lang == "en" else "比 ReLU 网络") in _texts(at)


def test_a_link_opens_its_tab_in_either_language():
    at = open_page("activations", "en", query={**FAST, **FLOW})
    assert at.slider(key="activations.depth").value == 10
    at.sidebar.radio(key="lang").set_value("zh").run()
    assert_clean(at)
    assert at.query_params["activations.tab"] == "flow" and at.slider(key="activations.depth")
    _tab(at, "shapes")
    assert "activations.tab" not in at.query_params  # the default tab keeps links short


def test_controls_rerun_and_land_in_the_url():
    at = open_page("activations", "en", query={**FAST, **TRAIN})
    at.multiselect(key="activations.compare").set_value(["relu6", "leaky_relu", "gelu"])
    at.selectbox(key="activations.dataset").set_value("spiral")
    at.run()
    assert_clean(at)
    assert at.query_params["activations.compare"] == "relu6,leaky_relu,gelu"
    assert at.query_params["activations.dataset"] == "spiral"
    assert "The choice of activation matters most in deep networks" in _texts(at)  # not the moons tip
    _tab(at, "flow")
    at.selectbox(key="activations.init").set_value("he")
    at.slider(key="activations.depth").set_value(4)
    at.run()
    assert_clean(at)
    assert at.query_params["activations.init"] == "he"
    assert at.query_params["activations.depth"] == "4"
    assert "ReLU6, LeakyReLU, GELU" in _texts(at)  # the networks compared, named
    assert "ReLU6" in _texts(at)  # the dead-unit note names the ReLU-family network
    assert "smaller than the ReLU network's" not in _texts(at)  # no ReLU/sigmoid pair to compare


def test_training_settings_are_built_when_opened_and_land_in_the_url():
    at = open_page("activations", "en", query={**FAST, **TRAIN})
    assert not [n for n in at.number_input if n.key == "activations.lr"]  # closed: not built
    assert "40 steps" in _texts(at)  # the line above the settings says what they are
    run_expanded(at, "activations.settings")
    at.number_input(key="activations.width").set_value(8)
    at.number_input(key="activations.lr").set_value(0.05)
    at.run()
    assert_clean(at)
    assert at.query_params["activations.width"] == "8" and at.query_params["activations.lr"] == "0.05"
    assert "of 8 units" in _texts(at) and at.number_input(key="activations.width").value == 8


def test_gallery_controls():
    at = open_page("activations", "en", query={**FAST, "activations.gallery": "gelu,mish,selu",
                                               "activations.xrange": "12"})
    assert_clean(at)
    assert list(at.multiselect(key="activations.gallery").value) == ["gelu", "mish", "selu"]
    assert at.slider(key="activations.xrange").value == 12.0
    assert "Mish" in _texts(at)
    at.multiselect(key="activations.gallery").set_value([]).run()
    assert_clean(at)
    assert any("at least one activation to draw" in i.value for i in at.info)


def test_bad_url_values_fall_back_with_a_note():
    at = open_page("activations", "en", query={**FAST, "activations.compare": "relu,bogus",
                                               "activations.lr": "nan", "activations.depth": "99",
                                               "activations.dataset": "blobs", "activations.n": "-3",
                                               "activations.tab": "nope"})
    assert_clean(at)
    note = " ".join(w.value for w in at.warning)
    for key in ("activations.compare", "activations.lr", "activations.depth", "activations.dataset",
                "activations.n", "activations.tab"):
        assert key in note
    assert _charts(at) == 2  # the first tab
    _tab(at, "train")
    assert list(at.multiselect(key="activations.compare").value) == ["relu", "sigmoid", "tanh", "softplus"]
    _tab(at, "flow")
    assert at.slider(key="activations.depth").value == 10


def test_extreme_inputs_give_messages_not_errors():
    at = open_page("activations", "en", query={**FAST, **TRAIN, "activations.lr": "10"})
    assert_clean(at)
    assert any("diverged" in w.value for w in at.warning)
    at.multiselect(key="activations.compare").set_value([]).run()
    assert_clean(at)
    assert any("at least one activation to compare" in i.value for i in at.info)
