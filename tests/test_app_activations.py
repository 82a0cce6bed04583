"""AppTest of the activations page: defaults, controls, URL state, bad links and extreme inputs."""

from __future__ import annotations

import pytest

from tests.apptest_util import assert_clean, open_page, run_expanded

FAST = {"activations.steps": "40"}  # most tests need the page's logic, not a long run


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    return "\n".join(parts)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_defaults_show_all_three_sections(lang):
    at = open_page("activations", lang)
    assert_clean(at)
    assert not at.warning
    headers = [h.value for h in at.header]
    assert len(headers) == 3
    assert list(at.multiselect(key="activations.gallery").value) == ["relu", "sigmoid", "tanh", "softplus"]
    assert list(at.multiselect(key="activations.compare").value) == ["relu", "sigmoid", "tanh", "softplus"]
    text = _texts(at)
    if lang == "en":
        assert "A shallow network barely cares" in text
        assert "Final training accuracy ranges from" in text
        if "Training the deep networks" in text:  # the gradient-flow runs follow the first view
            at.run()
            assert_clean(at)
        assert "smaller than the ReLU network's" in _texts(at)
    else:
        assert "浅层网络几乎不在乎" in text and "最终训练正确率" in text
        assert "比 ReLU 网络" in text or "正在训练深层网络" in text


def test_controls_rerun_and_land_in_the_url():
    at = open_page("activations", "en", query=FAST)
    at.multiselect(key="activations.compare").set_value(["relu6", "leaky_relu", "gelu"])
    at.selectbox(key="activations.dataset").set_value("spiral")
    at.selectbox(key="activations.init").set_value("he")
    at.slider(key="activations.depth").set_value(4)
    at.run()
    assert_clean(at)
    assert at.query_params["activations.compare"] == "relu6,leaky_relu,gelu"
    assert at.query_params["activations.dataset"] == "spiral"
    assert at.query_params["activations.init"] == "he"
    assert at.query_params["activations.depth"] == "4"
    at.run()  # the gradient-flow section fills in after the first view
    assert "ReLU6" in _texts(at)  # the dead-unit note names the ReLU-family network
    assert "smaller than the ReLU network's" not in _texts(at)  # no ReLU/sigmoid pair to compare


def test_training_settings_are_built_when_opened_and_land_in_the_url():
    at = open_page("activations", "en", query=FAST)
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
                                               "activations.dataset": "blobs", "activations.n": "-3"})
    assert_clean(at)
    note = " ".join(w.value for w in at.warning)
    for key in ("activations.compare", "activations.lr", "activations.depth", "activations.dataset",
                "activations.n"):
        assert key in note
    assert list(at.multiselect(key="activations.compare").value) == ["relu", "sigmoid", "tanh", "softplus"]
    assert at.slider(key="activations.depth").value == 10


def test_extreme_inputs_give_messages_not_errors():
    at = open_page("activations", "en", query={**FAST, "activations.lr": "10"})
    assert_clean(at)
    assert any("diverged" in w.value for w in at.warning)
    at.multiselect(key="activations.compare").set_value([]).run()
    assert_clean(at)
    assert any("at least one activation to compare" in i.value for i in at.info)
