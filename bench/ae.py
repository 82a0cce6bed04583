"""Benchmark of the autoencoder lesson: the tutorial's DataLoader loop vs core.ae.run_ae, interleaved.

    .venv/bin/python -m bench.ae [--repeats 5] [--threads 1] [--epochs 10] [--code 3]

The plain loop is core.ae.reference.run_plain (the tutorial's AutoEncoder, DataLoader(shuffle=True)
over the 8,000 training images as one TensorDataset, MSELoss, Adam): it trains the autoencoder only.
`run_ae` trains the same network on the same batches (fused Adam), fits PCA on the same images,
encodes and reconstructs the 2,000 held-out images by both methods and reports progress. The
issue's targets: 10 epochs <= 5 s on one torch thread; decoding one code point <= 30 ms.
Needs MNIST ($PLAYGROUND_MNIST_DIR).
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
import torch

from bench.timing import interleaved, print_medians, seconds
from core.ae import AEConfig, decode, images, manifold_grid, run_ae
from core.ae.reference import run_plain

TARGET_S = 5.0
DECODE_TARGET_MS = 30.0


def bench_training(repeats: int, config: AEConfig) -> dict[str, float]:
    train = images().train
    warm = AEConfig(code=config.code, epochs=1, train_size=640)
    run_plain(warm, train)  # warm both paths (first calls pay one-off costs)
    run_ae(warm)
    times = interleaved({"plain loop": lambda: run_plain(config, train), "run_ae": lambda: run_ae(config)},
                        repeats)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {repeats} interleaved repeats, "
          f"{config.epochs} epochs of {config.train_size} images, batch {config.batch_size}, "
          f"code size {config.code}")
    med = print_medians(times, width=10)
    verdict = "PASS" if med["run_ae"] <= TARGET_S else "MISS"
    print(f"  run_ae / plain = {med['run_ae'] / med['plain loop']:.2f}; "
          f"target run_ae <= {TARGET_S} s: {verdict}")
    return med


def bench_decode(repeats: int) -> None:
    """One code point through each decoder, and a 15 x 15 manifold grid, on a 2-D run."""
    result = run_ae(AEConfig(code=2, epochs=1, train_size=640))
    z = np.zeros((1, 2), dtype=np.float32)
    for method in ("ae", "pca"):
        decode(result, z, method)
        point = [seconds(lambda m=method: decode(result, z, m)) * 1e3 for _ in range(repeats * 20)]
        grid = [seconds(lambda m=method: manifold_grid(result, m, n=15)) * 1e3 for _ in range(repeats)]
        verdict = "PASS" if statistics.median(point) <= DECODE_TARGET_MS else "MISS"
        print(f"  decode {method:3s}: one point median {statistics.median(point):.2f} ms "
              f"(target <= {DECODE_TARGET_MS:.0f} ms: {verdict}); 15x15 grid median "
              f"{statistics.median(grid):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the issue's target: 1)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--code", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    bench_training(args.repeats, AEConfig(code=args.code, epochs=args.epochs))
    bench_decode(args.repeats)


if __name__ == "__main__":
    main()
