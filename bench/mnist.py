"""MNIST page benchmarks: drawing-to-prediction latency, training throughput vs the classic loop, page load.

Run: .venv/bin/python -m bench.mnist [--rounds 3] [--images 8000] [--threads 1] [--browser]
Classic and ours are measured interleaved in the same run (the machine may be shared); medians reported.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
from torch import nn

from core import mnist
from core.mnist import train
from core.mnist.data import load_mnist
from core.seeding import generator_for


def bench_prediction(raw, models: dict, n: int = 100) -> dict[str, float]:
    """ms per drawing: preprocess a 280x280 RGBA canvas, then both models' probabilities."""
    g = generator_for(0, "bench-draw")
    drawings = [mnist.draw_on_canvas(d.numpy(), g) for d in raw.test_images[:n]]
    mnist.predict(drawings[0], models)  # warm-up
    times = []
    for rgba in drawings:
        t0 = time.perf_counter()
        mnist.predict(rgba, models)
        times.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": statistics.median(times), "p90_ms": float(np.percentile(times, 90))}


class _PilDataset(torch.utils.data.Dataset):
    """What the classic tutorial does: a PIL image per item, converted by ToTensor each time."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor) -> None:
        from torchvision import transforms

        self.images, self.labels, self.to_tensor = images, labels, transforms.ToTensor()

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int):
        from PIL import Image

        return self.to_tensor(Image.fromarray(self.images[i].numpy(), mode="L")), int(self.labels[i])


def classic(kind: str, raw, n: int, seed: int) -> nn.Module:
    config = train.lesson_config(kind, seed=seed)
    model = train.new_model(config)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    loader = torch.utils.data.DataLoader(_PilDataset(raw.train_images[:n], raw.train_labels[:n]),
                                         batch_size=config.batch_size, shuffle=True,
                                         generator=generator_for(seed, "classic"))
    model.train()
    for x, y in loader:
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


def ours(kind: str, data: train.Tensors, n: int, seed: int, bf16: bool = False) -> nn.Module:
    """The page's path (core.mnist_train.train_model): data as one tensor, batches by index."""
    config = train.lesson_config(kind, seed=seed, train_size=n, evals_per_epoch=0, bf16=bf16)
    return train.train_model(config, data).model


def bench_training(raw, data: train.Tensors, images: int, rounds: int) -> None:
    print(f"\nTraining throughput: {images:,} images, 1 pass, lesson settings, {rounds} interleaved rounds")
    variants = {"classic (DataLoader + ToTensor)": lambda k, s: classic(k, raw, images, s),
                "ours (one tensor, fp32)": lambda k, s: ours(k, data, images, s),
                "ours (one tensor, bf16 autocast)": lambda k, s: ours(k, data, images, s, True)}
    for kind in mnist.MODEL_KINDS:
        speed: dict[str, list[float]] = {v: [] for v in variants}
        acc: dict[str, list[float]] = {v: [] for v in variants}
        for r in range(rounds):
            for name, fn in variants.items():
                t0 = time.perf_counter()
                model = fn(kind, r)
                speed[name].append(images / (time.perf_counter() - t0))
                acc[name].append(train.accuracy(model, data.x_test, data.y_test))
        base = statistics.median(speed["classic (DataLoader + ToTensor)"])
        for name in variants:
            s = statistics.median(speed[name])
            print(f"  {kind.upper():4} {name:34} {s:8,.0f} images/s  x{s / base:4.2f}   "
                  f"held-out accuracy {statistics.median(acc[name]) * 100:5.2f}%")


def bench_accuracy(raw, data: train.Tensors, images: int, seeds: int) -> None:
    """Held-out accuracy after the same images, over many seeds: one pass is noisy (about ±0.6 points)."""
    print(f"\nHeld-out accuracy after {images:,} images (1 pass), seeds 0-{seeds - 1}: mean, and seeds won "
          "against the classic loop")
    variants = {"classic": lambda k, s: classic(k, raw, images, s),
                "ours fp32": lambda k, s: ours(k, data, images, s),
                "ours bf16": lambda k, s: ours(k, data, images, s, True)}
    for kind in mnist.MODEL_KINDS:
        acc = {name: [train.accuracy(fn(kind, s), data.x_test, data.y_test) for s in range(seeds)]
               for name, fn in variants.items()}
        for name, values in acc.items():
            wins = sum(v >= c for v, c in zip(values, acc["classic"], strict=True))
            extra = "" if name == "classic" else f"   at least as good in {wins}/{seeds} seeds"
            print(f"  {kind.upper():4} {name:10} {statistics.mean(values) * 100:6.2f}%{extra}")


def bench_browser(loads: int = 3) -> None:
    """Seconds from opening /mnist to a finished first run with the canvas prompt shown."""
    from bench.browser import READY, chromium_app, new_page, summary

    print("\nPage load in Chromium (fresh tab each time; the first load includes the server's first run)")
    with chromium_app() as (url, browser):
        times = []
        for _ in range(loads):
            page = new_page(browser)
            t0 = time.perf_counter()
            page.goto(f"{url}/mnist?lang=en")
            page.get_by_text("Draw a digit on the black canvas").wait_for(timeout=60_000)
            page.locator("canvas").first.wait_for(timeout=60_000)
            page.wait_for_selector(READY, timeout=60_000)
            times.append(time.perf_counter() - t0)
            page.close()
    print("  " + ", ".join(f"{t:.2f} s" for t in times) + f"   ({summary(times)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--images", type=int, default=8000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--browser", action="store_true", help="also time the page load in Chromium")
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--accuracy-seeds", type=int, default=0,
                        help="also compare held-out accuracy with the classic loop over this many seeds")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), "
          f"native bf16: {train.bf16_supported()}")
    raw = load_mnist()
    data = train.as_tensors(raw)
    models, _ = mnist.load_shipped()
    p = bench_prediction(raw, models)
    print(f"Drawing -> preprocess + CNN + LSTM: median {p['median_ms']:.2f} ms, p90 {p['p90_ms']:.2f} ms "
          "per drawing (bar: 20 ms)")
    if not args.skip_training:
        bench_training(raw, data, args.images, args.rounds)
    if args.accuracy_seeds:
        bench_accuracy(raw, data, args.images, args.accuracy_seeds)
    if args.browser:
        bench_browser()


if __name__ == "__main__":
    main()
