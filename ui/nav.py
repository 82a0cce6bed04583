"""The list of pages, shared by the navigation (app.py) and the home page's cards."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    name: str  # URL path and prefix of the page's translation keys and widget keys
    icon: str


# Page scripts live in app_pages/, not pages/: with st.navigation, a folder named pages/ makes
# Streamlit run the first request after start-up without the entry script (no sidebar).
COMPARISONS = (
    PageInfo("race", "🏁"),
    PageInfo("dropout", "🎲"),
    PageInfo("batchnorm", "📊"),
    PageInfo("activations", "📈"),
    PageInfo("mnist", "✍️"),
)


def script(name: str) -> str:
    """The page script's path, relative to app.py."""
    return f"app_pages/{name}.py"
