"""Make the autoencoder lesson's shipped weights: core/ae/weights/ae_code{2,3}.pt.

Run: .venv/bin/python -m scripts.train_ae [--codes 2 3] [--seed 0] [--threads 1]
(reads MNIST like the app: $PLAYGROUND_MNIST_DIR, else a download). Each file is the lesson's own
run (core.ae.run_ae with the tutorial's settings) at that code size: the autoencoder's weights
rounded to float16, PCA's components and mean, the held-out codes' ranges, and metadata whose
held-out MSE is measured with the rounded weights, as the page will use them.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import time
from pathlib import Path

import torch

from core.ae import AEConfig, code_range, decode, encode, images, run_ae
from core.ae.shipped import WEIGHTS_DIR, load_bytes, path_for


def make_file(code: int, seed: int) -> tuple[bytes, dict]:
    """The bytes of the shipped file of `code`, and its metadata."""
    config = AEConfig(code=code, seed=seed)
    t0 = time.perf_counter()
    result = run_ae(config)
    seconds = time.perf_counter() - t0
    if result.divergences():
        raise SystemExit(f"code {code}: training diverged, nothing written")
    state = {k: v.to(torch.float16) for k, v in result.ae_state.items()}
    meta = {"code": code, "seed": seed, "config": dataclasses.asdict(config), "data": result.data,
            "made_by": "scripts/train_ae.py: core.ae.run_ae with the lesson's settings; "
                       "autoencoder weights stored as float16",
            "train_seconds": round(seconds, 1), "torch": str(torch.__version__),
            "heldout_images": len(result.labels), "heldout_mse_float32": round(result.mse["ae"], 5)}
    content = {"state_dict": state, "pca_components": torch.from_numpy(result.pca_components),
               "pca_mean": torch.from_numpy(result.pca_mean),
               "span_ae": torch.from_numpy(code_range(result, "ae")),
               "span_pca": torch.from_numpy(code_range(result, "pca")), "meta": meta}
    buf = io.BytesIO()
    torch.save(content, buf)
    shipped = load_bytes(buf.getvalue())  # measure what the page will load
    held = images().heldout.numpy().reshape(-1, 28, 28)
    mse = {m: float(((decode(shipped, encode(shipped, held, m), m, clip=False) - held) ** 2).mean())
           for m in ("ae", "pca")}
    meta["heldout_mse"] = {m: round(v, 5) for m, v in mse.items()}
    buf = io.BytesIO()
    torch.save(content, buf)
    return buf.getvalue(), meta


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
