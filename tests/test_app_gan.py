"""AppTest of the GAN page: both views in both languages, the link's values, bad values, the drawn
target before anything is drawn, and the step-by-step session's buttons."""

from __future__ import annotations

import pytest

from tests.apptest_util import assert_clean, open_page, run_expanded, tables

SHORT = {"gan.steps": "500", "gan.p_steps": "200"}  # short runs keep the tests quick


def _captions(at) -> str:
    return " ".join(c.value for c in at.caption)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_painter_by_default(lang):
    at = open_page("gan", lang)
    assert_clean(at)
    assert at.title[0].value == ("GAN: the painter and the critic" if lang == "en" else "GAN：画家与评论家")
    table = tables(at)[0]
    assert list(table.index) == ["A", "B"]
    assert at.number_input(key="gan.lr_g").value == pytest.approx(1e-4)
    assert at.number_input(key="gan.b_lr_g").value == pytest.approx(1e-3)  # B: G 10x faster
    assert ("differ only in the learning rates" if lang == "en" else "学习率") in _captions(at)
    assert ("step 5000 of 5000" if lang == "en" else "第 5000 步") in _captions(at)
    words = " ".join(m.value for m in at.markdown)
    assert ("on **5 of 5 seeds**" if lang == "en" else "**5 个种子中的 5 个**") in words
    assert not at.warning


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_plane_and_its_step_by_step_session(lang):
    at = open_page("gan", lang, query={**SHORT, "gan.view": "plane"})
    assert_clean(at)
    assert ("A covers" if lang == "en" else "A 覆盖了") in _captions(at)
    assert ("D:G steps (A 1:1, B 5:1)" if lang == "en" else "A 1:1，B 5:1") in _captions(at)
    at.button(key="gan.lab_d").click().run()
    assert_clean(at)
    assert "D(real)" in _captions(at) or "D(真)" in _captions(at)
    at.button(key="gan.lab_g").click().run()
    assert ("G loss" if lang == "en" else "G 的损失") in _captions(at)
    at.button(key="gan.lab_ten").click().run()
    assert_clean(at)
    lab = at.session_state["gan.lab"]
    assert (lab.d_count, lab.g_count) == (11, 11)
    at.button(key="gan.lab_reset").click().run()
    assert at.session_state["gan.lab"].d_count == 0
    at.button(key="gan.lab_toggle").click().run()  # play: the page's own run draws one update
    assert at.session_state["gan.lab"].d_count == 4 and at.button(key="gan.lab_d").disabled
    at.button(key="gan.lab_toggle").click().run()  # pause
    at.toggle(key="gan.slow").set_value(True).run()
    at.button(key="gan.lab_toggle").click().run()  # in slow motion an update is one iteration
    assert at.session_state["gan.lab"].d_count == 5


def test_link_values_are_applied_and_bad_ones_fall_back():
    at = open_page("gan", "en", query={**SHORT, "gan.differ": "ratio", "gan.b_d_steps": "3",
                                       "gan.lr_g": "abc", "gan.loss": "nonsense"})
    assert_clean(at)
    assert at.slider(key="gan.b_d_steps").value == 3
    assert at.number_input(key="gan.lr_g").value == pytest.approx(1e-4)
    assert "gan.lr_g=" in " ".join(w.value for w in at.warning)
    assert "D:G steps (A 1:1, B 3:1)" in _captions(at)
    assert len(tables(at)[0]) == 2


def test_saturating_against_non_saturating_and_no_difference():
    at = open_page("gan", "en", query={**SHORT, "gan.differ": "loss"})
    assert_clean(at)
    assert "G's loss (A log(1 − D(G(z))), B −log D(G(z)))" in _captions(at)
    at = open_page("gan", "zh", query={**SHORT, "gan.differ": "none"})
    assert_clean(at)
    assert "同一次训练" in _captions(at)


def test_drawn_target_waits_for_a_drawing():
    at = open_page("gan", "en", query={**SHORT, "gan.view": "plane", "gan.target": "drawn"})
    assert_clean(at)
    assert any("Draw the target" in i.value for i in at.info)
    assert not tables(at)


def test_other_targets_and_slow_motion():
    query = {**SHORT, "gan.view": "plane", "gan.target": "moons", "gan.slow": "true"}
    at = open_page("gan", "zh", query=query)
    assert_clean(at)
    assert at.toggle(key="gan.slow").value is True
    assert "第 200 步" in _captions(at)


def test_charts_are_valid_and_the_replay_view_is_whole():
    """Every Vega-Lite chart of the page validates against the schema; the painter's SVG view has
    both trainings' paintings, the histogram and both timelines; the planes have D's heatmap,
    the points and the arrows."""
    from core.gan import Lab, PainterConfig, PlaneConfig, run_painter, run_plane
    from core.gan.plane import LIMIT
    from pages.gan import charts

    painter = run_painter(PainterConfig(steps=100, frames=4))
    plane = run_plane(PlaneConfig(steps=30, frames=2))
    lab = Lab(PlaneConfig())
    lab.step("both", 2)
    made = [charts.paintings_chart(painter, 2, k=1), charts.a_chart(painter, 4),
            charts.prob_chart(painter, 3), charts.loss_chart(painter, 0), charts.modes_chart(plane, 2)]
    for chart in made:
        chart.to_dict(validate=True)
    view = charts.painter_html(painter, 4, charts.Labels())
    assert view.count('class="gan-paint"') == 2 and view.count('class="gan-time"') == 2
    assert view.count("<polyline") >= 2 * charts.LINES + 4 and 'class="gan-hist"' in view
    planes = charts.planes_html(plane, 2, charts.Labels())
    assert planes.count('class="gan-plane"') == 2 and planes.count("data:image/png;base64,") == 2
    lab_view = charts.lab_html(lab.view(), LIMIT, charts.Labels(), "t")
    assert lab_view.count("<circle") >= plane.samples.shape[2] and lab_view.count("<line") >= 50


def test_a_critic_that_wins_outright_is_named():
    at = open_page("gan", "en", query={**SHORT, "gan.lr_g": "0.1", "gan.lr_d": "0.1"})
    assert_clean(at)
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("In A, D won outright") for w in warnings), warnings
    assert not any(w.startswith("In B") for w in warnings)


def test_the_code_of_each_view():
    at = open_page("gan", "en", query={**SHORT, "gan.view": "plane", "gan.target": "line"})
    run_expanded(at, "gan.panel.code")
    assert_clean(at)
    code = at.code[0].value
    assert "GAN on the plane" in code and "target = 'line'" in code and "def real_points" in code
    at = open_page("gan", "zh", query=SHORT)
    run_expanded(at, "gan.panel.code")
    assert "GAN: the painter and the critic" in at.code[0].value
