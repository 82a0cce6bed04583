"""Benchmark of the BatchNorm page: the classic lesson's loop vs ours, and the page in a real browser.

    .venv/bin/python -m bench.batchnorm [--repeats 5] [--threads 1] [--browser]

The classic loop (DataLoader, per-epoch test evaluation, no histograms) and ours (histograms, saturation,
train/eval losses and predictions for every epoch; both nets one stacked model), ours one net at a
time (core.batchnorm.reference), and ten seeds as one stack against ten one-net-at-a-time runs, run
interleaved in one process; medians and the ratios are printed, so a busy machine slows all alike.
--browser also times, in headless Chromium, goto -> the first complete comparison visible (all
seven charts drawn), on a fresh configuration (computed) and on a repeated one (from the cache).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from core.batchnorm import BatchNormConfig, run_batchnorm, run_batchnorms
from core.batchnorm.reference import run_plain
from core.seeding import generator_for

N_SAMPLES, BATCH_SIZE, EPOCH, LR, N_HIDDEN, B_INIT = 2000, 64, 12, 0.03, 8, -0.2


class ClassicNet(nn.Module):
    """The lesson's network as it is usually written: lists of layers, BN optional, stages returned."""

    def __init__(self, batch_normalization: bool, g: torch.Generator) -> None:
        super().__init__()
        self.do_bn = batch_normalization
        self.fcs, self.bns = nn.ModuleList(), nn.ModuleList()
        self.bn_input = nn.BatchNorm1d(1, momentum=0.5)
        for i in range(N_HIDDEN):
            fc = nn.Linear(1 if i == 0 else 10, 10)
            self._set_init(fc, g)
            self.fcs.append(fc)
            if self.do_bn:
                self.bns.append(nn.BatchNorm1d(10, momentum=0.5))
        self.predict = nn.Linear(10, 1)
        self._set_init(self.predict, g)

    @staticmethod
    def _set_init(layer: nn.Linear, g: torch.Generator) -> None:
        nn.init.normal_(layer.weight, mean=0.0, std=0.1, generator=g)
        nn.init.constant_(layer.bias, B_INIT)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]:
        pre_activation = [x]
        if self.do_bn:
            x = self.bn_input(x)
        layer_input = [x]
        for i in range(N_HIDDEN):
            x = self.fcs[i](x)
            pre_activation.append(x)
            if self.do_bn:
                x = self.bns[i](x)
            x = torch.tanh(x)
            layer_input.append(x)
        return self.predict(x), layer_input, pre_activation


def classic(seed: int) -> list[list[float]]:
    """The classic training loop, histograms left out; returns both nets' test losses per epoch."""
    g = generator_for(seed, "classic")
    x = torch.linspace(-7, 10, N_SAMPLES).unsqueeze(1)
    y = x ** 2 - 5 + 2.0 * torch.randn(x.shape, generator=g)  # N(0, 2): std 2, as np.random.normal(0, 2)
    test_x = torch.linspace(-7, 10, 200).unsqueeze(1)
    test_y = test_x ** 2 - 5 + 2.0 * torch.randn(test_x.shape, generator=g)
    loader = DataLoader(TensorDataset(x, y), batch_size=BATCH_SIZE, shuffle=True, generator=g)
    nets = [ClassicNet(False, g), ClassicNet(True, g)]
    opts = [torch.optim.Adam(net.parameters(), lr=LR) for net in nets]
    losses: list[list[float]] = [[], []]
    for _ in range(EPOCH):
        for net, record in zip(nets, losses):
            net.eval()
            with torch.no_grad():
                pred, _, _ = net(test_x)
            record.append(nn.functional.mse_loss(pred, test_y).item())
            net.train()
        for b_x, b_y in loader:
            for net, opt in zip(nets, opts):
                pred, _, _ = net(b_x)
                loss = nn.functional.mse_loss(pred, b_y)
                opt.zero_grad()
                loss.backward()
                opt.step()
    return losses


def bench_loops(repeats: int) -> None:
    """The classic loop, our run (both nets one stacked model) and the same run one net at a time
    (core.batchnorm.reference), interleaved; then ten seeds as one stack against ten such loops."""
    classic(100), run_batchnorm(BatchNormConfig(seed=100)), run_plain(BatchNormConfig(seed=100))  # warm-up

    def ten(i: int) -> list[BatchNormConfig]:
        return [BatchNormConfig(seed=10 * i + s) for s in range(10)]

    runs = {"classic": classic, "ours": lambda i: run_batchnorm(BatchNormConfig(seed=i)),
            "one net at a time": lambda i: run_plain(BatchNormConfig(seed=i)),
            "10 seeds, stacked": lambda i: run_batchnorms(ten(i)),
            "10 seeds, one by one": lambda i: [run_plain(c) for c in ten(i)]}
    times: dict[str, list[float]] = {k: [] for k in runs}
    cpu: dict[str, list[float]] = {k: [] for k in runs}
    for i in range(repeats):
        for name, fn in runs.items():
            t, c = time.perf_counter(), time.process_time()
            fn(i)
            times[name].append(time.perf_counter() - t)
            cpu[name].append(time.process_time() - c)
    med = {k: statistics.median(v) for k, v in times.items()}
    labels = {"classic": "classic loop (no histograms)", "ours": "ours (stacked, histograms etc.)",
              "one net at a time": "ours, one net at a time"}
    for name, values in times.items():
        print(f"{labels.get(name, name):34s} median {med[name]:.3f} s, "
              f"CPU {statistics.median(cpu[name]):.3f} s  "
              f"[{', '.join(f'{v:.2f}' for v in values)}]")
    print(f"ours / classic: {med['ours'] / med['classic']:.2f}; ours / one net at a time: "
          f"{med['ours'] / med['one net at a time']:.2f}; 10 seeds stacked / one by one: "
          f"{med['10 seeds, stacked'] / med['10 seeds, one by one']:.2f}  (load {os.getloadavg()[0]:.1f})")


def _drawn(n: int) -> str:
    """JS predicate: at least `n` Vega charts on the page, every one of them drawn."""
    return f"""() => {{
        const charts = [...document.querySelectorAll("[data-testid='stVegaLiteChart']")];
        return charts.length >= {n} && charts.every(c => c.querySelector('canvas, svg'));
    }}"""


def bench_browser(repeats: int) -> None:
    from bench.browser import chromium_app, new_page, summary

    # title: Streamlit's own floor; top: the epoch view (both histogram grids, saturation, loss,
    # predictions = 5 charts); all: the whole page (+ gradient flow, train vs eval = 7 charts)
    marks = {"title": "() => !!document.querySelector(\"[data-testid='stMain'] h1\")",
             "top": _drawn(5), "all": _drawn(7)}
    times: dict[tuple[str, str], list[float]] = {}
    with chromium_app() as (url, browser):
        for i in range(repeats + 1):
            for kind in ("fresh", "cached"):  # the same seed twice: the second open hits the cache
                page = new_page(browser)
                t = time.perf_counter()
                page.goto(f"{url}/batchnorm?seed={1000 + i}")
                for mark, predicate in marks.items():
                    page.wait_for_function(predicate, timeout=120_000, polling=20)
                    if i > 0:  # the first round warms up the server (imports, first script run)
                        times.setdefault((kind, mark), []).append(time.perf_counter() - t)
                page.close()
    for (kind, mark), values in times.items():
        print(f"browser, goto -> {mark:5s} visible, {kind:6s}: {summary(values)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (tiny nets: 1)")
    parser.add_argument("--browser", action="store_true", help="also time the page in headless Chromium")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    os.environ.setdefault("PLAYGROUND_THREADS", str(args.threads))  # the server started by --browser
    print(f"torch {torch.__version__}, {args.threads} thread(s), {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    bench_loops(args.repeats)
    if args.browser:
        bench_browser(args.repeats)


if __name__ == "__main__":
    main()
