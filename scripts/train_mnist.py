"""Make the shipped weights: train the lesson's CNN and LSTM, save weights/mnist_*.pt and mnist_meta.json.

Run: .venv/bin/python -m scripts.train_mnist [--epochs-cnn 15] [--epochs-lstm 14] [--decay-last 5] [--seed 1]
(reads MNIST like the app: $PLAYGROUND_MNIST_DIR, else a download).
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from core.mnist import MODEL_KINDS, WEIGHTS_DIR
from core.mnist.data import load_mnist
from core.mnist.train import as_tensors, lesson_config, train_model
from core.weights import save_weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs-cnn", type=int, default=15)
    parser.add_argument("--epochs-lstm", type=int, default=14)
    parser.add_argument("--decay-last", type=int, default=5, help="last epochs at lr / 10")
    parser.add_argument("--thicken", type=float, default=0.5, help="share of images with thicker strokes")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest on a busy CPU)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(WEIGHTS_DIR))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    raw = load_mnist()
    source, data = raw.source, as_tensors(raw)
    meta: dict = {"data": data.description, "source": source, "seed": args.seed, "torch": torch.__version__,
                  "models": {}}
    for kind in MODEL_KINDS:
        epochs = args.epochs_cnn if kind == "cnn" else args.epochs_lstm
        config = lesson_config(kind, epochs=epochs, seed=args.seed, train_size=len(data.x_train),
                               evals_per_epoch=1, decay_last=args.decay_last,
                               thicken=args.thicken)
        t0 = time.perf_counter()
        result = train_model(config, data, on_eval=lambda e, k=kind: print(f"{k} {e}", flush=True))
        seconds = time.perf_counter() - t0
        with open(f"{args.out}/mnist_{kind}.pt", "wb") as f:
            f.write(save_weights(result.model))
        meta["models"][kind] = {"epochs": epochs, "lr": config.lr, "batch_size": config.batch_size,
                                "decay_last_epochs": config.decay_last,
                                "thicken_share": config.thicken,
                                "train_images": config.train_size, "seconds": round(seconds, 1),
                                "heldout_images": len(data.x_test),
                                "heldout_accuracy": round(result.accuracy, 4)}
        print(kind, meta["models"][kind], flush=True)
    with open(f"{args.out}/mnist_meta.json", "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
