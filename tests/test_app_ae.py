"""AppTest of the autoencoder page: the shipped runs at once, link values, bad values, divergence and
saturation, code sizes 2 and 3, denoising, training here, no MNIST, both languages."""

from __future__ import annotations

import json

import pytest

from tests.apptest_util import assert_clean, open_page

QUICK = {"ae.epochs": "1", "ae.code": "4"}  # a run trained here in about a second


def _text(at) -> str:
    return " ".join(m.value for m in (*at.markdown, *at.caption, *at.info, *at.warning))


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _markup(at, place: str) -> str:
    """The HTML a ui.charts.markup view at `place` was given."""
    views = [e for e in at.get("component_instance") if e.proto.id.endswith(f"-{place}")]
    assert views, f"no view {place}"
    return json.loads(views[0].proto.json_args)["html"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_default_page_shows_the_shipped_run(lang):
    at = open_page("ae", lang)
    assert_clean(at)
    assert at.title[0].value == ("Autoencoder vs PCA: digits squeezed into a few numbers" if lang == "en"
                                 else "自编码器与 PCA：把数字压缩成几个数")
    assert at.slider(key="ae.code").value == 3
    assert at.number_input(key="ae.lr").value == pytest.approx(0.005)
    assert at.slider(key="ae.epochs").value == 10
    assert at.number_input(key="ae.batch").value == 64
    assert at.slider(key="ae.noise").value == 0.0
    assert not at.toggle(key="ae.train").value and not at.toggle(key="ae.train").disabled
    assert at.button(key="ae.reset_lesson").disabled
    metrics = _metrics(at)
    assert len(metrics) == 2 and all(v.startswith("0.0") for v in metrics.values())
    text = _text(at)
    if lang == "en":
        assert "Shipped run" in text and "The one difference" in text
        assert "the **autoencoder** redraws these held-out digits better" in text
        assert "at code sizes 2 and 3 on every seed" in text and "at code size 12" in text
        assert "The explorer walks a plane of 2-D codes" in text  # code size 3: a button to switch
    else:
        assert "预训练结果" in text and "唯一的区别" in text
        assert "**自编码器**把这些留出数字画得更好" in text
        assert "编码长度为 2 和 3 时" in text and "编码长度为 12 时" in text
    assert not at.warning
    assert at.button(key="ae.seeds_run")  # runs over seeds wait for a click


def test_first_view_is_the_comparison_then_the_whole_page():
    at = open_page("ae", "en", whole=False)
    assert_clean(at)
    assert len(_metrics(at)) == 2
    assert not [s for s in at.slider if s.key == "ae.seeds"]
    at.run()
    assert_clean(at)
    assert at.slider(key="ae.seeds").value == 5


def test_code_size_two_has_the_explorer():
    at = open_page("ae", "en", query={"ae.code": "2", "ae.row": "3"})
    assert_clean(at)
    assert at.slider(key="ae.row").value == 3
    text = _text(at)
    assert "Shipped run: the lesson's settings at code size 2" in text
    assert "Click anywhere on a plane" in text
    for m in ("ae", "pca"):  # the manifold pictures
        assert "15×15 images decoded" in _markup(at, f"ae.manifold.{m}")
    for m in ("ae", "pca"):  # before a click, each decodes its plane's middle point
        assert "draws (" in _markup(at, f"ae.picked.{m}")
    assert _markup(at, "ae.rows").count("<img") == 3  # originals, autoencoder, PCA


def test_the_explorer_button_switches_to_two():
    at = open_page("ae", "en")
    at.button(key="ae.to_two").click().run()
    assert_clean(at)
    assert at.slider(key="ae.code").value == 2
    assert "Click anywhere on a plane" in _text(at)
    assert at.query_params["ae.code"] in (["2"], "2")


def test_bad_link_values_fall_back_with_a_note():
    at = open_page("ae", "en", query={"ae.code": "99", "ae.lr": "abc", "ae.epochs": "0", "ae.noise": "2",
                                      "ae.row": "11", "ae.train": "maybe", "ae.seeds": "1"})
    assert_clean(at)
    assert at.slider(key="ae.code").value == 3 and at.slider(key="ae.row").value == 1
    assert at.number_input(key="ae.lr").value == pytest.approx(0.005)
    notes = " ".join(w.value for w in at.warning)
    for item in ("ae.code=99", "ae.lr=abc", "ae.epochs=0", "ae.noise=2", "ae.row=11", "ae.train=maybe",
                 "ae.seeds=1"):
        assert item in notes
    assert "Shipped run" in _text(at)  # the defaults: the shipped run


def test_a_diverged_run_says_so_per_method():
    at = open_page("ae", "en", query={**QUICK, "ae.lr": "1e38"})
    assert_clean(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "diverged" in warnings and "autoencoder" in warnings and "PCA" not in warnings
    metrics = _metrics(at)
    assert metrics["autoencoder: held-out MSE"] == "—" and metrics["PCA: held-out MSE"].startswith("0.0")
    assert "redraws these held-out digits better" not in _text(at)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_saturated_run_claims_nothing(lang):
    """lr 1e30: no NaN, no explosion (no divergence), yet the net draws one black-and-white picture
    (held-out MSE 0.84 at code size 3)."""
    at = open_page("ae", lang, query={"ae.epochs": "1", "ae.lr": "1e30"})
    assert_clean(at)
    warnings = " ".join(w.value for w in at.warning)
    if lang == "en":
        assert "learnt nothing useful" in warnings and "does not count as a divergence" in warnings
        assert "held-out MSE (0.842)" in warnings
        assert "same picture for every digit" in warnings and "saturated" in warnings
        assert "diverged" not in warnings
        assert "redraws these held-out digits better" not in _text(at)
    else:
        assert "没学到有用的东西" in warnings and "饱和" in warnings
    assert _metrics(at)  # the numbers are still shown


def test_denoising_shows_the_noisy_scores():
    at = open_page("ae", "en", query={**QUICK, "ae.noise": "0.3"})
    assert_clean(at)
    metrics = _metrics(at)
    assert len(metrics) == 4 and "autoencoder: from noisy input" in metrics
    assert "Trained here" in _text(at)
    rows = _markup(at, "ae.rows")
    assert rows.count("<img") == 4 and "noisy input" in rows and "from the noisy input" in rows


def test_training_here_instead_of_the_shipped_run():
    at = open_page("ae", "en", query={"ae.code": "2", "ae.train": "true"})
    assert_clean(at)
    assert "Trained here in" in _text(at) and "Shipped run" not in _text(at)
    assert not at.button(key="ae.reset_lesson").disabled
    at.button(key="ae.reset_lesson").click().run()
    assert_clean(at)
    assert at.slider(key="ae.code").value == 3 and not at.toggle(key="ae.train").value
    assert "Shipped run" in _text(at) and "ae.code" not in at.query_params


def test_runs_over_seeds_say_k_of_n():
    at = open_page("ae", "en", query={**QUICK, "ae.seeds": "3"})
    at.button(key="ae.seeds_run").click().run()
    assert_clean(at)
    text = _text(at)
    assert "of the 3 seeds" in text or "of 3 seeds" in text or "all 3 seeds" in text


def test_without_mnist_the_shipped_runs_still_work(monkeypatch, tmp_path):
    monkeypatch.setenv("PLAYGROUND_MNIST_DIR", str(tmp_path / "nowhere"))
    at = open_page("ae", "en")
    assert_clean(at)
    assert "Shipped run" in _text(at) and len(_metrics(at)) == 2
    assert "Training needs MNIST" in _text(at)  # the runs over seeds say why they cannot run
    at = open_page("ae", "en", query=QUICK)
    assert_clean(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "cannot be trained here: no MNIST test files" in warnings
    assert "shipped run of code size 3" in warnings
    assert len(_metrics(at)) == 2
