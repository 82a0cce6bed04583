"""Results that ship with the code: the first views that take seconds to compute, so that the first
students after a cold start do not wait for them. A server on Community Cloud wakes with an empty
disk, and thirty students open their pages within seconds of its health check answering; the GAN's
painter (two trainings of 5,000 iterations) and the DQN's four agents take 3-5 s each on one core,
the other first views well under a second.

`scripts/ship_results.py` computes them (`core.runs.run(config, "cpu")`, one torch thread) and
writes one file per lesson in `core/compute/shipped/`, named by a digest of the run's key and of the
code that computes it: the lesson's package and every module of `core` it imports, directly or not
(`core.compute` aside: it moves results and never changes them). A change to that code makes the
file stale: it is no longer found, the run is computed as any other, and tests/test_shipped.py
fails until the file is made again. A shipped result is the run's own result, pickled (these files
are part of the code, read only from this folder).
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import platform
import re
from collections.abc import Hashable
from functools import cache
from pathlib import Path
from typing import Any

log = logging.getLogger("playground.compute")

CORE = Path(__file__).resolve().parent.parent
FOLDER = Path(__file__).resolve().parent / "shipped"
LESSONS = ("gan", "dqn")  # whose first view ships: the two that take more than 3 s here


def lesson_of(key: Hashable) -> str | None:
    """The lesson package (`core.<lesson>`) of a lesson run's key `(name, (config, device))`."""
    try:
        config = key[1][0]
    except (TypeError, IndexError, KeyError):
        return None
    parts = type(config).__module__.split(".")
    return parts[1] if len(parts) >= 2 and parts[0] == "core" and parts[1] != "compute" else None


def _module_files(name: str) -> list[Path]:
    """The files of module `core.x.y` (a package's every file)."""
    rel = Path(*name.split(".")[1:])
    package = CORE / rel
    if package.is_dir():
        return sorted(package.rglob("*.py"))
    file = CORE / rel.with_suffix(".py")
    return [file] if file.is_file() else []


# `from core.x import ...`, `import core.x`, `from core import x, y`, at any indent. Read as text: a
# server parsing with `ast` in one thread while Streamlit compiles a page in another can meet
# CPython 3.11's "AST constructor recursion depth mismatch".
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(core\.[\w.]+)[ \t]+import|import[ \t]+(core\.[\w.]+)"
                     r"|from[ \t]+core[ \t]+import[ \t]+([\w, \t]+))", re.MULTILINE)


def _imports(path: Path) -> set[str]:
    """The `core.*` modules `path` imports (at any depth of the file), `core.compute` aside."""
    found = set()
    for dotted, plain, names in _IMPORT.findall(path.read_text()):
        if dotted or plain:
            found.add(dotted or plain)
        else:
            found |= {f"core.{n.strip()}" for n in names.split(",") if n.strip()}
    return {n for n in found if not n.startswith("core.compute")}


@cache
def lesson_version(lesson: str) -> str:
    """A digest of the code that computes `lesson`'s runs: its package and, transitively, every
    module of core it imports."""
    todo, seen, files = [f"core.{lesson}"], set(), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for path in _module_files(name):
            if path not in files:
                files.add(path)
                todo.extend(_imports(path))
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.relative_to(CORE).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def path_for(key: Hashable, folder: Path = FOLDER) -> Path | None:
    """Where the shipped result of `key` lies, if it is a lesson run's."""
    lesson = lesson_of(key)
    if lesson is None:
        return None
    digest = hashlib.sha256(f"{lesson_version(lesson)}|{key!r}".encode()).hexdigest()[:24]
    return folder / f"{lesson}-{digest}.pkl"


def machine() -> str:
    """What computed a result: the CPU and torch (a run is bit-for-bit the same on the same pair)."""
    import torch

    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                      if line.startswith("model name")), "")
    return f"{model or platform.processor() or platform.machine()} | torch {torch.__version__}"


def load(key: Hashable, folder: Path = FOLDER) -> tuple[Any, dict] | None:
    """(result, what the file says of it) for `key`, if a current one ships; else None."""
    if lesson_of(key) not in LESSONS:  # nothing else ships: no digest of its code to take
        return None
    path = path_for(key, folder)
    if path is None or not path.is_file():
        return None
    try:
        content = pickle.loads(path.read_bytes())
        if content["key"] != repr(key):  # a digest collision, or a file renamed by hand
            return None
        return content["value"], {k: v for k, v in content.items() if k != "value"}
    except Exception as exc:  # noqa: BLE001 (a damaged file: computed as any other run)
        log.warning("shipped result %s not read: %s", path.name, exc)
        return None


def save(key: Hashable, value: Any, seconds: float, folder: Path = FOLDER) -> Path:
    """Write the shipped result of `key`, computed in `seconds`."""
    path = path_for(key, folder)
    if path is None:
        raise ValueError(f"not a lesson run: {key!r}")
    folder.mkdir(parents=True, exist_ok=True)
    content = {"key": repr(key), "version": lesson_version(lesson_of(key)), "seconds": seconds,
               "machine": machine(), "value": value}
    path.write_bytes(pickle.dumps(content, protocol=pickle.HIGHEST_PROTOCOL))
    return path
