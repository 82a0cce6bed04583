"""AppTest of the fit page: the lesson's defaults, presets from a click and from a link, the
controls and the URL, bad links and extreme settings, stepping, and saving and loading a network."""

from __future__ import annotations

import json
import re

import pytest

from core.fit.presets import PRESETS
from tests.apptest_util import assert_clean, open_page, run_expanded

FAST = {"fit.epochs": "20"}  # a short run for the interaction tests


def _views(at) -> list[str]:
    """What the page's views (ui.charts.markup components) are given to show."""
    return [json.loads(c.proto.json_args)["html"] for c in at.get("component_instance")]


def _text(at) -> str:
    return " ".join([m.value for m in at.markdown] + _views(at))


def _pictures(at) -> list[str]:
    """The SVG documents the page's views show (pages.fit.charts.as_image)."""
    return re.findall(r'<svg class="fit-.*?</svg>', " ".join(_views(at)), flags=re.S)


def _preset(at):
    return at.button_group(key="fit.preset")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_lesson_is_the_default(lang):
    at = open_page("fit", lang)
    assert_clean(at)
    assert not at.warning
    assert _preset(at).value == "lesson"
    assert at.slider(key="fit.play.slider").value == 200  # the 301 tutorial's 200 steps, frame 0 included
    text = _text(at)
    if lang == "en":
        assert "B differs from A in: learning rate 0.2 → 0.05." in text
        assert "Epoch 200 of 200" in text and "1 × 10 ReLU" in text and "R²" in text
        assert "checked on 5 of 5 seeds" in at.info[0].value and "This run shows it." in at.info[0].value
    else:
        assert "B 与 A 的不同：学习率 0.2 → 0.05。" in text and "第 200 轮，共 200 轮" in text
        assert "在 5 个种子中的 5 个上验证过" in at.info[0].value
    pictures = _pictures(at)
    assert len(pictures) == 5  # 2 graphs, 2 outputs, the loss timeline
    assert all(p.startswith("<svg") and "<polyline" in p for p in pictures)  # unit maps, fits, curves


def test_settings_hold_the_lesson_numbers():
    at = open_page("fit", "en")
    run_expanded(at, "fit.settings")
    assert_clean(at)
    assert at.selectbox(key="fit.dataset").value == "curve"
    assert at.slider(key="fit.a.layers").value == 1 and at.slider(key="fit.a.units").value == 10
    assert at.number_input(key="fit.a.lr").value == pytest.approx(0.2)
    assert at.number_input(key="fit.b.lr").value == pytest.approx(0.05)
    assert at.select_slider(key="fit.a.batch_size").value == 0  # full batch
    assert list(at.multiselect(key="fit.a.features").value) == ["x1", "x2"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_preset_opens_from_a_link_and_states_its_effect(lang):
    for preset in PRESETS:
        at = open_page("fit", lang, query={"fit.preset": preset.name})
        assert_clean(at)
        assert _preset(at).value == preset.name
        assert at.slider(key="fit.play.slider").value == preset.config.epochs
        claim = at.info[0].value
        k = preset.checked
        assert (f"{k} of 5 seeds" if lang == "en" else f"5 个种子中的 {k} 个") in claim
        if preset.name == "features":
            assert "x₁²" in _text(at)
            assert ("no hidden layer" if lang == "en" else "没有隐藏层") in _text(at)
        if preset.config.dataset != "curve":
            assert all("<image" in p for p in _pictures(at)[:4])  # maps over the plane


def test_a_click_on_a_preset_sets_every_control_and_the_link():
    at = open_page("fit", "en")
    _preset(at).set_value("batch").run()
    assert_clean(at)
    assert at.query_params["fit.preset"] in ("batch", ["batch"])
    assert at.slider(key="fit.play.slider").value == 50
    assert "batch size full batch → 32" in _text(at)
    assert "zig-zags" in at.info[0].value


def test_a_link_that_changes_a_preset_keeps_the_change_and_drops_the_claim():
    at = open_page("fit", "en", query={"fit.preset": "features", "fit.b.features": "x1,x2"})
    assert_clean(at)
    assert "A and B are the same network" in _text(at)
    assert not at.info  # no effect is claimed once the settings left the question
    assert "states no effect" in " ".join(c.value for c in at.caption)


def test_back_to_the_question_restores_the_lesson():
    at = open_page("fit", "en", query={"fit.b.lr": "0.1"})
    assert not at.info and not at.button(key="fit.preset_reset").disabled
    at.button(key="fit.preset_reset").click().run()
    assert_clean(at)
    assert "learning rate 0.2 → 0.05" in _text(at) and "checked on 5 of 5 seeds" in at.info[0].value
    assert at.button(key="fit.preset_reset").disabled
    assert "fit.b.lr" not in at.query_params


def test_classification_shows_accuracy_and_a_confusion_matrix():
    at = open_page("fit", "en", query={**FAST, "fit.dataset": "xor", "fit.a.layers": "2", "fit.a.units": "4"})
    assert_clean(at)
    text = _text(at)
    assert "accuracy: train" in text and "Confusion matrix (test points)" in text
    assert "hidden layers 2 → 1" in text and "units per layer 4 → 10" in text


def test_step_and_reset_move_one_frame():
    at = open_page("fit", "en", query=FAST)
    at.button(key="fit.play.reset").click().run()
    assert at.slider(key="fit.play.slider").value == 0
    assert "Epoch 0 of 20" in _text(at)
    at.button(key="fit.play.next").click().run()
    assert_clean(at)
    assert at.slider(key="fit.play.slider").value == 1 and "Epoch 1 of 20" in _text(at)
    assert at.button(key="fit.play.next").label == "⏭ +1 epoch"


def test_step_mode_counts_steps_and_epochs():
    at = open_page("fit", "en", query={"fit.epochs": "3", "fit.frame_every": "step",
                                      "fit.b.batch_size": "10"})
    assert_clean(at)
    assert at.slider(key="fit.play.slider").value == 30  # B: 10 batches of 10 per epoch, 3 epochs
    # A (full batch) finished its 3 epochs after 3 steps; B after 30
    assert "Step 30 · A at epoch 3.00 · B at epoch 3.00" in _text(at)
    assert at.button(key="fit.play.next").label == "⏭ +1 step"


def test_target_loss_stops_a_network():
    at = open_page("fit", "en", query={"fit.target_loss": "0.02"})
    assert_clean(at)
    assert any("Reached the target loss 0.02" in s.value for s in at.success)


def test_bad_link_values_fall_back_with_a_note():
    at = open_page("fit", "en", query={"fit.dataset": "moon", "fit.a.layers": "9", "fit.a.lr": "nan",
                                      "fit.preset": "nonsense", "fit.b.features": "x3"})
    assert_clean(at)
    notes = " ".join(w.value for w in at.warning)
    for item in ("fit.dataset=moon", "fit.a.layers=9", "fit.a.lr=nan", "fit.preset=nonsense",
                 "fit.b.features=x3"):
        assert item in notes
    assert at.slider(key="fit.play.slider").value == 200  # the lesson, as by default


def test_a_huge_learning_rate_is_explained_not_a_trace():
    at = open_page("fit", "en", query={**FAST, "fit.b.lr": "10"})
    assert_clean(at)
    assert any("B" in w.value and "step" in w.value for w in at.warning), [w.value for w in at.warning]


def test_no_features_left_on_the_curve_falls_back_to_x1():
    at = open_page("fit", "en", query={**FAST, "fit.b.features": "x2,x2sq"})
    assert_clean(at)
    assert "inputs x₁ ·" in _text(at)


def test_both_networks_can_be_downloaded():
    at = open_page("fit", "en", query=FAST)
    assert len(at.get("download_button")) == 2  # the browser test downloads one and loads it back
