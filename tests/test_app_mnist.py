"""AppTest of the MNIST page: opens clean, shows the shipped weights, trains, restores, bad links, no data."""

from __future__ import annotations

import pytest
import streamlit as st

from tests.apptest_util import assert_clean, open_page

TABS = {"en": {"train": "Train live", "eval": "Evaluate"}, "zh": {"train": "现场训练", "eval": "评估"}}


def _tab(at, code: str, lang: str = "en"):
    """Open a tab (only the open tab's content runs) and rerun."""
    at.session_state["mnist.tab"] = TABS[lang][code]
    return at.run()


def _metrics(at) -> dict[str, str]:
    """The held-out accuracies shown in the Evaluate tab (opens it)."""
    _tab(at, "eval")
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_opens_with_the_shipped_weights(lang, mnist_dir):
    at = open_page("mnist", lang)
    assert_clean(at)
    # empty canvas: a prompt instead of a prediction
    prompt = "Draw a digit on the black canvas" if lang == "en" else "在黑色画布上写一个数字"
    assert any(prompt in i.value for i in at.info)
    # the evaluation shows the shipped weights' held-out accuracy, and says which data
    _tab(at, "eval", lang)
    assert_clean(at)
    values = [m.value for m in at.metric]
    assert len(values) == 2 and all(float(v.rstrip("%")) > 96 for v in values)
    assert any("2,000" in c.value for c in at.caption)
    _tab(at, "train", lang)
    assert_clean(at)
    assert at.button(key="mnist.restore").disabled
    assert any("scripts/train_mnist.py" in c.value for c in at.caption)  # how the shipped ones were made


def test_train_live_replaces_the_models_for_this_session_and_restore_brings_them_back(mnist_dir):
    at = open_page("mnist", "en")
    shipped = _metrics(at)
    _tab(at, "train")
    at.radio(key="mnist.which").set_value("cnn")
    at.number_input(key="mnist.train_size").set_value(500)
    at.button(key="mnist.train.start").click().run()
    assert_clean(at)
    assert any("Training finished" in i.value for i in at.info)
    trained = _metrics(at)
    assert trained["CNN: held-out accuracy"] != shipped["CNN: held-out accuracy"]
    assert trained["LSTM: held-out accuracy"] == shipped["LSTM: held-out accuracy"]  # not trained
    _tab(at, "train")
    assert not at.button(key="mnist.restore").disabled
    # another session still sees the shipped weights
    other = open_page("mnist", "en")
    assert _metrics(other) == shipped
    at.button(key="mnist.restore").click().run()
    assert_clean(at)
    assert _metrics(at) == shipped


def test_diverging_learning_rate_gets_a_message(mnist_dir):
    at = open_page("mnist", "en", query={"mnist.which": "cnn", "mnist.train_size": "500",
                                         "mnist.cnn_lr": "1.0"})
    _tab(at, "train")
    at.button(key="mnist.train.start").click().run()
    assert_clean(at)
    assert any("Training finished" in i.value for i in at.info)


def test_bad_url_values_fall_back_with_a_note(mnist_dir):
    at = open_page("mnist", "en", query={"mnist.epochs": "many", "mnist.cnn_lr": "99", "mnist.which": "gru",
                                         "mnist.row": "-3"})
    _tab(at, "train")
    assert_clean(at)
    assert at.number_input(key="mnist.epochs").value == 1
    assert at.number_input(key="mnist.cnn_lr").value == pytest.approx(0.001)
    assert at.radio(key="mnist.which").value == "both"
    note = " ".join(w.value for w in at.warning)
    assert "mnist.epochs=many" in note and "mnist.cnn_lr=99" in note and "mnist.which=gru" in note


def test_url_values_are_used(mnist_dir):
    at = open_page("mnist", "zh", query={"mnist.epochs": "3", "mnist.lstm_batch": "128"})
    _tab(at, "train", "zh")
    assert_clean(at)
    assert at.number_input(key="mnist.epochs").value == 3
    assert at.number_input(key="mnist.lstm_batch").value == 128


def test_without_mnist_training_is_disabled_but_the_page_works(monkeypatch, tmp_path):
    monkeypatch.setenv("PLAYGROUND_MNIST_DIR", str(tmp_path))  # an empty folder: no MNIST
    st.cache_data.clear()
    at = open_page("mnist", "en")
    assert not at.exception
    assert any("Draw a digit on the black canvas" in i.value for i in at.info)
    _tab(at, "train")
    assert not at.exception
    assert at.button(key="mnist.train.start").disabled
    assert any("Training is disabled" in w.value and "no MNIST test files" in w.value for w in at.warning)
    _tab(at, "eval")
    assert any("No MNIST data" in w.value for w in at.warning)
    st.cache_data.clear()
