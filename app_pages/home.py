"""Home page: what the playground is, and a card per comparison."""

import streamlit as st

from ui.guard import run_guarded
from ui.i18n import tr
from ui.nav import COMPARISONS, script


def render() -> None:
    st.title(f"🔥 {tr('app.title')}")
    st.markdown(f"**{tr('app.tagline')}**  \n{tr('home.intro')}")
    per_row = 3
    for start in range(0, len(COMPARISONS), per_row):
        columns = st.columns(per_row)
        for column, page in zip(columns, COMPARISONS[start:start + per_row]):
            with column.container(border=True, height="stretch"):
                st.markdown(f"#### {page.icon} {tr(f'{page.name}.title')}")
                st.write(tr(f"{page.name}.intro"))
                st.page_link(script(page.name), label=tr("home.open"), icon="➡️")
    st.caption(tr("home.offline"))


run_guarded(render)
