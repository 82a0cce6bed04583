"""Every control declared once: its URL name, type, range, default, widget and the config field it
sets come from one declaration (as TensorFlow Playground's `PROPS` schema does).

A page's `controls.py` lists its declarations in one `Controls` (`CONTROLS`). The lifecycle reads
them from the link before the page runs and writes them back after (`ui.lesson`); the page draws
each widget with `CONTROLS.draw(key, container)` and builds its run's config with
`CONTROLS.config(ConfigClass)`. Controls bound to a config take their default from its field, so
a default is written in one place, the config; view settings (a chart's log scale) that set no
field declare their own.

A control's key is its URL name, its widget key and its text key: the label is `tr(key)`, the help
`tr(key + "_help")` where the catalog has one. Values in the link are language-independent codes.

A lesson link can hide a control or lock it (`ui.share`): `draw` then draws nothing, or the widget
disabled, and the value stays the link's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import streamlit as st

from ui.i18n import has_text, labels, tr
from ui.params import (
    BoolParam,
    ChoiceParam,
    CodecParam,
    FloatParam,
    IntParam,
    MultiParam,
    Param,
)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Control:
    """One control. Subclasses say which widget draws it and how its value travels in a link."""

    key: str  # URL name, widget key and text key, namespaced by page ("dropout.rate")
    field: str | None = None  # the config field it sets; None for a view setting
    default: Any = None  # a view setting's default; a config field's default comes from the config
    config: type | None = None  # the config class `field` belongs to (set by `bind`)

    @property
    def param(self) -> Param:
        raise NotImplementedError

    def widget(self, container: Any, label: str, **kwargs: Any) -> Any:
        raise NotImplementedError

    def cast(self, value: Any) -> Any:
        """The session value as the config field's type."""
        return value

    def draw(self, container: Any = st, *, text: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """Draw the widget (its value lives in session_state under `key`); `text` fills the
        placeholders of its label and help text; kwargs go to Streamlit. A control the lesson link
        hides draws nothing (its value is returned), one it locks is drawn disabled."""
        status = share_status(self.key)
        if status == HIDDEN:
            return st.session_state.get(self.key, self.default)
        if status == LOCKED:
            kwargs["disabled"] = True
        text = text or {}
        if "help" not in kwargs and has_text(f"{self.key}_help"):
            kwargs["help"] = tr(f"{self.key}_help", **text)
        return self.widget(container, tr(self.key, **text), key=self.key, persist_state="session", **kwargs)


SHOWN, HIDDEN, LOCKED = "shown", "hidden", "locked"


def hide_key(page: str) -> str:
    """The URL name of the controls a lesson link hides on page `page`."""
    return f"{page}.hide"


def lock_key(page: str) -> str:
    """The URL name of the controls a lesson link shows but locks on page `page`."""
    return f"{page}.lock"


def share_status(key: str) -> str:
    """SHOWN, HIDDEN or LOCKED: what this session's lesson link does with control `key` (its page
    is the key's first part); hidden wins where a link names a control in both."""
    page = key.split(".", 1)[0]
    if key in (st.session_state.get(hide_key(page)) or ()):
        return HIDDEN
    if key in (st.session_state.get(lock_key(page)) or ()):
        return LOCKED
    return SHOWN


def _is_int(*values: Any) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


@dataclasses.dataclass(frozen=True, kw_only=True)
class _Range(Control):
    lo: float
    hi: float
    step: float | None = None
    fmt: str | None = None

    @property
    def param(self) -> Param:
        if _is_int(self.lo, self.hi, self.default):
            return IntParam(self.default, self.lo, self.hi)
        return FloatParam(float(self.default), float(self.lo), float(self.hi))

    def cast(self, value: Any) -> Any:
        return int(value) if isinstance(self.param, IntParam) else float(value)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Slider(_Range):
    """A number in [lo, hi] on a slider."""

    def widget(self, container: Any, label: str, **kwargs: Any) -> Any:
        lo, hi = (self.lo, self.hi) if _is_int(self.lo, self.hi) else (float(self.lo), float(self.hi))
        if self.fmt:
            kwargs.setdefault("format", self.fmt)
        return container.slider(label, lo, hi, step=self.step, **kwargs)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Number(_Range):
    """A number in [lo, hi] typed in a box."""

    def widget(self, container: Any, label: str, **kwargs: Any) -> Any:
        lo, hi = (self.lo, self.hi) if _is_int(self.lo, self.hi) else (float(self.lo), float(self.hi))
        step = self.step if self.step is not None else (1 if _is_int(lo, hi) else None)
        return container.number_input(label, min_value=lo, max_value=hi, step=step, format=self.fmt, **kwargs)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Toggle(Control):
    """On or off: a toggle, or a checkbox with `checkbox=True`."""

    checkbox: bool = False

    @property
    def param(self) -> Param:
        return BoolParam(bool(self.default))

    def widget(self, container: Any, label: str, **kwargs: Any) -> Any:
        return (container.checkbox if self.checkbox else container.toggle)(label, **kwargs)

    def cast(self, value: Any) -> Any:
        return bool(value)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Choice(Control):
    """One of a fixed set of options, shown with their labels.

    `names` turns an option into its label: a text-key prefix ("race.view." + code), a mapping,
    or a function; without it an option shows as itself. `style` picks the widget.
    """

    options: tuple[Any, ...]
    names: str | dict | Callable[[Any], str] | None = None
    style: str = "select"  # select, radio, segmented or select_slider
    tab: bool = False  # picks the page's open tab or view: a lesson link names it, never hides it

    @property
    def param(self) -> Param:
        codes = tuple(str(o) for o in self.options)
        if all(isinstance(o, str) for o in self.options):
            return ChoiceParam(self.default, codes)
        by_code = dict(zip(codes, self.options))
        return CodecParam(self.default, lambda raw: by_code[raw] if raw in by_code else _bad(raw), str)

    def format_func(self) -> Callable[[Any], str]:
        if isinstance(self.names, str):
            return labels(self.names)
        if isinstance(self.names, dict):
            return lambda o: self.names.get(o, str(o))
        return self.names or str

    def widget(self, container: Any, label: str, **kwargs: Any) -> Any:
        kwargs.setdefault("format_func", self.format_func())
        options = list(kwargs.pop("options", self.options))
        if self.style == "radio":
            kwargs.setdefault("horizontal", True)
            return container.radio(label, options, **kwargs)
        if self.style == "segmented":
            return container.segmented_control(label, options, required=True, **kwargs)
        if self.style == "select_slider":
            return container.select_slider(label, options, **kwargs)
        return container.selectbox(label, options, **kwargs)


def _bad(raw: str) -> Any:
    raise ValueError(f"{raw!r} is not one of the options")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Multi(Control):
    """A non-empty, ordered selection of up to `max_items` options."""

    options: tuple[str, ...]
    names: str | dict | Callable[[str], str] | None = None
    max_items: int = 99

    @property
    def param(self) -> Param:
        return MultiParam(tuple(self.default), self.options, self.max_items)

    def widget(self, container: Any, label: str, **kwargs: Any) -> Any:
        kwargs.setdefault("format_func", Choice.format_func(self))  # type: ignore[arg-type]
        if self.max_items < len(self.options):
            kwargs.setdefault("max_selections", self.max_items)
        return container.multiselect(label, list(self.options), **kwargs)

    def cast(self, value: Any) -> Any:
        return tuple(value)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Coded(Control):
    """A value with its own text codec in the link (a list of racers); the page draws its editor."""

    decode: Callable[[str], Any]
    encode: Callable[[Any], str]

    @property
    def param(self) -> Param:
        return CodecParam(self.default, self.decode, self.encode)

    def widget(self, container: Any, label: str, **kwargs: Any) -> Any:
        raise TypeError(f"{self.key} has no widget of its own: the page draws its editor")

    def cast(self, value: Any) -> Any:
        return tuple(value) if isinstance(value, list) else value


def bind(config: type, *controls: Control) -> tuple[Control, ...]:
    """`controls` as controls of `config`: each sets the field it names, and its default is that
    field's default in `config`."""
    defaults = {f.name: _field_default(f) for f in dataclasses.fields(config)}
    bound = []
    for c in controls:
        if c.field not in defaults:
            raise ValueError(f"{c.key}: {config.__name__} has no field {c.field!r}")
        bound.append(dataclasses.replace(c, config=config, default=defaults[c.field]))
    return tuple(bound)


def _field_default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None


class Controls:
    """A page's controls, by key; the lifecycle keeps them in the link."""

    def __init__(self, *groups: Control | Sequence[Control]) -> None:
        flat = [c for g in groups for c in ((g,) if isinstance(g, Control) else g)]
        self._by_key = {c.key: c for c in flat}
        if len(self._by_key) != len(flat):
            raise ValueError("two controls share a key")

    def __iter__(self) -> Iterator[Control]:
        return iter(self._by_key.values())

    def __getitem__(self, key: str) -> Control:
        return self._by_key[key]

    def __contains__(self, key: str) -> bool:
        return key in self._by_key

    @property
    def params(self) -> dict[str, Param]:
        return {c.key: c.param for c in self}

    def draw(self, key: str, container: Any = st, **kwargs: Any) -> Any:
        """Draw the widget of control `key` in `container`."""
        return self[key].draw(container, **kwargs)

    def status(self, key: str) -> str:
        """SHOWN, HIDDEN or LOCKED (see `share_status`): for a page that draws a control's editor
        itself (a `Coded` control)."""
        return share_status(self[key].key)

    @property
    def tab(self) -> Control | None:
        """The control that picks the page's open tab or view, if it has one."""
        return next((c for c in self if getattr(c, "tab", False)), None)

    @property
    def shareable(self) -> tuple[str, ...]:
        """The keys a lesson link may hide or lock: every control but the tab."""
        return tuple(c.key for c in self if not getattr(c, "tab", False))

    def value(self, key: str) -> Any:
        """The current value of control `key` (its default until the page has read the link)."""
        control = self[key]
        return control.cast(st.session_state.get(key, control.default))

    def defaults(self, config: type, **extra: Any) -> Any:
        """`config` as the default link sets it (every control at its default): what the warm
        start computes before anyone asks."""
        values = {c.field: c.cast(c.default) for c in self if c.config is config}
        return config(**values, **extra)

    def config(self, config: type, **extra: Any) -> Any:
        """An instance of `config` with every field a control sets taken from its control, the
        rest from `extra` (the run seed, say) or the config's defaults."""
        values = {c.field: self.value(c.key) for c in self if c.config is config}
        return config(**values, **extra)
