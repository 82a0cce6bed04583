"""Benchmark of the fit page: the lesson's run vs the tutorial's plain loop, and what one play update costs.

    .venv/bin/python -m bench.fit [--repeats 5] [--browser] [--no-server]

1. Compute. `run(FitConfig(...))` for the default config (the regression tutorial 301: 1-10-1 ReLU,
   SGD lr 0.2, 200 full-batch steps, A and B) and for the play target (circle, 500 points, A and B
   3x8, 100 epochs, B in batches of 32), interleaved in one process with the tutorial's plain loop
   (a hand-written nn.Sequential and SGD over the same data and steps, nothing recorded); medians
   and the ratio, so a busy machine slows both alike.
2. One play update, in process: what the page's `_draw` builds for a frame of the play target
   (for A and B: `pages.fit.charts.network_svg`, the graph, output and confusion matrix; the loss
   timeline and its legend once), over every frame of the run, `--repeats` times.
3. The real server over its websocket protocol (one session, as bench.classroom's students): open
   the play target's link, click Start, then tick the play fragment's timer as a browser does
   (at its interval); per update, the time from the rerun sent to its script_finished and the bytes
   received (the last one also reruns the whole page); the server process's CPU seconds (/proc) per
   update. The server runs without its warm start and is left to settle after the first open, so
   nothing else computes meanwhile.
4. --browser: headless Chromium plays the same link, `--repeats` times (Reset between plays); in
   the page, the epoch counter is polled every 10 ms for up to 5 s of play, and its changes per
   second are the updates shown; with the server's CPU per update it served (the epochs advanced
   / the stride) and Chromium's CPU per update shown.

The issue's targets (2 cores, both networks together): play shows >= 8 updates a second with both
nets 3x8 on 500 points, heatmaps included; one update costs the server <= 60 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from core.device import setup_threads
from core.fit import (
    CLASSIFICATION,
    SIDES,
    FitConfig,
    FitResult,
    batch_of,
    inputs_of,
    make_data,
)
from core.fit.data import featurize, task
from core.runs import run

PLAY_CONFIG = FitConfig(dataset="circle", n_points=500, epochs=100, a_layers=3, a_units=8, b_layers=3,
                        b_units=8, b_batch_size=32)
CASES = {
    "default (301: 1-10-1 ReLU, SGD 0.2, 200 full-batch steps; A and B)": FitConfig(),
    "play target (circle, 500 points, A and B 3x8, 100 epochs, B batch 32)": PLAY_CONFIG,
}
TARGET_UPDATES_PER_S = 8.0
TARGET_UPDATE_MS = 60.0
POLL_MS, WINDOW_S = 10, 5.0  # the browser's counter poll, and the longest stretch of play measured
COUNTER_JS = """() => { const h = [...document.querySelectorAll("[data-testid='stMain'] h3")]
    .find(e => e.textContent.includes("Epoch")); return h ? h.textContent : ""; }"""


def _timed(fn: Callable[..., object], *args: object) -> float:
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


def _p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


# ---- 1. compute: ours vs the tutorial's plain loop ---------------------------------------------------

def plain_net(n_in: int, layers: int, units: int, n_out: int) -> nn.Sequential:
    """The tutorial's network: Linear and ReLU, PyTorch's own initialisation."""
    widths = [n_in] + [units] * layers + [n_out]
    modules: list[nn.Module] = []
    for fan_in, fan_out in zip(widths, widths[1:]):
        modules += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*modules[:-1])


def plain_loop(config: FitConfig) -> None:
    """The tutorial's loop for A and B on the lesson's data: full batch as 301 writes it, mini-batches
    with a shuffling DataLoader as 305 does; no frames, no evaluation, no .item()."""
    data = make_data(config)
    classify = task(config.dataset) == CLASSIFICATION
    for side in SIDES:
        spec = config.net(side)
        if (spec.activation, spec.optimizer, spec.regularization) != ("relu", "sgd", "none"):
            raise ValueError("the plain loop is ReLU and SGD without a penalty")
        features = inputs_of(config, side)
        x = featurize(data.x_train, features)
        y = data.y_train if classify else data.y_train.unsqueeze(1)
        net = plain_net(len(features), spec.layers, spec.units, 2 if classify else 1)
        optimizer = torch.optim.SGD(net.parameters(), lr=spec.lr)
        loss_fn = nn.CrossEntropyLoss() if classify else nn.MSELoss()
        batch = batch_of(config, side)
        loader = [(x, y)] if batch >= len(x) else DataLoader(TensorDataset(x, y), batch_size=batch,
                                                               shuffle=True)
        for _ in range(config.epochs):
            for bx, by in loader:
                loss = loss_fn(net(bx), by)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()


def bench_compute(cases: dict[str, FitConfig], repeats: int) -> dict[str, tuple[float, float]]:
    """case -> (median plain seconds, median ours), measured interleaved; printed."""
    for config in cases.values():  # warm-up: first-call costs
        plain_loop(config)
        run(config)
    times: dict[tuple[str, str], list[float]] = {(n, k): [] for n in cases for k in ("plain", "ours")}
    for i in range(repeats):
        for name, config in cases.items():
            config = dataclasses.replace(config, seed=i)
            times[name, "plain"].append(_timed(plain_loop, config))
            times[name, "ours"].append(_timed(run, config))
    medians = {}
    for name in cases:
        plain, ours = (statistics.median(times[name, k]) for k in ("plain", "ours"))
        medians[name] = (plain, ours)
        runs = ", ".join(f"{v:.2f}" for v in times[name, "ours"])
        print(f"  {name}:\n    plain loop {plain:.3f} s, ours (every frame recorded) {ours:.3f} s "
              f"[{runs}], ours/plain {ours / plain:.1f}x")
    return medians


# ---- 2. one play update, in process ---------------------------------------------------------------

def draw_frame(result: FitResult, frame: int) -> tuple[dict[str, float], int]:
    """What the page's `_draw` builds for `frame`: seconds per part, and bytes of markup."""
    from pages.fit.charts import Labels, legend_html, loss_svg, network_svg
    from ui.theme import chart_labels

    parts: dict[str, float] = {}
    markup: list[str] = []

    def timed(name: str, fn: Callable[..., object], *args: object, **kwargs: object):
        t = time.perf_counter()
        out = fn(*args, **kwargs)
        parts[name] = parts.get(name, 0.0) + time.perf_counter() - t
        if isinstance(out, str):
            markup.append(out)
        return out

    labels = chart_labels(Labels, "fit.chart", language="en")
    for side in SIDES:
        timed("network_svg", network_svg, result, side, frame, labels)
    timed("loss_svg", loss_svg, result, frame, labels)
    timed("loss_svg", legend_html, {s: f"Network {s.upper()}" for s in SIDES}, labels)
    return parts, sum(len(m.encode()) for m in markup)


@dataclass
class DrawFigures:
    """In-process cost of one update: ms per frame, bytes per frame, median ms per part."""

    ms: list[float]
    nbytes: list[int]
    parts_ms: dict[str, float]


def bench_draw(result: FitResult, rounds: int) -> DrawFigures:
    """Every frame of `result`, in order, `rounds` times (one replay after another); printed."""
    draw_frame(result, 0)  # warm-up
    ms, nbytes, parts = [], [], {}
    for _ in range(rounds):
        for frame in range(result.frames):
            costs, size = draw_frame(result, frame)
            ms.append(1000 * sum(costs.values()))
            nbytes.append(size)
            for k, v in costs.items():
                parts.setdefault(k, []).append(1000 * v)
    figures = DrawFigures(ms, nbytes, {k: statistics.median(v) for k, v in parts.items()})
    split = ", ".join(f"{k} {v:.1f}" for k, v in figures.parts_ms.items())
    print(f"  {len(ms)} updates ({rounds} x {result.frames} frames): median {statistics.median(ms):.1f} ms, "
          f"p95 {_p95(ms):.1f} ms, max {max(ms):.1f} ms; markup {statistics.median(nbytes) / 1024:.0f} KiB "
          f"per update\n  median ms per part (A and B together): {split}")
    return figures


# ---- 3. the real server, over its protocol ------------------------------------------------------

def play_query(config: FitConfig = PLAY_CONFIG, seed: int = 0) -> str:
    """The link's query that sets `config` on the page: the controls' URL names of every field that
    differs from the default, the run seed, and lang=en."""
    import urllib.parse

    from pages.fit.controls import CONTROLS

    default = FitConfig()
    params = {c.key: c.param.format(getattr(config, c.field)) for c in CONTROLS
              if c.config is FitConfig and getattr(config, c.field) != getattr(default, c.field)}
    return urllib.parse.urlencode({**params, **({"seed": str(seed)} if seed else {}), "lang": "en"})


@dataclass
class PlayFigures:
    """One or more plays over the protocol: per update seconds and bytes; server CPU per update."""

    seconds: list[float] = field(default_factory=list)
    nbytes: list[int] = field(default_factory=list)
    cpu: float = 0.0  # server CPU seconds over the plays' updates
    counters: list[str] = field(default_factory=list)  # the epoch counter each update showed


class PlayClient:
    """One session: reads ForwardMsgs until a run finishes, noting buttons, timers and the counter."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.page_hash = ""
        self.buttons: dict[str, tuple[str, str]] = {}  # label -> (widget id, its fragment id)
        self.timers: dict[str, float] = {}  # fragment id -> interval (s)
        self.counter = ""

    async def until_finished(self) -> int:
        """Bytes received until the run (full, or a fragment's) finished, not early for a rerun."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        received = 0
        while True:
            raw = await self.ws.recv()
            received += len(raw)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "new_session" and not msg.metadata.run.fragment_ids:
                self.timers.clear()  # a full run: the browser drops its timers
            elif kind == "navigation":  # the page st.navigation ran (new_session may name the main script)
                self.page_hash = msg.navigation.page_script_hash
            elif kind == "auto_rerun":
                self.timers[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                for fid in msg.stop_auto_rerun.fragment_ids:
                    self.timers.pop(fid, None)
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._element(msg.delta.new_element, msg.delta.fragment_id)
            elif kind == "script_finished" and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise RuntimeError(f"the page's run ended with status {msg.script_finished}")
                return received

    def _element(self, element, fragment_id: str) -> None:
        which = element.WhichOneof("type")
        if which == "button":
            self.buttons[element.button.label] = (element.button.id, fragment_id)
        elif which == "markdown" and element.markdown.body.startswith("### "):
            self.counter = element.markdown.body[4:]
        elif which == "exception":
            raise RuntimeError(f"the page raised {element.exception.type}: {element.exception.message}")


def _rerun(port: int, query: str, page_hash: str = "", fragment: str = "", click: str = "") -> bytes:
    """A BackMsg rerun_script as the browser sends it: opening /fit, a timer tick of `fragment`, or
    a click of the button with widget id `click` (inside `fragment`)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    from bench.classroom import Link, rerun_msg

    msg = BackMsg()
    msg.ParseFromString(rerun_msg(port, Link("fit", query), page_hash, fragment))
    if click:
        msg.rerun_script.is_auto_rerun = False
        msg.rerun_script.widget_states.widgets.add(id=click, trigger_value=True)
    return msg.SerializeToString()


async def play_once(port: int, server_pid: int, figures: PlayFigures, seed: int = 0) -> None:
    """Open the play target (run seed `seed`) in a fresh session, click Start and tick the play timer
    until the last frame."""
    import websockets

    from bench.classroom import cpu_seconds
    from ui.i18n import translate

    query = play_query(seed=seed)
    async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None, ping_interval=None) as ws:
        client = PlayClient(ws)
        await ws.send(_rerun(port, query))
        await client.until_finished()
        button, fragment = client.buttons[translate("play.start", "en")]
        await ws.send(_rerun(port, query, client.page_hash, fragment, click=button))
        await client.until_finished()
        tick, interval = min(client.timers.items(), key=lambda kv: kv[1])  # the play timer
        cpu0, due = cpu_seconds([server_pid]), time.perf_counter()
        while tick in client.timers:
            await asyncio.sleep(max(0.0, due + interval - time.perf_counter()))
            due = time.perf_counter()
            await ws.send(_rerun(port, query, client.page_hash, tick))
            figures.nbytes.append(await client.until_finished())
            figures.seconds.append(time.perf_counter() - due)
            figures.counters.append(client.counter)
        figures.cpu += cpu_seconds([server_pid]) - cpu0


def report_play(figures: PlayFigures) -> None:
    ms = [1000 * s for s in figures.seconds]
    n = len(ms)
    print(f"  {n} updates: rerun sent -> script_finished median {statistics.median(ms):.1f} ms, "
          f"p95 {_p95(ms):.1f} ms, max {max(ms):.1f} ms; {statistics.median(figures.nbytes) / 1024:.0f} KiB "
          f"received per update\n  server CPU {1000 * figures.cpu / n:.1f} ms per update "
          f"(could serve ~{1000 / statistics.median(ms):.0f} updates/s one after another); "
          f"last counter: {figures.counters[-1]!r}")


# ---- 4. the browser ---------------------------------------------------------------------------

WATCH_JS = f"""async ([pollMs, windowMs, last]) => {{
    const counter = {COUNTER_JS};
    const start = counter(); let seen = start; const times = [];
    const t0 = performance.now();
    while (performance.now() - t0 < windowMs && !seen.startsWith(last)) {{
        await new Promise(r => setTimeout(r, pollMs));
        const now = counter();
        if (now !== seen) {{ seen = now; times.push(performance.now()); }}
    }}
    return {{times, start, last: seen}};
}}"""


@dataclass
class BrowserFigures:
    """Per play in Chromium: updates per second shown, server CPU ms per update."""

    rates: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)  # per update the server ran (the epochs advanced)
    browser_cpu_ms: list[float] = field(default_factory=list)  # Chromium's processes, all together


def chromium_pids() -> list[int]:
    """The Chromium processes under this one (Playwright's browser)."""
    from bench.classroom import descendants

    def is_chromium(pid: int) -> bool:
        try:
            return b"chromium" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
        except OSError:
            return False
    return [p for p in descendants(os.getpid()) if is_chromium(p)]


def _epoch(counter: str) -> int:
    """N of the counter's "Epoch N of M ..."."""
    return int(counter.split()[1])


def play_stride(config: FitConfig) -> int:
    """Frames each play update advances (ui.playback: about FPS x PLAY_SECONDS updates in all)."""
    from pages.fit.charts import PLAY_FPS
    from ui.playback import PLAY_SECONDS

    return max(1, round((config.epochs + 1) / (PLAY_FPS * PLAY_SECONDS)))


def _counter_moves(page, before: str) -> None:
    page.wait_for_function(f"() => ({COUNTER_JS})() !== {before!r}", timeout=60_000, polling=POLL_MS)


def browser_play(page, server_pid: int, figures: BrowserFigures) -> None:
    """Click Start (the page paused and ready); watch the counter for up to WINDOW_S of play; then
    Reset, so that the next play starts at once from epoch 0."""
    from bench.browser import wait_ready
    from bench.classroom import cpu_seconds

    epochs = PLAY_CONFIG.epochs
    before = page.evaluate(COUNTER_JS)
    page.get_by_role("button", name="▶ Start", exact=True).click()
    _counter_moves(page, before)  # the click's full run is drawn: what follows are the timer's updates
    browser = chromium_pids()
    cpu0, browser0 = cpu_seconds([server_pid]), cpu_seconds(browser)
    seen = page.evaluate(WATCH_JS, [POLL_MS, 1000 * WINDOW_S, f"Epoch {epochs} of {epochs}"])
    cpu, browser_cpu = cpu_seconds([server_pid]) - cpu0, cpu_seconds(browser) - browser0
    times = seen["times"]
    if len(times) < 2:
        raise RuntimeError(f"the counter hardly moved while playing: {seen}")
    served = (_epoch(seen["last"]) - _epoch(seen["start"])) / play_stride(PLAY_CONFIG)
    figures.rates.append((len(times) - 1) / ((times[-1] - times[0]) / 1000))
    figures.cpu_ms.append(1000 * cpu / max(served, 1))
    figures.browser_cpu_ms.append(1000 * browser_cpu / len(times))
    print(f"  play {len(figures.rates)}: {figures.rates[-1]:.1f} updates/s shown over "
          f"{(times[-1] - times[0]) / 1000:.1f} s ({len(times)} shown, {served:.0f} served, epoch "
          f"{_epoch(seen['start'])} -> {_epoch(seen['last'])}); CPU per update: server "
          f"{figures.cpu_ms[-1]:.0f} ms, Chromium {figures.browser_cpu_ms[-1]:.0f} ms (per shown)")
    page.get_by_role("button", name="⏮ Reset", exact=True).click()
    page.get_by_text(f"Epoch 0 of {epochs}").wait_for(timeout=60_000)
    wait_ready(page, 60_000)


def bench_browser(url: str, server_pid: int, repeats: int) -> BrowserFigures:
    """One tab on the play target's link, played `repeats` times; printed."""
    from bench.browser import chromium, exceptions, new_page, wait_ready

    figures = BrowserFigures()
    with chromium() as browser:
        for i in range(repeats):  # a seed no play has used: every frame is built while it plays
            page = new_page(browser)
            page.goto(f"{url}/fit?{play_query(seed=100 + i)}")
            page.get_by_text(f"Epoch {PLAY_CONFIG.epochs} of {PLAY_CONFIG.epochs}").wait_for(timeout=120_000)
            wait_ready(page, 60_000)
            browser_play(page, server_pid, figures)
            if exceptions(page):
                print(f"  ! the page showed exceptions: {exceptions(page)}")
            page.close()
    med = {k: statistics.median(v) for k, v in dataclasses.asdict(figures).items()}
    print(f"  median of {repeats}: {med['rates']:.1f} updates/s; CPU per update: "
          f"server {med['cpu_ms']:.0f} ms, Chromium {med['browser_cpu_ms']:.0f} ms")
    return figures


# ---- the run ----------------------------------------------------------------------------------

@dataclass
class Figures:
    compute: dict[str, tuple[float, float]]
    draw: DrawFigures
    play: PlayFigures | None = None
    browser: BrowserFigures | None = None


def bench_server(repeats: int, browser: bool) -> tuple[PlayFigures, BrowserFigures | None]:
    """A fresh server (no warm start), the play target opened once and the server left to settle;
    then the protocol plays and (with `browser`) Chromium's. CPU is the server process's own: the
    sessions run there (its compute workers have nothing to do during play)."""
    from bench.browser import start_server
    from bench.classroom import Link, descendants, port_of, settle, stop_leftovers, visit

    server = start_server(env={"PLAYGROUND_WARM_START": "0"})
    try:
        server.wait_healthy(120)
        first = asyncio.run(visit(port_of(server), Link("fit", play_query()), 180, follow=False))
        print(f"  first open (computes the run) {first.seconds or float('nan'):.1f} s, "
              f"then idle after {settle(server, limit=60):.1f} s")
        # each play a seed of its own: every frame is built (one student, first play); then the first
        # seed again, as the next student on the same link (the frames' markup is shared)
        play = PlayFigures()
        for seed in range(repeats):
            asyncio.run(play_once(port_of(server), server.proc.pid, play, seed))
        report_play(play)
        print("  the same link again, a second session (its frames already built):")
        again = PlayFigures()
        asyncio.run(play_once(port_of(server), server.proc.pid, again, 0))
        report_play(again)
        if not browser:
            return play, None
        print("Browser: updates the page shows per second while playing (headless Chromium)")
        return play, bench_browser(server.url, server.proc.pid, repeats)
    finally:
        workers = descendants(server.proc.pid)
        server.stop()
        stop_leftovers(workers)


def verdicts(f: Figures) -> list[str]:
    """The final block's lines: each figure against its target."""
    def line(what: str, value: float | None, unit: str, ok: Callable[[float], bool], note: str = "") -> str:
        if value is None:
            return f"  {what}: not measured{note}"
        return f"  {what}: {value:.1f} {unit} {'PASS' if ok(value) else 'MISS'}"

    fast = lambda ms: ms <= TARGET_UPDATE_MS  # noqa: E731
    rate = statistics.median(f.browser.rates) if f.browser else None
    lines = [line(f"play shows >= {TARGET_UPDATES_PER_S:g} updates/s (browser, median)", rate, "updates/s",
                  lambda r: r >= TARGET_UPDATES_PER_S, " (add --browser)"),
             line(f"one update <= {TARGET_UPDATE_MS:g} ms: drawing it in process, median",
                  statistics.median(f.draw.ms), "ms", fast),
             line("  ... in process, p95", _p95(f.draw.ms), "ms", fast)]
    if f.play:
        lines += [line("  ... real server, rerun -> script_finished, median",
                       1000 * statistics.median(f.play.seconds), "ms", fast),
                  line("  ... real server, CPU per update (protocol)",
                       1000 * f.play.cpu / len(f.play.seconds), "ms", fast)]
    if f.browser:
        lines.append(line("  ... real server, CPU per update (browser, median)",
                          statistics.median(f.browser.cpu_ms), "ms", fast))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--browser", action="store_true", help="also count the updates Chromium shows")
    parser.add_argument("--no-server", action="store_true", help="skip the real server (protocol, browser)")
    args = parser.parse_args()
    threads = setup_threads()
    print(f"torch {torch.__version__}, {threads} thread(s), {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"Compute: run(config) vs the tutorial's plain loop, medians of {args.repeats} interleaved runs")
    compute = bench_compute(CASES, args.repeats)
    print("One play update in process (play target, A and B, every frame built)")
    figures = Figures(compute, bench_draw(run(PLAY_CONFIG), args.repeats))
    if not args.no_server:
        print(f"Real server, protocol: {args.repeats} play(s) of /fit?{play_query()}")
        figures.play, figures.browser = bench_server(args.repeats, args.browser)
    print(f"Targets (2 cores, both networks together; load average now {os.getloadavg()[0]:.1f}):")
    print("\n".join(verdicts(figures)))
    print(f"  command: python -m bench.fit {' '.join(sys.argv[1:])}".rstrip())


if __name__ == "__main__":
    main()
