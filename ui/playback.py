"""Start / stop / reset and a timeline slider that replay a finished run frame by frame.

The run itself is computed first (fast, cached); playback animates its recorded frames inside a
fragment that reruns on a timer, so the page script does not rerun while the curves grow.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ui.i18n import tr

FPS = 8.0  # chart updates asked for per second while playing (the browser shows 5-6 here)
PLAY_SECONDS = 8.0  # an animation lasts about this long, whatever the number of frames


def playback(key: str, n_frames: int, draw: Callable[[int], None]) -> int:
    """Controls plus `draw(frame)` for frame in 0..n_frames-1; opens on the last (complete) frame.

    `key` is the page's namespace (e.g. "race.play"); returns the frame shown.
    """
    last = max(n_frames - 1, 0)
    frame_key, playing_key, slider_key = f"{key}.frame", f"{key}.playing", f"{key}.slider"
    if st.session_state.get(f"{key}.n") != n_frames:  # a new run: show it complete
        st.session_state[f"{key}.n"] = n_frames
        st.session_state[frame_key] = last
        st.session_state[playing_key] = False
    playing = bool(st.session_state.get(playing_key))
    stride = max(1, round(n_frames / (FPS * PLAY_SECONDS)))

    def _on_slide() -> None:
        st.session_state[frame_key] = st.session_state[slider_key]

    @st.fragment(run_every=1.0 / FPS if playing else None)
    def _view() -> None:
        frame = min(int(st.session_state.get(frame_key, last)), last)
        if st.session_state.get(playing_key):
            frame = min(frame + stride, last)
            st.session_state[frame_key] = frame
        c1, c2, c3, c4 = st.columns([1, 1, 1, 5], vertical_alignment="bottom")
        if c1.button(tr("play.start"), key=f"{key}.start", disabled=n_frames < 2):
            if frame >= last:
                st.session_state[frame_key] = 0
            st.session_state[playing_key] = True
            st.rerun(scope="app")
        if c2.button(tr("play.stop"), key=f"{key}.stop", disabled=not playing):
            st.session_state[playing_key] = False
            st.rerun(scope="app")
        if c3.button(tr("play.reset"), key=f"{key}.reset"):
            st.session_state[frame_key] = 0
            st.session_state[playing_key] = False
            st.rerun(scope="app")
        if st.session_state.get(slider_key) != frame:
            st.session_state[slider_key] = frame
        with c4:
            st.slider(tr("play.timeline"), 0, last, key=slider_key, on_change=_on_slide,
                      disabled=n_frames < 2 or bool(st.session_state.get(playing_key)))
        draw(frame)
        if st.session_state.get(playing_key) and frame >= last:
            st.session_state[playing_key] = False
            st.rerun(scope="app")

    _view()
    return int(st.session_state.get(frame_key, last))
