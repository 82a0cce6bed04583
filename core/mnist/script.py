"""The code of an MNIST live run: the CNN and the row-by-row LSTM trained in plain PyTorch, as the
PyTorch MNIST tutorials train them (with the app's seeds, batch order and data source)."""

from __future__ import annotations

import dataclasses
import math
import os

from core.mnist.data import MNIST_DIR_ENV
from core.mnist.live import LiveConfig, LiveRun
from core.scripts import header, script_of
from core.seeding import derive_seed


def figures(run: LiveRun) -> dict[str, float]:
    """Each model's held-out accuracy at the end of the run (NaN for a diverged one)."""
    out = {}
    for kind in run.config.kinds:
        acc = run.accuracy(kind)
        out[f"{kind} held-out accuracy"] = math.nan if kind in run.diverged or acc is None else acc
    return out


def quick(config: LiveConfig) -> LiveConfig:
    """One epoch on at most 1,000 images: a few seconds."""
    return dataclasses.replace(config, epochs=1, train_size=min(config.train_size, 1000))


def app_run(config: LiveConfig) -> LiveRun:
    """The page's live run of `config`, computed here (the page runs it in the compute service)."""
    from core.mnist.jobs import tensors
    from core.mnist.live import start, train_live

    data = tensors(os.environ.get(MNIST_DIR_ENV, ""))
    return train_live(start(config, len(data.x_train)), data)


def missing() -> str | None:
    """Why the app's run cannot be made here: no local MNIST (the tests never download it)."""
    folder = os.environ.get(MNIST_DIR_ENV, "")
    return None if folder and os.path.isdir(folder) else f"no MNIST folder: set {MNIST_DIR_ENV}"


# The lines of a script that read MNIST as the app does (core.mnist.data): shared by every lesson's
# script that trains on it.
LOAD_MNIST = '''def load_mnist():
    """MNIST as the app reads it: from the folder in $PLAYGROUND_MNIST_DIR when set (with only the
    10,000 test images there, the first 8,000 train and the last 2,000 are held out), else downloaded."""
    folder = os.environ.get("PLAYGROUND_MNIST_DIR")
    if not folder:
        from torchvision import datasets

        train, test = (datasets.MNIST("data", train=t, download=True) for t in (True, False))
        return train.data, train.targets, test.data, test.targets
    from torchvision.datasets.mnist import read_image_file, read_label_file

    def read(stem, reader):
        for name in (stem, stem + ".gz"):
            for path in (os.path.join(folder, name), os.path.join(folder, "raw", name),
                         os.path.join(folder, "MNIST", "raw", name)):
                if os.path.isfile(path):
                    if path.endswith(".gz"):
                        import gzip
                        import tempfile

                        with gzip.open(path) as src, tempfile.NamedTemporaryFile(delete=False) as dst:
                            dst.write(src.read())
                        path = dst.name
                    return reader(path)
        return None

    test_x = read("t10k-images-idx3-ubyte", read_image_file)
    test_y = read("t10k-labels-idx1-ubyte", read_label_file)
    train_x = read("train-images-idx3-ubyte", read_image_file)
    train_y = read("train-labels-idx1-ubyte", read_label_file)
    if train_x is None or train_y is None:
        return test_x[:8000], test_y[:8000], test_x[8000:], test_y[8000:]
    return train_x, train_y, test_x, test_y
'''


# Held-out accuracies agree within a few images of the 2,000 (or 10,000): the CNN trains under
# bfloat16 autocast where the CPU has it, whose rounding depends on the memory layout of each batch.
ACCURACY_ATOL = 0.004


@script_of(LiveConfig, figures=figures, rtol=0.0, atol=ACCURACY_ATOL, quick=quick, app=app_run,
           missing=missing)
def write(c: LiveConfig) -> str:
    """The script of `c`."""
    seeds = {kind: {"init": derive_seed(c.seed, "mnist", kind, "init"),
                    "batches": derive_seed(c.seed, "mnist", kind, "batches")} for kind in ("cnn", "lstm")}
    settings = {"cnn": (c.cnn_lr, c.cnn_batch), "lstm": (c.lstm_lr, c.lstm_batch)}
    runs = ",\n".join(f"    ({k!r}, {settings[k][0]!r}, {settings[k][1]})" for k in c.kinds)
    return header("MNIST: CNN vs LSTM", c) + f'''
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
EPOCHS, TRAIN_SIZE = {c.epochs}, {c.train_size}
SEEDS = {seeds!r}
RUNS = [  # (model, Adam's learning rate, batch size)
{runs},
]


{LOAD_MNIST}

class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(1, 16, 5, 1, 2), nn.ReLU(), nn.MaxPool2d(2))  # (16, 14, 14)
        self.conv2 = nn.Sequential(nn.Conv2d(16, 32, 5, 1, 2), nn.ReLU(), nn.MaxPool2d(2))  # (32, 7, 7)
        self.out = nn.Linear(32 * 7 * 7, 10)

    def forward(self, x):  # (batch, 1, 28, 28)
        return self.out(self.conv2(self.conv1(x)).flatten(1))


class RNN(nn.Module):
    """Reads the image row by row: 28 steps of 28 pixels."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(input_size=28, hidden_size=64, num_layers=1, batch_first=True)
        self.out = nn.Linear(64, 10)

    def forward(self, x):
        rows, _ = self.rnn(x.reshape(-1, 28, 28))  # (batch, 28 rows, 64)
        return self.out(rows[:, -1])


def init_weights(model, g):
    """PyTorch's own initialisation, drawn from generator g (so the run repeats exactly)."""
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=g)
            bound = 1 / math.sqrt(m.weight[0].numel())
            nn.init.uniform_(m.bias, -bound, bound, generator=g)
        elif isinstance(m, nn.LSTM):
            bound = 1 / math.sqrt(m.hidden_size)
            for p in m.parameters():
                nn.init.uniform_(p, -bound, bound, generator=g)
    return model


train_x, train_y, test_x, test_y = load_mnist()
n = min(TRAIN_SIZE, len(train_x))
x = train_x[:n].float().div(255).unsqueeze(1)  # (n, 1, 28, 28) in [0, 1]
y = train_y[:n].long()
x_test, y_test = test_x.float().div(255).unsqueeze(1), test_y.long()

for kind, lr, batch_size in RUNS:
    g = torch.Generator().manual_seed(SEEDS[kind]["init"])
    model = init_weights(CNN() if kind == "cnn" else RNN(), g)
    # the CNN in bfloat16 where the CPU has it natively, as the app trains it (2-5x faster)
    bf16 = kind == "cnn" and torch.ops.mkldnn._is_mkldnn_bf16_supported()
    if bf16:
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    batches = torch.Generator().manual_seed(SEEDS[kind]["batches"])
    first, diverged = None, False
    model.train()
    for epoch in range(EPOCHS):
        order = torch.randperm(n, generator=batches)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            images = x[idx].contiguous(memory_format=torch.channels_last) if bf16 else x[idx]
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                logits = model(images).float()
            loss = F.cross_entropy(logits, y[idx])
            first = first or loss.item()
            if not math.isfinite(loss.item()) or loss.item() > min(first * 1e3, 1e6):
                diverged = True
                break
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if diverged:
            break
    model.eval()
    with torch.no_grad():
        predicted = torch.cat([model(x_test[i:i + 1000]).argmax(1) for i in range(0, len(x_test), 1000)])
    accuracy = float("nan") if diverged else (predicted == y_test).float().mean().item()
    print(f"{{kind}} held-out accuracy = {{accuracy:.6g}}")
'''
