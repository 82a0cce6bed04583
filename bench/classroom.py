"""A classroom on one server, at the protocol level (no browser): latency, errors and memory.

    .venv/bin/python -m bench.classroom                  # every scenario but soak, in both modes
    .venv/bin/python -m bench.classroom --quick --modes 0 --scenarios same seeds   # a smoke run
    .venv/bin/python -m bench.classroom --scenarios soak --soak-minutes 10
    options: --sessions N (30)  --modes shipped 0  --scenarios ...  --timeout S (180)  --no-follow
             --pages race dropout batchnorm (the pages of arrivals)
             --quick (6 sessions, 5 s arrival windows, 30 memory configurations, a 1-minute soak
             measured from 15 s)

Each student is one Streamlit session: a websocket on /_stcore/stream (subprotocol `streamlit`)
that sends what a browser sends when it opens a link, a BackMsg `rerun_script` with the link's
query and page path. Every request is a fresh session, as opening a link is: a query sent to a
live session would not change its controls, which the session already holds. A request's time
runs from sending the BackMsg to the script_finished of the run that finishes successfully (a run
that ends early for an `st.rerun` is not the end). The client is asyncio in this process; the
server is a subprocess (bench.browser.start_server).

After that first view a browser keeps the session open: the page's fragment timer
(ui.deferred.first_view) asks for the rest of the page a second later. The client does the same
(--no-follow: it does not), so the server carries a browser's load; the request's time stays the
first view, and errors in the rest count too.

Errors, counted by kind: `exception` (an exception box), `st.error` (an error alert), `bad link`
(the page's note that a link value fell back to its default: a bench link went stale),
`script error` (script_finished 1), `timeout`, `closed` (the socket closed or refused). Latencies
are over the requests that finished; a timeout or a closed socket counts only as an error.
p95 is `statistics.quantiles(n=20, method="inclusive")[-1]`: linear interpolation between order
statistics (numpy's default). With 30 requests it lies between the 28th and the 29th fastest, so
the slowest request alone does not decide it (max does). Under each row, what the errors said.

Modes: the app's compute service reads PLAYGROUND_WORKERS. `shipped` starts the server with it
unset (the shipped default), any other value sets it (`0`: compute in the session's own thread).
Each scenario runs against a fresh server per mode, one server at a time, the modes one after the
other, so both see the same machine load; the table puts them side by side. Memory is the resident
memory of the server and every process under it together at the scenario's end: the sum of their
proportional set sizes (PSS), which counts once a page several processes share (the workers share
the fork server's torch); summed VmRSS, which counts it in each, is noted in `memory`. The machine
is shared, so each row notes the load average at its end.

Every server but `first`'s is warmed first: the home page and each lesson's default link opened
once, one after another (the imports done, the default links cached), and then left until its
processes are idle (the app's warm start done), as a class finds a server already in use.
Scenarios (default: all but soak):
  same      n sessions open the race page's default link at once              p95 <= 1.5 s
  seeds     n sessions open the race page, each with a seed new to the server  p95 <= 8 s
  arrivals  n own seeds arriving evenly over 20 s; race, dropout, batchnorm    p95 <= 4 s each
  mix       n sessions over every lesson page (round robin), own seeds, 20 s   no target
  heavy     three sessions open the heaviest race, dropout and batchnorm the controls allow (HEAVY;
            they may take 3 x --timeout); while they run, 5 default links with a new seed (race,
            dropout in turn), one after another                               each <= 3 s
  first     fresh server, launched as scripts/run.sh does (scripts/serve.py: the worker pool and
            the warm start, then Streamlit): to health ok (<= 5 s), then every page's default link
            at once, no query (each <= 3 s); once it is idle, a restart on the same results folder,
            every page at once again (from disk, each <= 3 s); a third fresh server, 15 s after
            health ok, each page's default link one after another (each <= 1 s)
  memory    300 distinct configurations over race, dropout, batchnorm and the activations
            training tab, 3 sessions at a time; memory of all processes (PSS;
            summed VmRSS noted)                                               <= 2 GB (1907 MiB)
  soak      n sessions cycling through the lesson pages and a pool of 8 seeds, a request every
            2-5 s each, for --soak-minutes (10); errors, and memory growth from the end of the
            first minute to the end (the pool's links are computed before the clock starts, so
            growth is not the result cache filling; Streamlit keeps a closed session for 2 minutes,
            server.disconnectedSessionTTL, so the first 2 minutes also gather those); memory is
            noted every 30 s                                                  0 errors, <= 50 MB
Seeds are drawn at random from the sidebar's range (1-99999) and never repeat within a run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import signal
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.browser import Server, start_server
from pages import LESSONS

PAGES = [x.name for x in LESSONS]
MiB_PER_MB = 1e6 / 2**20
SEED_RANGE = (1, 99_999)  # ui.sidebar's seed parameter (0 is the default)
URL_NOTE_ICON = "🔗"  # ui.urlstate.show_url_notes: a link value was replaced by its default
FOLLOW_TICKS = 5  # fragment timer ticks followed at most after a first view


# ---- one student: a Streamlit session over the websocket protocol ------------------------------

@dataclass(frozen=True)
class Link:
    """A link a student opens: the page's URL path ("" for home) and its query."""

    page: str
    query: str = ""

    def __str__(self) -> str:
        return f"/{self.page}" + (f"?{self.query}" if self.query else "")


def link(page: str, **params: object) -> Link:
    """Link(page, urlencoded params); booleans as the app writes them (true/false)."""
    text = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in params.items()}
    return Link(page, urllib.parse.urlencode(text))


@dataclass
class Visit:
    """What one request got."""

    link: Link
    seconds: float | None = None  # BackMsg sent -> the first view's run finished; None if it never did
    error: str | None = None  # the first error kind met (see the module docstring), None when clean
    detail: str = ""  # what that error said (an exception's type and message, an alert's text)
    reruns: int = 0  # runs of the first view that ended early for an st.rerun
    page_not_found: bool = False  # the server sent Streamlit's "Page not found" (its pages/ mode)
    full_seconds: float | None = None  # until the rest of the page ran too (following the timer)
    ended: float = 0.0  # time.perf_counter() when the session closed


def rerun_msg(port: int, target: Link, page_hash: str = "", fragment: str = "") -> bytes:
    """The rerun_script a browser sends: the link's query and page path on opening it; on a
    fragment timer tick, the page's script hash and the fragment's id instead of the path."""
    msg = BackMsg()
    rerun = msg.rerun_script
    rerun.query_string = target.query
    if fragment:
        rerun.page_script_hash, rerun.fragment_id, rerun.is_auto_rerun = page_hash, fragment, True
    else:
        rerun.page_name = target.page
    info = rerun.context_info
    info.timezone, info.locale = "UTC", "en-US"
    info.url = f"http://127.0.0.1:{port}{target}"
    return msg.SerializeToString()


class Session:
    """One websocket session: reads ForwardMsgs, notes errors, timers and the page's script hash."""

    def __init__(self, ws, visit: Visit) -> None:
        self.ws, self.visit = ws, visit
        self.page_hash = ""
        self.following = False  # past the first view: the reruns are the timer's, not the page's
        self.timers: dict[str, float] = {}  # fragment id -> interval (s), as ForwardMsg.auto_rerun set it

    def _error(self, kind: str, detail: str = "") -> None:
        if not self.visit.error:
            self.visit.error, self.visit.detail = kind, detail[:200]

    async def run_until_finished(self) -> int:
        """Read until a script_finished that is not FINISHED_EARLY_FOR_RERUN; return its status."""
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(await self.ws.recv())
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._element(msg.delta.new_element)
            elif kind == "new_session":
                self.page_hash = msg.new_session.page_script_hash
            elif kind == "page_not_found":
                self.visit.page_not_found = True
            elif kind == "auto_rerun":
                self.timers[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                for fid in msg.stop_auto_rerun.fragment_ids:
                    self.timers.pop(fid, None)
            elif kind == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    if not self.following:
                        self.visit.reruns += 1
                    continue
                if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    self._error("script error")
                return msg.script_finished

    def _element(self, element) -> None:
        which = element.WhichOneof("type")
        if which == "exception":
            self._error("exception", f"{element.exception.type}: {element.exception.message}")
        elif which == "alert" and element.alert.format == Alert.ERROR:
            self._error("st.error", element.alert.body)
        elif which == "alert" and element.alert.icon == URL_NOTE_ICON:
            self._error("bad link", element.alert.body)

    async def follow(self, port: int, target: Link, t0: float) -> None:
        """Tick the page's fragment timers as a browser does, until a full run has drawn the rest
        of the page (or no timer is left)."""
        self.following = True
        for _ in range(FOLLOW_TICKS):
            if not self.timers:
                return
            fragment, interval = next(iter(self.timers.items()))
            await asyncio.sleep(interval)
            await self.ws.send(rerun_msg(port, target, self.page_hash, fragment))
            if await self.run_until_finished() == ForwardMsg.FINISHED_SUCCESSFULLY:
                self.visit.full_seconds = time.perf_counter() - t0
                return


async def visit(port: int, target: Link, timeout: float, follow: bool = True) -> Visit:
    """Open `target` in a new session and wait for its first view (and, with `follow`, the rest)."""
    result = Visit(target)
    t0 = time.perf_counter()
    try:
        async with asyncio.timeout(timeout), websockets.connect(
                f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                max_size=None, ping_interval=None) as ws:  # a browser sends no pings either
            session = Session(ws, result)
            t0 = time.perf_counter()
            await ws.send(rerun_msg(port, target))
            await session.run_until_finished()
            result.seconds = result.full_seconds = time.perf_counter() - t0
            if follow and session.timers:
                result.full_seconds = None
                await session.follow(port, target, t0)
    except (TimeoutError, websockets.ConnectionClosed, OSError) as exc:
        if not result.error:
            stage = "first view" if result.seconds is None else "rest of the page"
            result.error = "timeout" if isinstance(exc, TimeoutError) else "closed"
            result.detail = f"after {time.perf_counter() - t0:.1f} s, in the {stage}: {exc!r:.100}"
    result.ended = time.perf_counter()
    return result


async def crowd(port: int, links: Sequence[Link], offsets: Sequence[float] | None = None,
                timeout: float = 180, follow: bool = True) -> list[Visit]:
    """Each link opened in its own session, `offsets[i]` seconds after the start (all at once
    without offsets); the visits in the links' order."""
    async def one(target: Link, delay: float) -> Visit:
        await asyncio.sleep(delay)
        return await visit(port, target, timeout, follow)

    offsets = offsets or [0.0] * len(links)
    return list(await asyncio.gather(*(one(t, d) for t, d in zip(links, offsets))))


async def in_turn(port: int, links: Sequence[Link], timeout: float, follow: bool) -> list[Visit]:
    """Each link opened after the previous one has finished."""
    return [await visit(port, target, timeout, follow) for target in links]


async def few_at_a_time(port: int, links: Sequence[Link], width: int, timeout: float,
                        follow: bool) -> list[Visit]:
    """The links opened by `width` sessions at a time, each starting as another finishes."""
    queue = iter(links)
    visits: list[Visit] = []

    async def worker() -> None:
        for target in queue:
            visits.append(await visit(port, target, timeout, follow))

    await asyncio.gather(*(worker() for _ in range(width)))
    return visits


# ---- the server: modes, memory, warm-up ----------------------------------------------------------

def port_of(server: Server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def mode_env(mode: str) -> dict[str, str | None]:
    """The server's environment for a mode: `shipped` leaves PLAYGROUND_WORKERS unset."""
    return {"PLAYGROUND_WORKERS": None if mode == "shipped" else mode}


def descendants(pid: int) -> list[int]:
    """Every process under `pid` (children, their children, ...), from /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            parents.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time used so far by these processes, from /proc."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def settle(server: Server, idle: float = 0.1, window: float = 2.0, limit: float = 180) -> float:
    """Wait until the server and its workers are idle (under `idle` of a core over `window`
    seconds): its warm start has finished, as it has long before a class arrives. Seconds waited."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit:
        pids = [server.proc.pid, *descendants(server.proc.pid)]
        before = cpu_seconds(pids)
        time.sleep(window)
        if cpu_seconds(pids) - before < idle * window:
            break
    return time.perf_counter() - t0


def proc_mib(pid: int, file: str = "status", name: str = "VmRSS:") -> float:
    """A memory line of /proc/<pid>/<file> in MiB (0 once the process is gone)."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(name):
                return int(line.split()[1]) / 1024
    return 0.0


def memory_mib(server: Server, pss: bool = True) -> tuple[float, int]:
    """(MiB of the server and every process under it together, how many processes): their
    proportional set sizes, which count a page that processes share once (the worker processes
    share the fork server's torch); `pss=False` sums VmRSS instead, which counts it in each."""
    pids = [server.proc.pid, *descendants(server.proc.pid)]
    where = ("smaps_rollup", "Pss:") if pss else ("status", "VmRSS:")
    return sum(proc_mib(p, *where) for p in pids), len(pids)


@contextlib.contextmanager
def serve(mode: str, warm: bool = True, timeout: float = 180, warm_start: bool = False,
          results: Path | None = None) -> Iterator[Server]:
    """A fresh server in `mode`, healthy (and warmed: see `warm_up`); stopped afterwards. Processes
    left under it after it stopped are reported and ended. `warm_start`: launched as scripts/run.sh
    launches it (scripts/serve.py: worker pool and warm start first, then Streamlit). Its results
    on disk go to `results`, by default an empty folder of its own (removed afterwards), so no
    server finds another's results unless it is given the same folder."""
    with contextlib.ExitStack() as stack:
        if results is None:
            results = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="classroom-results-")))
        server = start_server(env={**mode_env(mode), "PLAYGROUND_CACHE_DIR": str(results)},
                              warm_start=warm_start)
        children: list[int] = []
        try:
            server.wait_healthy(120)
            if warm:
                asyncio.run(warm_up(port_of(server), timeout))
                settle(server)
            yield server
        finally:
            children = descendants(server.proc.pid)
            server.stop()
            stop_leftovers(children)


def stop_leftovers(pids: list[int]) -> None:
    """Report and end the processes that outlived their server (given 5 s to go by themselves)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in pids):
        time.sleep(0.1)
    left = [p for p in pids if Path(f"/proc/{p}").exists()]
    if left:
        print(f"  ! {len(left)} process(es) outlived the server: {left}; ending them", flush=True)
        for p in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, signal.SIGKILL)


async def warm_up(port: int, timeout: float) -> None:
    """The home page and every lesson's default link, once each, one after another."""
    await in_turn(port, [Link(""), *(Link(p) for p in PAGES)], timeout, follow=True)


class Seeds:
    """Seeds drawn at random from the sidebar's range, none twice in this run."""

    def __init__(self) -> None:
        self.used: set[int] = set()

    def __call__(self) -> int:
        while True:
            seed = random.randint(*SEED_RANGE)
            if seed not in self.used:
                self.used.add(seed)
                return seed


# ---- figures --------------------------------------------------------------------------------------

def p95(seconds: Sequence[float]) -> float:
    """The 95th percentile (see the module docstring); the value itself for a single one."""
    if len(seconds) < 2:
        return seconds[0] if seconds else float("nan")
    return statistics.quantiles(seconds, n=20, method="inclusive")[-1]


@dataclass
class Row:
    """One line of the table: a scenario's requests in one mode, against its target."""

    scenario: str
    mode: str
    seconds: list[float]  # of the requests that finished
    n: int = 0  # requests, finished or not (0: as many as seconds)
    errors: Counter = field(default_factory=Counter)
    memory_mib: float = float("nan")
    target: str = ""
    met: bool | None = None  # None: no target
    note: str = ""
    details: list[str] = field(default_factory=list)  # what the errors said, one line per kind


def latency_row(scenario: str, mode: str, visits: Sequence[Visit], server: Server | None,
                limit: float | None = None, each: bool = False, note: str = "") -> Row:
    """A row of visits; the target is p95 <= limit (max <= limit with `each`), with no errors."""
    seconds = [v.seconds for v in visits if v.seconds is not None]
    errors = Counter(v.error for v in visits if v.error)
    reruns = sum(v.reruns for v in visits)
    notes = [note] if note else []
    full = [v.full_seconds for v in visits if v.full_seconds is not None and v.full_seconds != v.seconds]
    if full:
        notes.append(f"whole page (after the timer) median {statistics.median(full):.2f} s")
    if reruns:
        notes.append(f"{reruns} run(s) rerun at once")
    lost = sum(v.page_not_found for v in visits)
    if lost:
        notes.append(f"{lost} 'Page not found'")
    if each and len(seconds) > 1:  # which pages were slowest
        slow = sorted((v for v in visits if v.seconds is not None), key=lambda v: -v.seconds)[:3]
        notes.append("slowest " + ", ".join(f"{v.link.page or 'home'} {v.seconds:.2f} s" for v in slow))
    notes.append(f"load {os.getloadavg()[0]:.1f}")
    said = Counter((v.error, v.detail) for v in visits if v.error)
    row = Row(scenario, mode, seconds, len(visits), errors,
              memory_mib(server)[0] if server else float("nan"), note="; ".join(notes),
              details=[f"{k} x{n}: {d}" for (k, d), n in said.most_common(4)])
    if limit is not None:
        stat = max(seconds, default=float("inf")) if each else p95(seconds)
        row.target = f"{'each' if each else 'p95'} <= {limit:g} s"
        row.met = not errors and stat <= limit
    return row


HEADER = (f"{'scenario':20s} {'mode':8s} {'n':>4s} {'median':>7s} {'p95':>7s} {'max':>7s} "
          f"{'errors':>14s} {'memory':>9s}  {'target':18s} met   note")


def format_row(r: Row) -> str:
    n = len(r.seconds)
    med = f"{statistics.median(r.seconds):7.2f}" if n else f"{'-':>7s}"
    p = f"{p95(r.seconds):7.2f}" if n else f"{'-':>7s}"
    mx = f"{max(r.seconds):7.2f}" if n else f"{'-':>7s}"
    errors = ", ".join(f"{k} {v}" for k, v in sorted(r.errors.items())) or "0"
    met = "-" if r.met is None else ("yes" if r.met else "NO")
    return (f"{r.scenario:20s} {r.mode:8s} {r.n or n:4d} {med} {p} {mx} {errors:>14s} "
            f"{r.memory_mib:5.0f} MiB  {r.target:18s} {met:5s} {r.note}")


def print_table(rows: Sequence[Row]) -> None:
    print("\nseconds per request (median, p95, max); memory of all the server's processes at the end")
    print(HEADER)
    order = {name: i for i, name in reversed(list(enumerate(r.scenario for r in rows)))}
    for r in sorted(rows, key=lambda r: order[r.scenario]):  # the modes of a scenario side by side
        print(format_row(r))


# ---- scenarios ------------------------------------------------------------------------------------

ARRIVAL_PAGES = ("race", "dropout", "batchnorm")


@dataclass
class Options:
    sessions: int = 30
    quick: bool = False
    timeout: float = 180  # seconds one request may take before it counts as an error
    follow: bool = True
    soak_minutes: float = 10
    pages: tuple[str, ...] = ARRIVAL_PAGES  # the pages of arrivals
    seeds: Seeds = field(default_factory=Seeds)

    @property
    def window(self) -> float:
        """The arrival window (s) of arrivals and mix."""
        return 5.0 if self.quick else 20.0


def evenly(n: int, window: float) -> list[float]:
    return [i * window / n for i in range(n)]


def scenario_same(o: Options, mode: str) -> list[Row]:
    with serve(mode, timeout=o.timeout) as server:  # the warm-up opened the race default link
        visits = asyncio.run(crowd(port_of(server), [Link("race")] * o.sessions, None, o.timeout, o.follow))
        return [latency_row("same", mode, visits, server, 1.5)]


def scenario_seeds(o: Options, mode: str) -> list[Row]:
    links = [link("race", seed=o.seeds()) for _ in range(o.sessions)]
    with serve(mode, timeout=o.timeout) as server:
        visits = asyncio.run(crowd(port_of(server), links, None, o.timeout, o.follow))
        return [latency_row("seeds", mode, visits, server, 8)]


def scenario_arrivals(o: Options, mode: str) -> list[Row]:
    rows = []
    with serve(mode, timeout=o.timeout) as server:
        for page in o.pages:
            links = [link(page, seed=o.seeds()) for _ in range(o.sessions)]
            visits = asyncio.run(crowd(port_of(server), links, evenly(o.sessions, o.window),
                                       o.timeout, o.follow))
            rows.append(latency_row(f"arrivals {page}", mode, visits, server, 4,
                                    note=f"over {o.window:g} s"))
    return rows


def scenario_mix(o: Options, mode: str) -> list[Row]:
    pages = itertools.cycle(PAGES)
    links = [link(next(pages), seed=o.seeds()) for _ in range(o.sessions)]
    with serve(mode, timeout=o.timeout) as server:
        visits = asyncio.run(crowd(port_of(server), links, evenly(o.sessions, o.window), o.timeout, o.follow))
        return [latency_row("mix", mode, visits, server, note=f"{len(PAGES)} pages over {o.window:g} s")]


# The most work each page's controls allow (pages/<lesson>/controls.py: each slider's maximum,
# the largest choices); a control's key is its URL name.
HEAVY_RACERS = ("sgd:0.01,momentum:0.01:0.8,nesterov:0.01:0.8,rmsprop:0.01:0.9,adam:0.01:0.9,"  # 10 racers:
                "adamw:0.01:0.01,nadam:0.01:0.9,radam:0.01:0.9,adamax:0.01:0.9,adagrad:0.1")  # MAX_RACERS
HEAVY = {
    "race": {"race.racers": HEAVY_RACERS, "race.seeds": 10},
    "dropout": {"dropout.width": 400, "dropout.depth": 4, "dropout.iters": 1000, "dropout.points": 100,
                "dropout.l2": True, "dropout.seeds": 10},
    "batchnorm": {"batchnorm.depth": 12, "batchnorm.width": 64, "batchnorm.epochs": 30,
                  "batchnorm.batch_size": 16},
}


def scenario_heavy(o: Options, mode: str) -> list[Row]:
    heavy = [link(page, seed=o.seeds(), **params) for page, params in HEAVY.items()]
    light = [link(("race", "dropout")[i % 2], seed=o.seeds()) for i in range(5)]

    async def run(port: int) -> tuple[list[Visit], list[Visit], float]:
        heavy_task = asyncio.ensure_future(crowd(port, heavy, None, 3 * o.timeout, o.follow))
        await asyncio.sleep(1.0)  # the heavy runs have started
        light_visits = await in_turn(port, light, o.timeout, o.follow)
        light_end = time.perf_counter()
        return light_visits, await heavy_task, light_end

    with serve(mode, timeout=o.timeout) as server:
        light_visits, heavy_visits, light_end = asyncio.run(run(port_of(server)))
        running = sum(v.ended > light_end for v in heavy_visits)
        return [latency_row("heavy: light", mode, light_visits, server, 3, each=True,
                            note=f"{running} of 3 heavy still running at the last light one's end"),
                latency_row("heavy: heavy", mode, heavy_visits, server, note="race, dropout, batchnorm")]


def scenario_first(o: Options, mode: str) -> list[Row]:
    links = [Link(""), *(Link(p) for p in PAGES)]
    with tempfile.TemporaryDirectory(prefix="classroom-results-") as results:
        t0 = time.perf_counter()
        with serve(mode, warm=False, warm_start=True, results=Path(results)) as server:
            startup = time.perf_counter() - t0
            start_row = Row("first: start", mode, [startup], target="<= 5 s", met=startup <= 5,
                            memory_mib=memory_mib(server)[0],
                            note=f"scripts/serve.py -> health ok; load {os.getloadavg()[0]:.1f}")
            cold = asyncio.run(crowd(port_of(server), links, None, o.timeout, o.follow))
            rows = [start_row, latency_row("first: at once", mode, cold, server, 3, each=True,
                                           note="every page, no query")]
            settle(server)  # the warm start done: its results on disk
        with serve(mode, warm=False, warm_start=True, results=Path(results)) as server:
            again = asyncio.run(crowd(port_of(server), links, None, o.timeout, o.follow))
            rows.append(latency_row("first: restart", mode, again, server, 3, each=True,
                                    note="the same results folder: every page at once, from disk"))
    with serve(mode, warm=False, warm_start=True) as server:
        time.sleep(15)
        later = asyncio.run(in_turn(port_of(server), links, o.timeout, o.follow))
        rows.append(latency_row("first: after 15 s", mode, later, server, 1, each=True,
                                note="one after another"))
    return rows


# page -> (fixed parameters, a parameter that varies, its values): memory's configurations
MEMORY_VARIANTS = {
    "race": ({}, "race.seeds", (1, 2, 3)),
    "dropout": ({}, "dropout.rate", (0.2, 0.5, 0.7)),
    "batchnorm": ({}, "batchnorm.activation", ("tanh", "relu", "sigmoid")),
    "activations": ({"activations.tab": "train"}, "activations.dataset", ("moons", "circles", "spiral")),
}


def memory_links(n: int, seeds: Seeds) -> list[Link]:
    """n distinct configurations (each its own seed) over MEMORY_VARIANTS' pages in turn."""
    pages = list(MEMORY_VARIANTS)
    links = []
    for i in range(n):
        page = pages[i % len(pages)]
        fixed, name, values = MEMORY_VARIANTS[page]
        links.append(link(page, seed=seeds(), **fixed, **{name: values[i // len(pages) % len(values)]}))
    return links


def scenario_memory(o: Options, mode: str) -> list[Row]:
    n = 30 if o.quick else 300
    with serve(mode, timeout=o.timeout) as server:
        before, _ = memory_mib(server)
        visits = asyncio.run(few_at_a_time(port_of(server), memory_links(n, o.seeds), 3, o.timeout, o.follow))
        row = latency_row("memory", mode, visits, server)
        total, procs = memory_mib(server)
        row.target, row.met = "memory <= 2 GB", total <= 2000 * MiB_PER_MB
        rss, _ = memory_mib(server, pss=False)
        row.note = (f"{n} configurations, 3 at a time; {before:.0f} MiB after warm-up; "
                    f"{procs} process(es), VmRSS summed {rss:.0f} MiB; " + row.note)
        return [row]


def scenario_soak(o: Options, mode: str) -> list[Row]:
    duration = 60 * (1 if o.quick else o.soak_minutes)
    baseline_at = 15 if o.quick else 60
    pool = [o.seeds() for _ in range(8)]
    targets = list(itertools.product(pool, PAGES))

    async def student(port: int, i: int, end: float, visits: list[Visit]) -> None:
        cycle = itertools.cycle(targets)
        for _ in range(i):
            next(cycle)
        while time.perf_counter() < end:
            seed, page = next(cycle)
            visits.append(await visit(port, link(page, seed=seed), o.timeout, o.follow))
            await asyncio.sleep(random.uniform(2, 5))

    async def sample(server: Server, start: float, series: list[tuple[float, float]]) -> None:
        while time.perf_counter() < start + duration:
            series.append((time.perf_counter() - start, memory_mib(server)[0]))
            await asyncio.sleep(30)

    async def run(server: Server) -> tuple[list[Visit], float, list[tuple[float, float]]]:
        # the pool's links computed first, a few at a time (a class's links are the same few), so
        # that the growth measured is not the result cache filling
        await few_at_a_time(port_of(server), [link(page, seed=seed) for seed, page in targets], 3,
                            o.timeout, o.follow)
        start = time.perf_counter()
        visits: list[Visit] = []
        series: list[tuple[float, float]] = []
        tasks = [asyncio.ensure_future(student(port_of(server), i, start + duration, visits))
                 for i in range(o.sessions)]
        sampler = asyncio.ensure_future(sample(server, start, series))
        await asyncio.sleep(baseline_at)
        baseline, _ = memory_mib(server)
        await asyncio.gather(*tasks)
        await sampler
        return visits, baseline, series

    with serve(mode, timeout=o.timeout) as server:
        visits, baseline, series = asyncio.run(run(server))
        row = latency_row("soak", mode, visits, server)
        growth = row.memory_mib - baseline
        row.target = "0 errors, <= 50 MB"
        row.met = not row.errors and growth <= 50 * MiB_PER_MB
        steps = ", ".join(f"{t:.0f} s {m:.0f}" for t, m in series)
        row.note = (f"{duration / 60:g} min after the pool's {len(targets)} links were computed; growth "
                    f"{growth:+.0f} MiB from {baseline:.0f} MiB at {baseline_at} s; MiB every 30 s: {steps}; "
                    + row.note)
        return [row]


SCENARIOS = {"same": scenario_same, "seeds": scenario_seeds, "arrivals": scenario_arrivals,
             "mix": scenario_mix, "heavy": scenario_heavy, "first": scenario_first,
             "memory": scenario_memory, "soak": scenario_soak}
DEFAULT_SCENARIOS = [s for s in SCENARIOS if s != "soak"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--scenarios", nargs="+", choices=list(SCENARIOS), default=DEFAULT_SCENARIOS)
    parser.add_argument("--modes", nargs="+", default=["shipped", "0"],
                        help="`shipped` (PLAYGROUND_WORKERS unset) or a PLAYGROUND_WORKERS value")
    parser.add_argument("--sessions", type=int, default=None, help="students (30; 6 with --quick)")
    parser.add_argument("--quick", action="store_true", help="fewer sessions, shorter windows: a smoke run")
    parser.add_argument("--timeout", type=float, default=180, help="seconds a request may take (180)")
    parser.add_argument("--no-follow", action="store_true", help="do not ask for the rest of each page")
    parser.add_argument("--soak-minutes", type=float, default=10)
    parser.add_argument("--pages", nargs="+", choices=PAGES, default=list(ARRIVAL_PAGES),
                        help="the pages of arrivals (race dropout batchnorm)")
    args = parser.parse_args()
    o = Options(sessions=args.sessions or (6 if args.quick else 30), quick=args.quick, timeout=args.timeout,
                follow=not args.no_follow, soak_minutes=args.soak_minutes, pages=tuple(args.pages))
    print(f"{o.sessions} sessions; modes {', '.join(args.modes)}; {os.cpu_count()} CPUs; "
          f"follow the page's timer: {o.follow}", flush=True)
    rows: list[Row] = []
    for name in args.scenarios:
        for mode in args.modes:
            t0 = time.perf_counter()
            print(f"{name} (mode {mode}) ...", flush=True)
            for row in SCENARIOS[name](o, mode):
                rows.append(row)
                print("  " + format_row(row), flush=True)
                for line in row.details:
                    print(f"      {line}", flush=True)
            print(f"  ({time.perf_counter() - t0:.0f} s)", flush=True)
    print_table(rows)


if __name__ == "__main__":
    sys.exit(main())
