"""The figures behind each page's lesson, per seed, as the truth tests check them (they assert, this prints).

    python -m bench.lessons            # seeds 0-4 (the tests' seeds)
    PLAYGROUND_MNIST_DIR=../shared/data/mnist python -m bench.lessons --mnist   # MNIST, the autoencoder too
"""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np

from core.activations import (
    ActivationTrainConfig,
    GradientFlowConfig,
    run_activation_training,
    run_gradient_flow,
)
from core.batchnorm import BatchNormConfig, run_batchnorm
from core.device import setup_threads
from core.dropout import DropoutConfig, run_seeds, summarise_spread
from core.fit import run_fit
from core.fit.presets import PRESETS
from core.nonlinearities import ACTIVATIONS
from core.race import RaceConfig, run_race
from core.seq import SeqConfig, run_scores


def _row(values: np.ndarray | list[float], fmt: str = "{:.4f}") -> str:
    return ", ".join(fmt.format(v) for v in values)


def race(seeds: int) -> None:
    final = run_race(RaceConfig(seeds=seeds)).full_losses[:, :, -1]  # (racer, seed)
    print(f"Race, final loss on the training set, seeds 0-{seeds - 1}:")
    for name, row in zip(("SGD", "Momentum", "RMSprop", "Adam"), final, strict=True):
        print(f"  {name:9s} {_row(row)}   below SGD in {int((row < final[0]).sum())}/{seeds}")


def dropout(seeds: int) -> None:
    s = summarise_spread(run_seeds(DropoutConfig(), range(seeds)))
    print(f"Dropout, seeds 0-{seeds - 1}: test MSE mean {s.mean_test['overfit']:.3f} (no dropout) vs "
          f"{s.mean_test['dropout']:.3f} (dropout), dropout lower in {s.dropout_test_wins}/{s.seeds}; "
          f"train MSE mean {s.mean_train['overfit']:.3f} vs {s.mean_train['dropout']:.3f}, "
          f"no-dropout lower in {s.overfit_train_wins}/{s.seeds}")


def batchnorm(seeds: int) -> None:
    runs = [run_batchnorm(BatchNormConfig(seed=s)) for s in range(seeds)]
    ratios = [r.test_loss["plain"][-1] / r.test_loss["bn"][-1] for r in runs]
    print(f"BatchNorm, seeds 0-{seeds - 1}: final test loss plain/BN {_row(ratios, '{:.1f}')}; "
          f"deepest layer saturated: plain {_row([r.saturation['plain'][-1, -1] for r in runs], '{:.0%}')}, "
          f"BN {_row([r.saturation['bn'][-1, -1] for r in runs], '{:.0%}')}")


def activations(seeds: int) -> None:
    ratios, worst = [], []
    for s in range(seeds):
        flow = run_gradient_flow(GradientFlowConfig(activations=("relu", "sigmoid"), steps=0, seed=s))
        ratios.append(flow.grad_norms[0, 0][0] / flow.grad_norms[0, 1][0])
        config = ActivationTrainConfig(activations=tuple(ACTIVATIONS), dataset="moons", n_samples=400,
                                       noise=0.2, layers=2, width=16, lr=0.03, steps=300, n_frames=2,
                                       grid_size=10, seed=s)
        worst.append(min(run_activation_training(config).final_accuracy().values()))
    print(f"Activations, seeds 0-{seeds - 1}: depth-10 first-layer gradient ReLU/sigmoid "
          f"{_row(ratios, '{:,.0f}x')}; lowest moons accuracy of the {len(ACTIVATIONS)} activations "
          f"{_row(worst, '{:.1%}')}")


def fit(seeds: int) -> None:
    print(f"Fit, every question's effect on seeds 0-{seeds - 1} "
          "(final training loss and accuracy or R², A / B):")
    for preset in PRESETS:
        runs = [run_fit(dataclasses.replace(preset.config, seed=s)) for s in range(seeds)]
        held = sum(preset.effect(r) for r in runs)
        a, b = ([r.nets[s] for r in runs] for s in ("a", "b"))
        figures = "; ".join(f"{x.train_loss[-1]:.4f}/{y.train_loss[-1]:.4f} "
                            f"({x.train_score[-1]:.2f}/{y.train_score[-1]:.2f})" for x, y in zip(a, b))
        print(f"  {preset.name:9s} held {held}/{seeds} (the page says {preset.checked}): {figures}")


def seq(seeds: int) -> None:
    for windows in (100, 300):
        spread = run_scores(SeqConfig(windows=windows), range(seeds))
        parts = [f"{c.kind} {c.carried:.4f} vs {c.reset:.4f} (wins {c.wins}/{c.seeds}, lower {c.lower})"
                 for c in spread.summary()]
        print(f"Sequences, {windows} windows, seeds 0-{seeds - 1}, mean MSE of the last windows, "
              f"carried vs reset: {'; '.join(parts)}")


def mnist() -> None:
    from core import mnist
    from core.mnist import train
    from core.mnist.data import load_mnist
    from core.seeding import generator_for

    raw = load_mnist()
    data = train.as_tensors(raw)
    models, _ = mnist.load_shipped()
    accs = {k: train.accuracy(models[k], data.x_test, data.y_test) for k in mnist.MODEL_KINDS}
    n, g = 400, generator_for(0, "drawn")  # what tests/test_mnist.py draws
    drawn = np.stack([mnist.preprocess(mnist.draw_on_canvas(d.numpy(), g)) for d in raw.test_images[:n]])
    predicted = train.predict_labels(models["cnn"], mnist.to_tensor(drawn))
    hit = float((predicted == raw.test_labels[:n]).float().mean())
    print(f"MNIST shipped weights on {len(data.y_test):,} held-out images: CNN {accs['cnn']:.2%}, "
          f"LSTM {accs['lstm']:.2%}; CNN on {n} held-out digits redrawn on the canvas: {hit:.1%}")


def ae(seeds: int) -> None:
    from core.ae import CLAIMS, AEConfig, AESpreadConfig, run_spread

    claimed = {c.code for c in CLAIMS}
    for code in sorted(claimed | {6, 8}):
        s = run_spread(AESpreadConfig(AEConfig(code=code), seeds))
        mark = " (a page claim)" if code in claimed else ""
        print(f"Autoencoder vs PCA, code size {code}{mark}, held-out MSE, seeds 0-{seeds - 1}: autoencoder "
              f"{_row(s.mse['ae'])}; PCA {s.mse['pca'][0]:.4f}; autoencoder lower on {s.wins()}/{seeds}")


def dqn() -> None:
    """The page states its counts over seeds 0-9 (core.dqn.MEASURED_WINS), whatever --seeds says."""
    from core.dqn import MEASURED_SEEDS, DQNConfig, final_returns_over_seeds

    finals = final_returns_over_seeds(DQNConfig(), range(MEASURED_SEEDS))
    print(f"DQN, final return (steps balanced, last 20 episodes), seeds 0-{MEASURED_SEEDS - 1}:")
    for agent, row in finals.items():
        wins = sum(d > x for d, x in zip(finals["dqn"], row))
        ahead = f"   DQN ahead in {wins}/{MEASURED_SEEDS}" if agent != "dqn" else ""
        print(f"  {agent:9s} {_row(row, '{:.0f}')}{ahead}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--mnist", action="store_true",
                        help="also the MNIST lessons: quality bars, autoencoder vs PCA (needs the data)")
    args = parser.parse_args()
    setup_threads()
    fit(args.seeds)
    race(args.seeds)
    dropout(args.seeds)
    batchnorm(args.seeds)
    activations(args.seeds)
    seq(args.seeds)
    dqn()
    if args.mnist:
        mnist()
        ae(args.seeds)


if __name__ == "__main__":
    main()
