"""The classroom kit in Chromium: a teacher's flow from setting a lesson up to presenting it, every
page at four screen sizes, and the exports opened as a user would open them."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from bench.browser import SIZES, exceptions, layout_problems, wait_ready
from pages import LESSONS

SIDEBAR = "[data-testid='stSidebar']"
STEP = re.compile(r"step (\d+) of 500")  # the dropout replay's caption


def _whole(pg, timeout_ms: float = 120_000) -> None:
    """The page's run finished and the rest after the first view too (ui.deferred)."""
    wait_ready(pg, timeout_ms)
    time.sleep(1.5)  # the first view's timer asks for the rest a second later
    wait_ready(pg, timeout_ms)


def _step(pg) -> int:
    return int(STEP.findall(pg.locator("[data-testid='stMain']").inner_text())[-1])


def _pick(pg, label: str, options: list[str]) -> None:
    """Choose `options` in the multiselect labelled `label` (as a user types and presses Enter)."""
    box = pg.locator(f"{SIDEBAR} [data-testid='stMultiSelect']").filter(has_text=label)
    for option in options:
        box.locator("input").click()
        box.locator("input").fill(option)
        pg.get_by_role("option", name=option).first.click()
        wait_ready(pg)
    pg.keyboard.press("Escape")


# --- a teacher's flow ---------------------------------------------------------------------------------

def test_teacher_sets_up_a_link_and_presents_it(server, browser):
    teacher = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = teacher.new_page()
    pg.goto(f"{server}/dropout?seed=3")
    _whole(pg)
    # set it up: a lower dropout rate (the slider's value, by keyboard)
    rate = pg.locator("[data-testid='stSlider']").filter(has_text="Dropout rate p").get_by_role("slider")
    rate.focus()
    for _ in range(4):
        pg.keyboard.press("ArrowLeft")  # 0.50 -> 0.30, a step of 0.05 each
    wait_ready(pg)
    _whole(pg)
    assert "dropout.rate=0.3" in pg.url
    # the share panel: hide three controls, lock one, a note
    pg.locator(SIDEBAR).get_by_text("Share this lesson").click()
    wait_ready(pg)
    _pick(pg, "Hide these controls", ["Training points", "Noise (std of y)", "Hidden width"])
    _pick(pg, "Show these controls, locked", ["Iterations"])
    note = pg.locator(f"{SIDEBAR} [data-testid='stTextInput'] input")
    note.fill("Who wins on fresh points?")
    note.press("Enter")
    wait_ready(pg)
    link = pg.locator(f"{SIDEBAR} [data-testid='stCode']").first.inner_text().strip()
    assert link.startswith(server) and "dropout.hide=" in link and "dropout.lock=dropout.iters" in link
    assert pg.locator(f"{SIDEBAR} [data-testid='stImage'] img").count() >= 1  # the QR code
    table = pg.locator("[data-testid='stMain'] table").first.inner_text()

    # a student opens it in a fresh browser
    student = browser.new_context(viewport={"width": 1280, "height": 900})
    spg = student.new_page()
    spg.goto(link)
    _whole(spg)
    main = spg.locator("[data-testid='stMain']")
    main.get_by_text("Who wins on fresh points?").wait_for(timeout=30_000)  # the teacher's note
    for hidden in ("Training points", "Noise (std of y)", "Hidden width"):
        assert main.get_by_text(hidden, exact=True).count() == 0, hidden
    iterations = main.locator("[data-testid='stSlider']").filter(has_text="Iterations")
    assert iterations.locator("[disabled]").count() > 0  # locked: shown, not changeable
    assert main.locator("[data-testid='stSlider']").filter(has_text="Dropout rate p").count() == 1
    assert spg.locator("[data-testid='stMain'] table").first.inner_text() == table  # the same run
    assert exceptions(spg) == []
    student.close()

    # presenter mode at 1024x768: no sidebar, bigger type, and the replay on the keyboard
    pg.set_viewport_size({"width": 1024, "height": 768})
    pg.locator(SIDEBAR).get_by_text("Presenter mode").click()
    wait_ready(pg)
    pg.locator(SIDEBAR).wait_for(state="hidden", timeout=15_000)
    assert "present=true" in pg.url
    assert pg.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") > 18
    pg.mouse.click(5, 400)  # the page has the focus, no widget
    last = _step(pg)
    pg.keyboard.press("ArrowLeft")
    pg.wait_for_function(f"() => !document.body.innerText.includes('step {last} of 500')", timeout=30_000)
    wait_ready(pg)
    back = _step(pg)
    assert back < last
    pg.keyboard.press("ArrowRight")
    pg.wait_for_function(f"() => document.body.innerText.includes('step {last} of 500')", timeout=30_000)
    pg.keyboard.press("ArrowLeft")
    pg.keyboard.press("ArrowLeft")
    wait_ready(pg)
    pg.keyboard.press(" ")  # plays from there to the end
    pg.wait_for_function(f"() => document.body.innerText.includes('step {last} of 500')", timeout=60_000)
    assert layout_problems(pg) == []
    pg.keyboard.press("Escape")  # leaves presenter mode
    pg.locator(SIDEBAR).wait_for(state="visible", timeout=15_000)
    assert exceptions(pg) == []
    teacher.close()


# --- every page at every size ------------------------------------------------------------------------

ORDER = ("1024x768", "1280x720", "1920x1080", "390x844")  # desktop first: the sidebar starts open


@pytest.mark.parametrize("path", ["", *(x.name for x in LESSONS)], ids=lambda p: p or "home")
def test_every_page_fits_every_screen(server, browser, path):
    """Nothing cut and nothing scrolling sideways (bench.browser.LAYOUT_PROBLEMS) at each size: the
    page opened at 1024x768, then its window resized to each other size (the charts and the layout
    follow the window, as they do for a user who resizes it)."""
    context = browser.new_context(viewport=dict(zip(("width", "height"), SIZES[ORDER[0]])))
    pg = context.new_page()
    pg.goto(f"{server}/{path}")
    _whole(pg)
    problems = {}
    for size in ORDER:
        width, height = SIZES[size]
        pg.set_viewport_size({"width": width, "height": height})
        time.sleep(1.0)  # the charts redrawn at the new width
        problems[size] = layout_problems(pg)
    assert problems == {size: [] for size in ORDER}
    assert exceptions(pg) == []
    context.close()


# --- exports ------------------------------------------------------------------------------------------

def test_exports_open_in_pandas_and_as_an_image(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.goto(f"{server}/dropout?seed=1")
    _whole(pg)
    # each chart as PNG: the chart's own toolbar
    chart = pg.locator("[data-testid='stElementContainer']").filter(
        has=pg.locator("[data-testid='stVegaLiteChart']")).nth(2)  # the loss chart
    chart.hover()
    with pg.expect_download() as png:
        chart.locator("button[aria-label='Download as PNG']").dispatch_event("click")
    image = Image.open(png.value.path())
    assert image.format == "PNG" and image.size[0] > 200 and image.size[1] > 100
    # each chart's data, and the whole run
    pg.get_by_text("Export", exact=True).click()
    wait_ready(pg)
    panel = pg.locator("[data-testid='stExpander']").filter(has_text="The whole run (JSON)")
    with pg.expect_download() as csv:
        panel.get_by_role("button", name=re.compile("Train \\(solid\\) and test")).click()  # the loss chart
    frame = pd.read_csv(csv.value.path())
    assert len(frame) > 500 and {"step", "mse"} <= set(frame.columns)  # both nets' curves, every step
    with pg.expect_download() as run:
        panel.get_by_role("button", name="The whole run (JSON)").click()
    doc = json.loads(Path(run.value.path()).read_text())
    assert doc["lesson"] == "dropout" and doc["seed"] == 1 and doc["config"]["dropout"] == 0.5
    assert len(doc["result"]["train_mse"][0]) == 500
    assert exceptions(pg) == []
    context.close()
