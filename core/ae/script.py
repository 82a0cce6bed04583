"""The code of an autoencoder run: the tutorial's AutoEncoder and its DataLoader loop in plain
PyTorch, and PCA with as many components from scikit-learn, both measured on the same held-out
images (with the app's seeds, batch order and data source)."""

from __future__ import annotations

import dataclasses

from core.ae import AEConfig, AEResult
from core.divergence import CAP, FACTOR
from core.mnist.script import LOAD_MNIST, missing
from core.scripts import header, script_of
from core.seeding import derive_seed


def figures(result: AEResult) -> dict[str, float | tuple[float, float, float]]:
    """Each method's held-out reconstruction MSE (NaN for a diverged autoencoder)."""
    return {"autoencoder held-out MSE": (result.mse["ae"], AE_RTOL, 1e-6),
            "PCA held-out MSE": result.mse["pca"]}


def quick(config: AEConfig) -> AEConfig:
    """One epoch on at most 2,000 images: a few seconds."""
    return dataclasses.replace(config, epochs=1, train_size=min(config.train_size, 2000))


# The app's step is the tutorial's arithmetic written out by hand (core/ae/steps.py): the losses
# agree to the last bit or one, and a run of many epochs lets such differences grow a little.
AE_RTOL = 0.02


@script_of(AEConfig, figures=figures, rtol=1e-4, atol=1e-7, quick=quick, missing=missing)
def write(c: AEConfig) -> str:
    """The script of `c`."""
    noise = ("        # the denoising variant: a noisy input, the clean image as the target\n"
             "        b_x = (b_y + NOISE * torch.randn(b_y.shape, generator=noise_g)).clamp(0, 1)\n"
             if c.noise > 0 else "        b_x = b_y\n")
    return header("Autoencoder vs PCA", c) + f'''
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.utils.data as Data
from sklearn.decomposition import PCA

torch.set_num_threads(1)
CODE, LR, BATCH_SIZE, EPOCHS = {c.code}, {c.lr!r}, {c.batch_size}, {c.epochs}
NOISE, TRAIN_SIZE, SEED = {c.noise!r}, {c.train_size}, {c.seed}
INIT_SEED = {derive_seed(c.seed, "ae", "init")}
BATCH_SEED = {derive_seed(c.seed, "ae", "batches")}
NOISE_SEED = {derive_seed(c.seed, "ae", "noise")}


{LOAD_MNIST}

class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Linear(28 * 28, 128),
            nn.Tanh(),
            nn.Linear(128, 64),
            nn.Tanh(),
            nn.Linear(64, 12),
            nn.Tanh(),
            nn.Linear(12, CODE),  # compress to CODE numbers per image
        )
        self.decoder = nn.Sequential(
            nn.Linear(CODE, 12),
            nn.Tanh(),
            nn.Linear(12, 64),
            nn.Tanh(),
            nn.Linear(64, 128),
            nn.Tanh(),
            nn.Linear(128, 28 * 28),
            nn.Sigmoid(),  # pixels in (0, 1)
        )

    def forward(self, x):
        encoded = self.encoder(x)
        decoded = self.decoder(encoded)
        return encoded, decoded


def init_weights(model, g):
    """PyTorch's own initialisation, drawn from generator g (so the run repeats exactly)."""
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=g)
            bound = 1 / math.sqrt(m.in_features)
            nn.init.uniform_(m.bias, -bound, bound, generator=g)
    return model


train_x, _, test_x, _ = load_mnist()
x_train = train_x[:TRAIN_SIZE].float().div(255).reshape(-1, 28 * 28)  # (n, 784) in [0, 1]
x_test = test_x.float().div(255).reshape(-1, 28 * 28)  # the held-out images

autoencoder = init_weights(AutoEncoder(), torch.Generator().manual_seed(INIT_SEED))
optimizer = torch.optim.Adam(autoencoder.parameters(), lr=LR)
loss_func = nn.MSELoss()
train_loader = Data.DataLoader(dataset=Data.TensorDataset(x_train), batch_size=BATCH_SIZE, shuffle=True,
                               generator=torch.Generator().manual_seed(BATCH_SEED))
noise_g = torch.Generator().manual_seed(NOISE_SEED)
first, diverged = None, False
for epoch in range(EPOCHS):
    for step, (b_y,) in enumerate(train_loader):
{noise}        encoded, decoded = autoencoder(b_x)
        loss = loss_func(decoded, b_y)  # mean square error against the clean image
        first = first or loss.item()
        # a loss that is not finite, or above {FACTOR:g} times the first (or {CAP:g}): training broke down
        if not math.isfinite(loss.item()) or loss.item() > min(first * {FACTOR:g}, {CAP:g}):
            diverged = True
            break
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    if diverged:
        break

with torch.no_grad():
    _, decoded = autoencoder(x_test)
ae_mse = float("nan") if diverged else ((decoded.double() - x_test.double()) ** 2).mean().item()

# the linear baseline: PCA with as many components, fitted on the same training images
pca = PCA(n_components=CODE, random_state=SEED).fit(x_train.numpy())
pca_recon = pca.inverse_transform(pca.transform(x_test.numpy()))
pca_mse = float(((pca_recon.astype(np.float64) - x_test.double().numpy()) ** 2).mean())

print(f"autoencoder held-out MSE = {{ae_mse:.6g}}")
print(f"PCA held-out MSE = {{pca_mse:.6g}}")
'''
