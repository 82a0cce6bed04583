"""The code of a run: for each lesson's configs, a short plain-PyTorch script that reproduces the run,
written from the config (never kept by hand), in the style of the tutorials the lessons grew from.

A lesson registers its writers in `core/<lesson>/script.py` with `@script_of(Config, ...)`, as
`core.runs` registers runs. Each writer comes with `figures(result)`: the final figures of the app's
own run that the script prints as `name = value` lines at its end, and the relative tolerance
within which they agree (tests/test_scripts.py runs every lesson's scripts and checks them). The
modules are imported on first use, so a page run that shows no code loads none of them.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import math
import pprint
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

FIGURE = re.compile(r"^(?P<name>[^=\n]+?) = (?P<value>[-+\w.]+)$", re.MULTILINE)


@dataclass(frozen=True)
class Script:
    """One config class's script writer and how to check what its script prints."""

    write: Callable[[Any], str]  # config -> the script's text
    # the app's result -> {name: value}, as the script prints them; a value may come as
    # (value, rtol, atol) where that figure's own tolerance is wider, with the reason beside it
    figures: Callable[[Any], dict[str, float | tuple[float, float]]]
    rtol: float  # relative tolerance of the agreement
    atol: float  # absolute tolerance (figures near 0)
    quick: Callable[[Any], Any]  # a config -> a shorter run of it, for the test of a random config
    app: Callable[[Any], Any] | None = None  # how the app computes a config, where not `core.runs.run`
    missing: Callable[[], str | None] = lambda: None  # why the app's run cannot be made here (no data)


_SCRIPTS: dict[type, Script] = {}


def script_of(config_class: type, *, figures: Callable[[Any], dict], rtol: float = 1e-3,
              atol: float = 1e-5, quick: Callable[[Any], Any] = lambda c: c,
              app: Callable[[Any], Any] | None = None,
              missing: Callable[[], str | None] = lambda: None) -> Callable:
    """Register the decorated `write(config) -> str` as the script writer of `config_class`."""
    def register(fn: Callable[[Any], str]) -> Callable[[Any], str]:
        if config_class in _SCRIPTS:
            raise ValueError(f"{config_class.__name__} already has a script")
        _SCRIPTS[config_class] = Script(fn, figures, rtol, atol, quick, app, missing)
        return fn
    return register


def header(title: str, config: Any) -> str:
    """A script's opening docstring: the lesson, every setting of the run, and how to use it."""
    def shown(value: Any) -> str:
        return pprint.pformat(value, width=96).replace("\n", "\n        ")

    lines = [f"    {f.name} = {shown(getattr(config, f.name))}" for f in dataclasses.fields(config)]
    return (f'"""{title}: one run of the PyTorch Playground as a plain PyTorch script, written from\n'
            f"its settings:\n\n" + "\n".join(lines) + "\n\n"
            "Run it with `python` (PyTorch only). Its last lines print the run's final figures, the ones\n"
            'the app shows.\n"""\n')


def _load(config_class: type) -> None:
    """Import the script module of the lesson package `config_class` lives in (core.<lesson>)."""
    parts = config_class.__module__.split(".")
    if len(parts) >= 2 and parts[0] == "core":
        module = f"core.{parts[1]}.script"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)


def entry(config_class: type) -> Script | None:
    """The registered script of `config_class`, if it has one."""
    if config_class not in _SCRIPTS:
        _load(config_class)
    return _SCRIPTS.get(config_class)


def has_script(config: Any) -> bool:
    """Whether runs of this config's class have a script."""
    return entry(type(config)) is not None


def script(config: Any) -> str:
    """The script that reproduces the run of `config`."""
    found = entry(type(config))
    if found is None:
        raise TypeError(f"no script is registered for {type(config).__name__}")
    return found.write(config)


def lesson_scripts(lesson: str) -> dict[type, Script]:
    """Every config class of lesson `lesson` (core.<lesson>) with a script."""
    module = f"core.{lesson}.script"
    if importlib.util.find_spec(module) is not None:
        importlib.import_module(module)
    return {c: s for c, s in _SCRIPTS.items() if c.__module__.split(".")[:2] == ["core", lesson]}


def printed_figures(output: str) -> dict[str, float]:
    """The `name = value` lines a script printed (its final figures), by name."""
    found = {}
    for m in FIGURE.finditer(output):
        try:
            found[m["name"].strip()] = float(m["value"])
        except ValueError:
            continue
    return found


def agree(app: float, printed: float, rtol: float, atol: float) -> bool:
    """Whether a printed figure matches the app's (both not finite counts as agreeing)."""
    if not math.isfinite(app) or not math.isfinite(printed):
        return not math.isfinite(app) and not math.isfinite(printed)
    return abs(app - printed) <= atol + rtol * abs(app)
