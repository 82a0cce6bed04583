"""Lesson links for a class: a teacher picks which controls students see (each hidden, or shown but
locked), adds a short note, and hands out the link, with a QR code of it for the projector.

The choices are controls like any other, derived from the page's one declaration per control
(`pages/<lesson>/controls.py`): `<lesson>.hide` and `<lesson>.lock` list control keys and
`<lesson>.note` holds the note, all three kept in the link by the page lifecycle (`ui.lesson`), so a
bad value falls back to its default with the usual note. The open tab or view is the page's own
tab control (`Choice(..., tab=True)`), in the link like the rest. `ui.controls` draws a hidden
control as nothing and a locked one disabled.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from urllib.parse import quote, urlencode

import streamlit as st

from ui.controls import HIDDEN, LOCKED, Controls, hide_key, lock_key, share_status
from ui.i18n import has_text, tr
from ui.params import MultiParam, Param, TextParam
from ui.present import PRESENT_KEY

NOTE_CHARS = 200  # a note is a line or two on the projector, not a worksheet


def note_key(page: str) -> str:
    """The URL name of a lesson link's note on page `page`."""
    return f"{page}.note"


def params(page: str, controls: Controls) -> dict[str, Param]:
    """The share panel's choices on `page`, as URL parameters: what the link hides, what it locks
    (each any of the page's controls but its tab), and the note."""
    keys = controls.shareable
    return {hide_key(page): MultiParam((), keys, min_items=0),
            lock_key(page): MultiParam((), keys, min_items=0),
            note_key(page): TextParam("", NOTE_CHARS)}


def label(key: str) -> str:
    """The control's name in the share panel: its label, placeholders left out, or its `_full` text
    where the label alone does not tell it from another control (network A's and B's learning
    rate: tests/test_kit.py checks that every page's names differ)."""
    full = f"{key}_full"
    text = tr(full) if has_text(full) else tr(key) if has_text(key) else key
    text = re.sub(r"\s*[(（][^()（）]*\{[^}]*\}[^()（）]*[)）]", "", text)  # "(of {n:,})"
    return re.sub(r"\{[^}]*\}", "…", text).strip()


def header(page: str, controls: Controls) -> None:
    """Under a lesson's title: the teacher's note, and what the link hid or locked."""
    note = st.session_state.get(note_key(page))
    if note:
        st.info(note, icon="📌")
    statuses = [share_status(k) for k in controls.shareable]
    hidden, locked = statuses.count(HIDDEN), statuses.count(LOCKED)
    if hidden or locked:
        st.caption(tr("share.set_up", hidden=hidden, locked=locked))


def link(page: str) -> str:
    """The address of this run: the page with every control's value (as `write_to_url` left them
    in the URL), presenter mode left out. Absolute where the browser told its address."""
    query = {k: v for k, v in st.query_params.to_dict().items() if k != PRESENT_KEY}
    base = st.context.url or f"/{page}"
    text = urlencode(query, quote_via=quote, safe=",.")
    return f"{base}?{text}" if text else base


@lru_cache(maxsize=256)
def qr_png(text: str, scale: int = 6) -> bytes:
    """A QR code of `text` as PNG (medium error correction: it survives a projector's blur)."""
    import segno  # only when a panel is open

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=scale, border=3)
    return out.getvalue()


def panel(page: str, controls: Controls) -> None:
    """The share panel (in the sidebar, after the page ran so that the link is final): its widgets
    are built only while it is open."""
    with st.expander(tr("share.title"), key=f"{page}.share", on_change="rerun", icon="🔗") as box:
        if not box.open:
            return
        st.caption(tr("share.help"))
        options = list(controls.shareable)
        st.multiselect(tr("share.hide"), options, key=hide_key(page), format_func=label,
                       persist_state="session", placeholder=tr("share.none"))
        st.multiselect(tr("share.lock"), options, key=lock_key(page),
                       format_func=label, persist_state="session", placeholder=tr("share.none"),
                       help=tr("share.lock_help"))
        st.text_input(tr("share.note"), key=note_key(page), max_chars=NOTE_CHARS, persist_state="session",
                      placeholder=tr("share.note_placeholder"))
        tab = controls.tab
        if tab is not None:
            value = st.session_state.get(tab.key, tab.default)
            st.caption(tr("share.tab", tab=tab.format_func()(value)))
        address = link(page)
        st.code(address, language=None, wrap_lines=True)
        st.image(qr_png(address), caption=tr("share.qr"), width=200)
        if st.button(tr("share.large"), key=f"{page}.share.large", icon="🔳"):
            show_qr(page)


@st.dialog(" ", width="large")
def _qr_dialog(address: str) -> None:
    st.image(qr_png(address, scale=12), width="stretch")
    st.code(address, language=None, wrap_lines=True)


def show_qr(page: str) -> None:
    """The link's QR code as large as the screen allows, for the class to scan."""
    _qr_dialog(link(page))
