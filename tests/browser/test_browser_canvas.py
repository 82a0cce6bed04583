"""Real browser: the drawing canvas (ui.canvas) is wholly visible and drawable on the screens a class
has (1024x768 and 1280x720 projectors, a 1920x1080 screen, a 390x844 phone), on both pages that
have it. At 1024x768 it used to show 134 of its 280 px."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SEVEN, UNCOVERED, canvas, draw, exceptions, wait_ready

SCREENS = [(1024, 768), (1280, 720), (1920, 1080), (390, 844)]
PREDICTION = "[data-testid='stMetric']:has-text('it is a')"


def _mnist_answered(page) -> None:
    page.locator(PREDICTION).nth(1).wait_for(timeout=30_000)


def _ae_answered(page) -> None:
    """The autoencoder page redraws the digit (a markup view: its own frame)."""
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll("iframe[title*='markup']")).some(f => {
               try { return f.contentDocument.body.innerText.includes("your digit"); }
               catch (e) { return false; } })""",
        timeout=30_000)


PAGES = {"mnist": _mnist_answered, "ae": _ae_answered}


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(PAGES))
def test_the_canvas_is_wholly_visible_and_drawable(server, browser, name, screen):
    width, height = screen
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{server}/{name}?lang=en")
        wait_ready(page, 90_000)
        surface = canvas(page, 60_000)
        page.wait_for_timeout(300)  # the scroll settles
        box = surface.bounding_box()
        assert box["width"] == box["height"] == 280
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (box, screen)
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, (box, screen)
        assert all(surface.evaluate(UNCOVERED)), "part of the canvas is hidden"
        draw(page, SEVEN)
        PAGES[name](page)
        wait_ready(page)
        assert not exceptions(page)
        assert errors == []
    finally:
        context.close()
