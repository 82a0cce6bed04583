"""AppTest: every page of the real app runs without exception, in both languages."""

from __future__ import annotations

import pytest

from pages import LESSONS
from tests.apptest_util import assert_clean, open_page

PAGES = [None, *(p.name for p in LESSONS)]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", PAGES)
def test_page_runs_clean(page, lang):
    at = open_page(page, lang)
    assert_clean(at)
    assert at.title, "every page has a title"
    assert at.sidebar.radio(key="lang").value == lang


@pytest.mark.parametrize(("lang", "count"), [("en", "{n} experiments"), ("zh", "{n} 个实验")])
def test_home_counts_the_registered_lessons(lang, count):
    at = open_page(None, lang)
    intro = at.markdown[0].value
    assert count.format(n=len(LESSONS)) in intro, intro
    assert len(at.get("page_link")) == len(LESSONS), "one card per lesson"


def test_language_switch_changes_text():
    at = open_page(None, "en")
    english = at.title[0].value
    at.sidebar.radio(key="lang").set_value("zh").run()
    assert at.title[0].value != english and "游乐场" in at.title[0].value


def test_bad_url_values_fall_back_with_a_note():
    at = open_page(None, "en", query={"seed": "not-a-number"})
    assert_clean(at)
    assert at.sidebar.number_input(key="seed").value == 0
    assert any("seed=not-a-number" in w.value for w in at.warning)
