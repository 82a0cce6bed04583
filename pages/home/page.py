"""Home page: what the playground is, and a card per comparison."""

import streamlit as st

from pages import LESSONS
from ui.i18n import tr


def render() -> None:
    st.title(f"🔥 {tr('app.title')}")
    st.markdown(f"**{tr('app.tagline')}**  \n{tr('home.intro', n=len(LESSONS))}")
    per_row = 3
    for start in range(0, len(LESSONS), per_row):
        columns = st.columns(per_row)
        for column, page in zip(columns, LESSONS[start:start + per_row]):
            with column.container(border=True, height="stretch"):
                st.markdown(f"#### {page.icon} {tr(f'{page.name}.title')}")
                st.write(tr(f"{page.name}.intro"))
                st.page_link(page.script, label=tr("home.open"), icon="➡️")
    st.caption(tr("home.offline"))


render()
