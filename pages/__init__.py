"""The lesson registry: one line per lesson. Navigation, the home cards, the tests and the
benchmarks all derive from it.

A lesson named `x` is two packages, `core/x/` (what it computes) and `pages/x/` (how it is shown:
`page.py`, `controls.py`, `charts.py`, `texts.py`), plus its line here.

Page scripts live one level down (`pages/x/page.py`). A flat `pages/*.py` beside an entry script
that calls `st.navigation` makes Streamlit serve the first request after start-up without the
entry script (no sidebar); scripts in subfolders, and this `__init__.py`, are not picked up.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    """One lesson: its name is its URL path, its package in pages/ and core/, and the prefix of its
    controls and texts."""

    name: str
    icon: str

    @property
    def script(self) -> str:
        """The page script, relative to app.py."""
        return f"pages/{self.name}/page.py"


LESSONS: tuple[Lesson, ...] = (
    Lesson("fit", "🎯"),
    Lesson("race", "🏁"),
    Lesson("dropout", "🎲"),
    Lesson("batchnorm", "📊"),
    Lesson("activations", "📈"),
    Lesson("seq", "〰️"),
    Lesson("ae", "🗜️"),
    Lesson("gan", "🎨"),
    Lesson("mnist", "✍️"),
    Lesson("dqn", "🕹️"),
)
HOME = Lesson("home", "🏠")  # not a lesson: the cards that lead to them


def lesson(name: str) -> Lesson | None:
    """The registered lesson with this name, if any."""
    return next((x for x in LESSONS if x.name == name), None)
