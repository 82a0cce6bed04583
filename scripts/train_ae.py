"""Make the autoencoder lesson's shipped weights: core/ae/weights/ae_code{2,3}.pt.

Run: .venv/bin/python -m scripts.train_ae [--codes 2 3] [--seed 0] [--threads 1]
(reads MNIST like the app: $PLAYGROUND_MNIST_DIR, else a download). Each file is the lesson's own
run (core.ae.run_ae with the tutorial's settings) at that code size, whole (core.ae.shipped): the
autoencoder's weights rounded to float16, PCA's components and mean, the held-out codes and the
training curves, and metadata whose held-out MSE is measured with the rounded weights, as the
page will use them.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from core.ae import METHODS, AEConfig, decode, encode, images, run_ae
from core.ae.shipped import WEIGHTS_DIR, load_bytes, meta_for, path_for, save_bytes


def make_file(code: int, seed: int) -> tuple[bytes, dict]:
    """The bytes of the shipped file of `code`, and its metadata."""
    t0 = time.perf_counter()
    result = run_ae(AEConfig(code=code, seed=seed))
    seconds = time.perf_counter() - t0
    if result.divergences():
        raise SystemExit(f"code {code}: training diverged, nothing written")
    meta = meta_for(result, seconds)
    meta["heldout_mse_float32"] = round(result.mse["ae"], 5)
    meta["heldout_mse"] = {m: 0.0 for m in METHODS}
    rounded = load_bytes(save_bytes(result, meta))  # the float16 autoencoder, as the page loads it
    held = images().heldout.numpy().reshape(-1, 28, 28)
    for m in METHODS:  # the codes and the MSE of what the page will use
        result.codes[m] = encode(rounded, held, m).astype(np.float16).astype(np.float32)
        recon = decode(rounded, result.codes[m], m, clip=False)
        meta["heldout_mse"][m] = round(float(((recon - held) ** 2).mean()), 5)
    return save_bytes(result, meta), meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, nargs="+", default=[2, 3])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest on a busy CPU)")
    parser.add_argument("--out", default=str(WEIGHTS_DIR))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    for code in args.codes:
        data, meta = make_file(code, args.seed)
        path = path_for(code, Path(args.out))
        with open(path, "wb") as f:
            f.write(data)
        print(f"{path.name}: {len(data) / 1e3:.0f} KB, held-out MSE {meta['heldout_mse']}", flush=True)


if __name__ == "__main__":
    main()
