"""The drawing canvas the lessons share (MNIST, the autoencoder, the GAN's target): a black square to
draw on with the mouse or a finger, always wholly visible; a digit as MNIST would have it
(core.mnist.preprocess), or the ink itself.

The canvas has a fixed size in pixels. In a column narrower than that it was clipped: at 1024x768
the MNIST page showed 134 of its 280 px, at 1400x1000 230. Here it sits in a box of its own width,
in a row that puts the rest of the section beside it where there is room and below it where there
is not (a phone); tests/browser/test_browser_canvas.py checks four screen sizes on both pages.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from core.mnist import preprocess

SIZE = 280  # the canvas's side in px
STROKE = 22  # brush width in px (on 280 px, about MNIST's stroke width for a digit filling it)


def canvas_row() -> tuple[Any, Any]:
    """(canvas box, the rest): a row whose first box is exactly the canvas's width and whose
    second takes what is left beside it, or the row's whole width below it where too little is
    left (Streamlit's horizontal containers wrap)."""
    row = st.container(horizontal=True, gap="medium")
    return row.container(width=SIZE), row.container(width="stretch")


def _draw(key: str, help_text: str | None, stroke: int) -> np.ndarray | None:
    """The canvas (in the current container, with room above for its toolbar) and its RGBA
    picture (SIZE, SIZE, 4) uint8, None while empty."""
    from streamlit_drawable_canvas import st_canvas  # only inside a Streamlit run

    st.space("medium")  # the canvas toolbar floats above the canvas
    canvas = st_canvas(stroke_width=stroke, stroke_color="#FFFFFF", background_color="#000000",
                       height=SIZE, width=SIZE, drawing_mode="freedraw", return_image_data=True,
                       update_streamlit=True, key=key)
    if help_text:
        st.caption(help_text)
    return None if canvas is None or canvas.image_data is None else canvas.image_data


def draw_digit(key: str, help_text: str | None = None) -> np.ndarray | None:
    """The canvas and what is drawn on it, preprocessed as MNIST's digits were: (28, 28) float32
    in [0, 1], None while empty."""
    image = _draw(key, help_text, STROKE)
    return None if image is None else preprocess(image)


def draw_ink(key: str, help_text: str | None = None, stroke: int = 8) -> np.ndarray | None:
    """The canvas with a thin brush, and its ink: (SIZE, SIZE) float32 in [0, 1] (white strokes
    on black), None while empty. The GAN lesson draws a target distribution with it."""
    image = _draw(key, help_text, stroke)
    return None if image is None else image[..., :3].max(axis=-1).astype(np.float32) / 255.0
