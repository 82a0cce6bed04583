"""Small helpers for the pages' own SVG views (drawn with `ui.charts.markup`): a document, one
element, a text, and the document shown as an image across its column; the fit lesson's networks
and timeline, the DQN lesson's carts and the GAN lesson's painter use them."""

from __future__ import annotations


def svg(width: float, height: float, body: str) -> str:
    """A standalone SVG document of that size."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">{body}</svg>')


def as_image(document: str, name: str, max_width: float) -> str:
    """An SVG document to show inline, across its column up to `max_width` px, with class `name`.
    (Shown instead as an <img> of a data URL, Chromium spent more per update, not less:
    344 ms against 279 ms, `bench.fit --browser`, one run each.)"""
    return document.replace("<svg ", f'<svg class="{name}" style="width:100%;height:auto;'
                                     f'max-width:{max_width:.0f}px;display:block" ', 1)


def el(tag: str, text: str | None = None, **attrs: object) -> str:
    """One SVG element; attribute names take "-" for "_" (stroke_width -> stroke-width)."""
    body = " ".join(f'{k.rstrip("_").replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f"<{tag} {body}/>" if text is None else f"<{tag} {body}>{text}</{tag}>"


def text(x: float, y: float, content: object, size: int = 12, anchor: str = "middle", **attrs: object) -> str:
    """A text element at (x, y), sans-serif."""
    return el("text", str(content), x=f"{x:.1f}", y=f"{y:.1f}", text_anchor=anchor, font_size=size,
              font_family="sans-serif", **attrs)
