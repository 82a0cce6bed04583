"""Small result tables drawn as Markdown.

st.table's browser code is fetched on first use, and the page's charts wait for it; a Markdown
table is drawn with the code that renders the page's text, so it costs the first view nothing.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(df: pd.DataFrame) -> str:
    """`df` with its index as the first column; numeric columns right-aligned."""
    header = [_cell(df.index.name or ""), *(_cell(c) for c in df.columns)]
    align = ["---", *("---:" if pd.api.types.is_numeric_dtype(df[c]) else "---" for c in df.columns)]
    rows = [[_cell(i), *(_cell(v) for v in row)] for i, row in zip(df.index, df.itertuples(index=False))]
    return "\n".join("| " + " | ".join(r) + " |" for r in [header, align, *rows])


def table(df: pd.DataFrame) -> None:
    """Draw `df` (indexed by its first column) as a Markdown table."""
    st.markdown(to_markdown(df))
