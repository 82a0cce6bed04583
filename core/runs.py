"""Every lesson computation is `run(config)`: one function per config class, registered with `@runs`.

A config is a frozen dataclass, so a run is a pure function of it (and of the device): the one key
that caches and shares results. Each lesson's package registers its runs when it is imported,
which importing its config class does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

Runner = Callable[[Any, str], Any]
R = TypeVar("R", bound=Runner)
_RUNNERS: dict[type, Runner] = {}
_MANY: dict[type, Callable[[list, str], list]] = {}


def runs(config_class: type) -> Callable[[R], R]:
    """Register the decorated `fn(config, device) -> result` as the run of `config_class`."""
    def register(fn: R) -> R:
        if config_class in _RUNNERS:
            raise ValueError(f"{config_class.__name__} already has a run")
        _RUNNERS[config_class] = fn
        return fn
    return register


def run(config: Any, device: str = "cpu") -> Any:
    """Compute `config` on `device` with the run registered for its class."""
    try:
        fn = _RUNNERS[type(config)]
    except KeyError:
        raise TypeError(f"no run is registered for {type(config).__name__}") from None
    return fn(config, device)


def runs_many(config_class: type) -> Callable[[Callable], Callable]:
    """Register `fn(configs, device) -> results`: configs of `config_class` that differ only by
    their seed, computed together (one stacked run) with each result exactly its own `run`'s."""
    def register(fn: Callable) -> Callable:
        _MANY[config_class] = fn
        return fn
    return register


def batchable(config: Any) -> bool:
    """Whether configs like this one can be computed together (see `runs_many`)."""
    return type(config) in _MANY


def run_many(configs: list, device: str = "cpu") -> list:
    """`[run(c, device) for c in configs]`, as one stacked run where the class has one."""
    fn = _MANY.get(type(configs[0]))
    if fn is None or len(configs) == 1:
        return [run(c, device) for c in configs]
    return fn(configs, device)
