"""Helpers for AppTest: run the real entry script, switch to a page, in a given language."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

TIMEOUT = 60  # seconds; AppTest's default of 3 s is too short for a first training run


def open_page(page: str | None, lang: str = "en", query: dict[str, str] | None = None,
              timeout: float = TIMEOUT) -> AppTest:
    """AppTest of app.py showing `page` (a name like "race", None for home), already run."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.query_params["lang"] = lang
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page is not None:
        at.switch_page(f"app_pages/{page}.py")
        at.run()
    return at


def assert_clean(at: AppTest) -> None:
    """No exception element and no error box on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
