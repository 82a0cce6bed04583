"""The lesson contract: two trees, a registry line, and every control declared once against its config."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import subprocess
import sys

import pytest

from pages import HOME, LESSONS
from tests.conftest import ROOT
from ui.controls import Choice, Control, Multi, _Range
from ui.i18n import catalogs
from ui.lesson import controls_of

FORBIDDEN_IN_CORE = ("streamlit", "altair", "ui", "pages")


def _imports(path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_core_imports_neither_streamlit_nor_altair_nor_the_pages():
    bad = {str(p.relative_to(ROOT)): sorted(_imports(p) & set(FORBIDDEN_IN_CORE))
           for p in (ROOT / "core").rglob("*.py")}
    assert not {k: v for k, v in bad.items() if v}


def test_importing_all_of_core_loads_no_streamlit_or_altair():
    """Every core module imported in a fresh interpreter: nothing pulls Streamlit or Altair in."""
    code = ("import importlib, pkgutil, sys, core\n"
            "for m in pkgutil.walk_packages(core.__path__, 'core.'): importlib.import_module(m.name)\n"
            f"print(sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN_IN_CORE!r}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda x: x.name)
def test_every_lesson_is_two_packages(lesson):
    page = ROOT / "pages" / lesson.name
    for name in ("page.py", "controls.py", "charts.py", "texts.py"):
        assert (page / name).is_file(), f"pages/{lesson.name}/{name}"
    assert (ROOT / "core" / lesson.name / "__init__.py").is_file()
    assert (ROOT / lesson.script).is_file()


def test_no_page_script_outside_the_lesson_packages():
    flat = [p.name for p in (ROOT / "pages").glob("*.py") if p.name != "__init__.py"]
    assert flat == [], "a flat pages/*.py makes Streamlit skip app.py on a first-request deep link"
    scripts = {p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").rglob("page.py")}
    assert scripts == {x.script for x in (HOME, *LESSONS)}
    assert not (ROOT / "app_pages").exists()


def _lesson_controls() -> list[tuple[str, Control]]:
    return [(x.name, c) for x in LESSONS for c in (controls_of(x.name) or [])]


@pytest.mark.parametrize(("lesson", "control"), _lesson_controls(), ids=lambda v: getattr(v, "key", v))
def test_control_agrees_with_its_config(lesson, control):
    """Name, default and range of each declared control against the field of its config."""
    assert control.key.startswith(f"{lesson}."), control.key
    if control.field is not None:
        fields = {f.name: f for f in dataclasses.fields(control.config)}
        assert control.field in fields, (control.key, control.config.__name__)
        assert control.default == getattr(control.config(), control.field), control.key
    default = control.default
    if isinstance(control, _Range):
        assert control.lo <= default <= control.hi, (control.key, default)
    elif isinstance(control, Choice):
        assert default in control.options, (control.key, default)
    elif isinstance(control, Multi):
        assert set(default) <= set(control.options) and 0 < len(default) <= control.max_items
    param = control.param
    parsed = param.parse(param.format(default))
    assert control.cast(parsed) == control.cast(default), control.key  # the default survives a link
    texts = catalogs()
    assert control.key in texts["en"] and control.key in texts["zh"], f"label of {control.key}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda x: x.name)
def test_each_lesson_has_its_controls_module(lesson):
    module = importlib.import_module(f"pages.{lesson.name}.controls")
    assert list(module.CONTROLS), lesson.name
