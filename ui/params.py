"""Typed URL parameters: parse a hand-edited query string safely, format values back for a link."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FloatParam:
    """A float in [lo, hi]."""

    default: float
    lo: float
    hi: float

    def parse(self, raw: str) -> float:
        value = float(raw)
        if not math.isfinite(value) or not self.lo <= value <= self.hi:
            raise ValueError(f"{raw!r} is not a number in [{self.lo}, {self.hi}]")
        return value

    def format(self, value: float) -> str:
        return repr(float(value))


@dataclass(frozen=True)
class IntParam:
    """An integer in [lo, hi]."""

    default: int
    lo: int
    hi: int

    def parse(self, raw: str) -> int:
        value = int(raw.strip())
        if not self.lo <= value <= self.hi:
            raise ValueError(f"{raw!r} is not an integer in [{self.lo}, {self.hi}]")
        return value

    def format(self, value: int) -> str:
        return str(int(value))


@dataclass(frozen=True)
class ChoiceParam:
    """One of a fixed set of codes (language-independent: labels are translated, codes are not)."""

    default: str
    options: tuple[str, ...]

    def parse(self, raw: str) -> str:
        if raw not in self.options:
            raise ValueError(f"{raw!r} is not one of {', '.join(self.options)}")
        return raw

    def format(self, value: str) -> str:
        return value


@dataclass(frozen=True)
class MultiParam:
    """A subset (ordered list) of a fixed set of codes, comma-separated in the URL: at least
    `min_items` of them (one, unless an empty choice means something)."""

    default: tuple[str, ...]
    options: tuple[str, ...]
    max_items: int = 99
    min_items: int = 1

    def parse(self, raw: str) -> list[str]:
        items = [s for s in raw.split(",") if s]
        if not self.min_items <= len(items) <= self.max_items or len(set(items)) != len(items):
            raise ValueError(f"{raw!r} is not a list of {self.min_items} to {self.max_items} distinct "
                             "options")
        bad = [s for s in items if s not in self.options]
        if bad:
            raise ValueError(f"unknown option(s): {', '.join(bad)}")
        return items

    def format(self, value: list[str] | tuple[str, ...]) -> str:
        return ",".join(value)


@dataclass(frozen=True)
class BoolParam:
    """true/false (also 1/0)."""

    default: bool

    def parse(self, raw: str) -> bool:
        text = raw.strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise ValueError(f"{raw!r} is not true or false")

    def format(self, value: bool) -> str:
        return "true" if value else "false"


@dataclass(frozen=True)
class CodecParam:
    """Any value with its own codec (e.g. a list of racers); `decode` raises ValueError on bad text."""

    default: Any
    decode: Callable[[str], Any]
    encode: Callable[[Any], str]

    def parse(self, raw: str) -> Any:
        return self.decode(raw)

    def format(self, value: Any) -> str:
        return self.encode(value)


@dataclass(frozen=True)
class TextParam:
    """A short free text (a teacher's note): at most `max_len` characters, no control characters."""

    default: str
    max_len: int

    def parse(self, raw: str) -> str:
        text = raw.strip()
        if len(text) > self.max_len or any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in text):
            raise ValueError(f"not a text of at most {self.max_len} plain characters")
        return text

    def format(self, value: str) -> str:
        return value


Param = FloatParam | IntParam | ChoiceParam | MultiParam | BoolParam | CodecParam | TextParam


def parse_or_default(param: Param, raw: str | None) -> tuple[Any, bool]:
    """(value, ok): the parsed value, or the default with ok=False when `raw` is present but bad."""
    if raw is None:
        return param.default, True
    try:
        return param.parse(raw), True
    except (ValueError, TypeError, OverflowError):
        return param.default, False
