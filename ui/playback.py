"""Start / stop / step / reset and a timeline slider that replay a finished run frame by frame.

The run itself is computed first (fast, cached); playback animates its recorded frames inside a
fragment that reruns on a timer, so the page script does not rerun while the curves grow.
In presenter mode the page's first replay is on the keyboard: space starts and stops it, the
left and right arrow keys step one frame (Streamlit's button shortcuts).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ui.i18n import tr
from ui.present import presenting

FPS = 8.0  # chart updates asked for per second while playing (Altair pages: the browser shows 5-6 here)
PLAY_SECONDS = 8.0  # an animation lasts about this long, whatever the number of frames
_KEYS = "_play.keys"  # session_state: the replay that has the keyboard in this page run


def start_page() -> None:
    """A page run begins: its first replay takes the keyboard (in presenter mode)."""
    st.session_state[_KEYS] = None


def _has_keys(key: str) -> bool:
    """Whether the replay `key` answers the keyboard: in presenter mode, the page run's first."""
    if not presenting():
        return False
    if st.session_state.get(_KEYS) is None:
        st.session_state[_KEYS] = key
    return st.session_state.get(_KEYS) == key


def playback(key: str, n_frames: int, draw: Callable[[int], None], *, step: str | None = None,
             fps: float = FPS, seconds: float = PLAY_SECONDS) -> int:
    """Controls plus `draw(frame)` for frame in 0..n_frames-1; opens on the last (complete) frame.

    `key` is the page's namespace (e.g. "race.play"); returns the frame shown. Start, Stop, Step
    (one frame forward, paused; `step` is its label, "⏭ Step" by default), Reset and a timeline.
    `fps`: updates asked for per second while playing (a page whose views are light asks more);
    `seconds`: about how long playing from start to end lasts (a page's speed setting).

    Only a full run starts or stops the timer (the browser drops its timers when a full run
    starts), so Start, Stop, Reset and the last frame each ask for one. The view is one of two
    fragments, `_playing` (with the timer) or `_paused`: their ids differ, so a timer rerun the
    browser sent before it saw Stop's full run names a fragment that run no longer registered,
    and Streamlit skips it. Under load such a late rerun used to run the paused view with the
    browser's older list of cached messages and a stale timeline value (which moved the frame
    back): it could refer to a chart the browser had already evicted, and the page died with
    "Cached ForwardMsg MISS".
    """
    last = max(n_frames - 1, 0)
    frame_key, playing_key, slider_key = f"{key}.frame", f"{key}.playing", f"{key}.slider"
    if st.session_state.get(f"{key}.n") != n_frames:  # a new run: show it complete
        st.session_state[f"{key}.n"] = n_frames
        st.session_state[frame_key] = last
        st.session_state[playing_key] = False
    playing = bool(st.session_state.get(playing_key))
    stride = max(1, round(n_frames / (fps * seconds)))

    def _set(frame: int | None, play: bool) -> None:
        """The buttons' callback: the click's own rerun becomes the one full rerun."""
        if frame is not None:
            st.session_state[frame_key] = frame
        st.session_state[playing_key] = play
        st.rerun(scope="app")

    def _start() -> None:
        at_end = int(st.session_state.get(frame_key, last)) >= last
        _set(0 if at_end else None, True)

    def _next() -> None:
        _set(min(int(st.session_state.get(frame_key, last)) + 1, last), False)

    def _back() -> None:
        _set(max(int(st.session_state.get(frame_key, last)) - 1, 0), False)

    def _on_slide() -> None:
        # The browser sends back the last value it showed, and it lags: a timer rerun sent before
        # the browser drew Start's run still carries the paused timeline's value. Only a paused
        # timeline is the user's.
        if not st.session_state.get(playing_key):
            st.session_state[frame_key] = st.session_state[slider_key]

    def _view() -> None:
        frame = min(int(st.session_state.get(frame_key, last)), last)
        if st.session_state.get(playing_key):
            frame = min(frame + stride, last)
            st.session_state[frame_key] = frame
        # The buttons as wide as their labels, the timeline in the rest of the row (below them
        # where the row is too narrow): fixed columns cut the labels at 1024 px.
        row = st.container(horizontal=True, vertical_alignment="bottom")
        keys = _has_keys(key)
        space = "Space" if keys else None
        row.button(tr("play.start"), key=f"{key}.start", disabled=n_frames < 2, on_click=_start,
                   shortcut=None if playing else space)
        row.button(tr("play.stop"), key=f"{key}.stop", disabled=not playing, on_click=_set,
                   args=(None, False), shortcut=space if playing else None)
        row.button(tr("play.back"), key=f"{key}.back", help=tr("play.back_help"),
                   disabled=n_frames < 2 or frame <= 0, on_click=_back, shortcut="Left" if keys else None)
        row.button(step or tr("play.next"), key=f"{key}.next", help=tr("play.next_help"),
                   disabled=n_frames < 2 or frame >= last, on_click=_next, shortcut="Right" if keys else None)
        row.button(tr("play.reset"), key=f"{key}.reset", on_click=_set, args=(0, False))
        # While playing, the timeline only shows the frame, under a key of its own, so that a late
        # value of it, arriving once paused, is not taken for a slide either.
        shown_key = f"{key}.shown" if playing else slider_key
        # Set on every run, equal or not: Streamlit then sends the value with the slider. Only set
        # when it changed, a run that left it alone sent the slider's default (0), and a slider
        # the browser drew anew from that run showed 0 (CI, under load: the timeline read 0 on a
        # finished run).
        st.session_state[shown_key] = frame
        if n_frames >= 2:  # a one-frame run has no timeline (a slider from 0 to 0 raises)
            with row.container(width="stretch", key=f"{key}.timeline"):
                st.slider(tr("play.timeline"), 0, last, key=shown_key, disabled=playing,
                          on_change=None if playing else _on_slide)
        draw(frame)
        if st.session_state.get(playing_key) and frame >= last:
            st.session_state[playing_key] = False
            st.rerun(scope="app")

    @st.fragment(run_every=1.0 / fps)
    def _playing() -> None:
        _view()

    @st.fragment
    def _paused() -> None:
        _view()

    (_playing if playing else _paused)()
    return int(st.session_state.get(frame_key, last))
