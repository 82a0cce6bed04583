"""Helpers for AppTest: run the real entry script, switch to a page, in a given language."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

TIMEOUT = 60  # seconds; AppTest's default of 3 s is too short for a first training run


def open_page(page: str | None, lang: str = "en", query: dict[str, str] | None = None,
              timeout: float = TIMEOUT, whole: bool = True) -> AppTest:
    """AppTest of app.py showing `page` (a name like "race", None for home), already run.

    `whole`: also make the run a page's first-view timer asks for in a browser (AppTest does not
    fire timers), so the whole page is there; False leaves the first view (ui.deferred.first_view).
    """
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.query_params["lang"] = lang
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page is not None:
        at.switch_page(f"pages/{page}/page.py")
        at.run()
        if whole:
            at.run()
    return at


def assert_clean(at: AppTest) -> None:
    """No exception element and no error box on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def tables(at: AppTest) -> list[pd.DataFrame]:
    """The result tables on the page (ui.table draws them as Markdown), indexed by their first
    column, every cell as the text shown."""
    found = []
    for m in at.markdown:
        lines = m.value.splitlines()
        if len(lines) < 2 or not lines[0].startswith("| ") or set(lines[1]) - set("|-: "):
            continue
        rows = [[c.strip() for c in line.strip().strip("|").split(" | ")] for line in lines]
        frame = pd.DataFrame(rows[2:], columns=rows[0])
        found.append(frame.set_index(rows[0][0]))
    return found


def run_expanded(at: AppTest, key: str) -> None:
    """Run with the lazy expander `key` open, as a user's open expander stays open between reruns."""
    at.session_state[key] = True
    at.run()
