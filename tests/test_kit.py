"""The classroom kit without a browser: lesson links (hidden and locked controls, the note, the QR
code), presenter mode's charts, and the export and code panels, on every registered lesson."""

from __future__ import annotations

import io
import json

import altair as alt
import pandas as pd
import pytest
from PIL import Image

from core import scripts
from pages import LESSONS
from tests.apptest_util import assert_clean, open_page, run_expanded
from ui import share
from ui.controls import hide_key, lock_key
from ui.export import chart_csv, title
from ui.i18n import LANG_KEY
from ui.lesson import controls_of
from ui.params import MultiParam, TextParam, parse_or_default
from ui.present import FONT_SCALE, LINE_SCALE, presenter_spec

WIDGETS = ("slider", "number_input", "selectbox", "multiselect", "toggle", "checkbox", "radio",
           "select_slider", "button_group", "text_input")
LESSON_NAMES = [x.name for x in LESSONS]


def _widgets(at) -> dict[str, object]:
    """Every widget on the page, by key."""
    found = {}
    for kind in WIDGETS:
        for w in at.get(kind):
            if getattr(w, "key", None):
                found[w.key] = w
    return found


def translate_label(key: str, lang: str) -> str:
    """ui.share.label in `lang`, outside a script run."""
    import streamlit as st

    st.session_state[LANG_KEY] = lang
    return share.label(key)


# --- the link's parameters ------------------------------------------------------------------------

def test_text_and_empty_list_parameters():
    note = TextParam("", 20)
    assert parse_or_default(note, " Look at the gap ") == ("Look at the gap", True)
    assert parse_or_default(note, "x" * 21) == ("", False)
    assert parse_or_default(note, "bell\x07") == ("", False)
    hide = MultiParam((), ("a.x", "a.y"), min_items=0)
    assert parse_or_default(hide, "a.y,a.x") == (["a.y", "a.x"], True)
    assert parse_or_default(hide, "a.z") == ((), False)
    assert parse_or_default(MultiParam(("a.x",), ("a.x",)), "") == (("a.x",), False)  # one at least


@pytest.mark.parametrize("lesson", LESSON_NAMES)
def test_share_choices_derive_from_the_control_declarations(lesson):
    controls = controls_of(lesson)
    params = share.params(lesson, controls)
    keys = {c.key for c in controls}
    tab = controls.tab
    assert set(params[hide_key(lesson)].options) == keys - ({tab.key} if tab else set())
    assert params[lock_key(lesson)].options == params[hide_key(lesson)].options
    labels = [translate_label(k, lang) for k in controls.shareable for lang in ("en",)]
    labels_zh = [translate_label(k, "zh") for k in controls.shareable]
    assert len(set(labels_zh)) == len(labels_zh), "two controls the teacher could not tell apart"
    assert len(set(labels)) == len(labels), "two controls the teacher could not tell apart"
    assert all("{" not in x for x in labels)


# --- a teacher's link, opened by a student ---------------------------------------------------------

def test_link_hides_three_controls_locks_one_and_shows_the_note():
    query = {"dropout.hide": "dropout.points,dropout.noise,dropout.width", "dropout.lock": "dropout.rate",
             "dropout.rate": "0.3", "dropout.note": "Watch the gap", "seed": "2"}
    at = open_page("dropout", "en", query=query)
    assert_clean(at)
    widgets = _widgets(at)
    assert not {"dropout.points", "dropout.noise", "dropout.width"} & set(widgets)
    assert widgets["dropout.rate"].disabled and widgets["dropout.rate"].value == 0.3
    assert not widgets["dropout.depth"].disabled
    assert "Watch the gap" in [i.value for i in at.info]
    assert any("3 control(s) hidden, 1 locked" in c.value for c in at.caption)
    assert "seed 2" in " ".join(c.value for c in at.caption)  # the run is the link's
    for key, value in query.items():
        assert at.query_params[key] in (value, [value]), key  # the link survives the run


def test_share_panel_gives_the_link_and_a_qr_code_of_it():
    zxingcpp = pytest.importorskip("zxingcpp")
    at = open_page("race", "zh", query={"race.seeds": "3", "present": "true"})
    at.session_state["race.hide"] = ["race.fair", "race.log", "race.smooth"]
    at.session_state["race.lock"] = ["race.seeds"]
    run_expanded(at, "race.share")
    assert_clean(at)
    link = at.code[0].value
    assert link.startswith("/race?") and "present" not in link  # students open the normal view
    for part in ("race.hide=race.fair,race.log,race.smooth", "race.lock=race.seeds", "race.seeds=3",
                 "lang=zh"):
        assert part in link, (part, link)
    assert "链接打开时显示" in " ".join(c.value for c in at.caption)  # the open view is named
    image = Image.open(io.BytesIO(share.qr_png(link)))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [link]


@pytest.mark.parametrize("lesson", LESSON_NAMES)
def test_every_control_can_be_hidden_or_locked(lesson):
    """Hide every control a link may hide: none is drawn; lock them all: every one drawn is disabled."""
    keys = ",".join(controls_of(lesson).shareable)
    at = open_page(lesson, "en", query={f"{lesson}.hide": keys})
    assert_clean(at)
    assert not set(controls_of(lesson).shareable) & set(_widgets(at))
    at = open_page(lesson, "en", query={f"{lesson}.lock": keys})
    assert_clean(at)
    drawn = {k: w for k, w in _widgets(at).items() if k in controls_of(lesson).shareable}
    assert all(w.disabled for w in drawn.values()), [k for k, w in drawn.items() if not w.disabled]


def test_bad_share_values_fall_back_with_the_note():
    query = {"dropout.hide": "dropout.rate,race.seeds", "dropout.note": "x" * 500}
    at = open_page("dropout", "en", query=query)
    assert_clean(at)
    warning = " ".join(w.value for w in at.warning)
    assert "dropout.hide=" in warning and "dropout.note=" in warning
    assert "dropout.rate" in _widgets(at)


# --- presenter mode ---------------------------------------------------------------------------------

def test_presenter_spec_has_bigger_text_and_thicker_lines():
    df = pd.DataFrame({"x": [0, 1], "y": [1, 2]})
    chart = alt.Chart(df, title="t").mark_line(strokeWidth=2).encode(x="x:Q", y="y:Q").configure_axis(
        labelFontSize=14)
    from ui.charts import to_spec

    spec = to_spec(chart)
    big = presenter_spec(spec)
    assert big["mark"]["strokeWidth"] == pytest.approx(2 * LINE_SCALE)
    assert big["config"]["axis"]["labelFontSize"] == pytest.approx(14 * FONT_SCALE)
    assert big["config"]["legend"]["labelFontSize"] > 13 and big["config"]["title"]["fontSize"] > 16
    assert spec["mark"]["strokeWidth"] == 2 and big["datasets"] is spec["datasets"]  # data shared, not copied


def test_presenter_mode_restyles_the_page_and_its_charts():
    at = open_page("dropout", "en", query={"present": "true"})
    assert_clean(at)
    assert at.sidebar.toggle(key="present").value is True
    assert at.button(key="present.leave")
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert specs and all(s["config"]["line"]["strokeWidth"] >= 3 for s in specs)
    at.button(key="present.leave").click().run()
    assert at.sidebar.toggle(key="present").value is False and "present" not in at.query_params


# --- exports and the code of the run ---------------------------------------------------------------

def test_chart_csv_holds_every_layer():
    a = pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]})
    b = pd.DataFrame({"x": [1.5], "label": ["mark"]})
    from ui.charts import to_spec

    spec = to_spec(alt.layer(alt.Chart(a).mark_line().encode(x="x:Q", y="y:Q"),
                             alt.Chart(b).mark_point().encode(x="x:Q")).properties(title="Both"))
    back = pd.read_csv(io.StringIO(chart_csv(spec)))
    assert len(back) == 3 and set(back.columns) == {"x", "y", "label", "layer"}
    assert title(spec) == "Both"


def test_export_and_code_panels_on_a_lesson():
    at = open_page("dropout", "zh")
    run_expanded(at, "dropout.panel.export")
    run_expanded(at, "dropout.panel.code")
    assert_clean(at)
    downloads = at.get("download_button")
    names = [d.proto.label for d in downloads]
    assert "整次运行（JSON）" in names and "下载脚本" in names
    charts = [d for d in downloads if d.proto.label not in ("整次运行（JSON）", "下载脚本")]
    assert len(charts) >= 3  # each chart's CSV
    from core.dropout import DropoutConfig

    assert at.code[0].value.strip() == scripts.script(DropoutConfig()).strip()


def test_code_panel_on_the_live_training_tab(mnist_dir):
    """The MNIST page trains live, outside `comparison`: its training tab shows the code of its
    settings before any run (and no run to export yet)."""
    from core.mnist.live import LiveConfig
    from tests.test_app_mnist import TABS

    at = open_page("mnist", "en", query={"mnist.epochs": "2"})
    at.session_state["mnist.tab"] = TABS["en"]["train"]
    at.run()
    run_expanded(at, "mnist.panel.code")
    run_expanded(at, "mnist.panel.export")
    assert_clean(at)
    assert at.code[0].value.strip() == scripts.script(LiveConfig(epochs=2)).strip()
    assert "The whole run (JSON)" not in [d.proto.label for d in at.get("download_button")]
