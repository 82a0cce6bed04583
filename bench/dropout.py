"""Benchmark of the dropout page: the classic two-net loop vs core.dropout.run_dropout, interleaved.

    .venv/bin/python -m bench.dropout [--repeats 7] [--threads N] [--browser]

Both record the test loss (eval mode) after every one of the 500 iterations at the lesson's defaults.
`--browser` also times a real browser: from opening /dropout to the complete comparison being shown.
"""

from __future__ import annotations

import argparse
import time

import torch
from torch import nn

from bench.timing import interleaved, print_medians
from core.dropout import DropoutConfig, run_dropout


def classic(config: DropoutConfig) -> tuple[float, float]:
    """The textbook loop: two separate nn.Sequential nets, nn.Dropout, Adam, test loss every iteration."""
    x = torch.linspace(-1, 1, config.n_points).unsqueeze(1)
    y = x + config.noise * torch.randn(x.shape)
    y_test = x + config.noise * torch.randn(x.shape)

    def net(p: float) -> nn.Sequential:
        layers: list[nn.Module] = []
        n_in = 1
        for _ in range(config.depth):
            layers += [nn.Linear(n_in, config.width), nn.ReLU()] + ([nn.Dropout(p)] if p > 0 else [])
            n_in = config.width
        return nn.Sequential(*layers, nn.Linear(n_in, 1))

    overfit, dropout = net(0.0), net(config.dropout)
    with torch.no_grad():  # same initial weights
        for a, b in zip(overfit.parameters(), dropout.parameters()):
            b.copy_(a)
    opts = [torch.optim.Adam(m.parameters(), lr=config.lr) for m in (overfit, dropout)]
    test_losses: list[list[float]] = [[], []]
    for _ in range(config.iterations):
        for i, (model, opt) in enumerate(zip((overfit, dropout), opts)):
            model.train()
            loss = nn.functional.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            model.eval()
            with torch.no_grad():
                test_losses[i].append(nn.functional.mse_loss(model(x), y_test).item())
    return test_losses[0][-1], test_losses[1][-1]


def ours(config: DropoutConfig) -> tuple[float, float]:
    result = run_dropout(config)
    return float(result.test_mse[0, -1]), float(result.test_mse[1, -1])


def bench_python(repeats: int) -> None:
    config = DropoutConfig()
    classic(DropoutConfig(iterations=20))  # warm both paths (first calls pay one-off costs)
    ours(DropoutConfig(iterations=20))
    times = interleaved({"classic": lambda: classic(config), "ours": lambda: ours(config)}, repeats)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {repeats} interleaved repeats, "
          f"default config ({config.iterations} iterations, width {config.width}, depth {config.depth})")
    med = print_medians(times, width=8)
    print(f"  ours / classic = {med['ours'] / med['classic']:.2f}  "
          f"(ours also records eval-mode train MSE, {config.frames + 1} prediction frames "
          f"and a {config.mc_passes}-pass Monte-Carlo band)")


def bench_browser(repeats: int) -> None:
    """Seconds from page.goto('/dropout') to the table and charts of the finished run being visible."""
    from bench.browser import READY, chromium_app, new_page, summary

    with chromium_app() as (url, browser):
        times = []
        for i in range(repeats):
            page = new_page(browser)
            seed = 1000 + i  # a fresh seed each time: never served from the cache
            start = time.perf_counter()
            page.goto(f"{url}/dropout?seed={seed}")
            page.wait_for_selector("[data-testid='stMain'] [data-testid='stMarkdownContainer'] table",
                                   timeout=60_000)
            chart = "[data-testid='stMain'] [data-testid='stVegaLiteChart']"
            page.wait_for_selector(f"{chart} canvas, {chart} svg", timeout=60_000)
            times.append(time.perf_counter() - start)
            page.wait_for_selector(READY, timeout=60_000)
            page.close()
    print(f"browser: goto -> first complete comparison visible, fresh seed each time ({repeats} runs): "
          f"{summary(times)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's own)")
    parser.add_argument("--browser", action="store_true", help="also time the page in headless Chromium")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    bench_python(args.repeats)
    if args.browser:
        bench_browser(max(3, args.repeats // 2))


if __name__ == "__main__":
    main()
