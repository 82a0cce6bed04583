"""The autoencoder lesson the tutorial's way: its `AutoEncoder` class and its `DataLoader` loop, the
reference the lesson's run is tested against and the plain loop its benchmark times."""

from __future__ import annotations

import numpy as np
import torch
import torch.utils.data as Data
from torch import nn

from core.ae import AEConfig, new_model
from core.seeding import generator_for


class TutorialAutoEncoder(nn.Module):
    """The tutorial's class, written out as it is (code size 3 there; any size here)."""

    def __init__(self, code: int = 3) -> None:
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Linear(28 * 28, 128),
            nn.Tanh(),
            nn.Linear(128, 64),
            nn.Tanh(),
            nn.Linear(64, 12),
            nn.Tanh(),
            nn.Linear(12, code),  # compress to `code` features which can be visualized
        )
        self.decoder = nn.Sequential(
            nn.Linear(code, 12),
            nn.Tanh(),
            nn.Linear(12, 64),
            nn.Tanh(),
            nn.Linear(64, 128),
            nn.Tanh(),
            nn.Linear(128, 28 * 28),
            nn.Sigmoid(),  # compress to a range (0, 1)
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        encoded = self.encoder(x)
        decoded = self.decoder(encoded)
        return encoded, decoded


def tutorial_net(config: AEConfig) -> TutorialAutoEncoder:
    """The tutorial's network, starting from the lesson run's initial weights."""
    net = TutorialAutoEncoder(config.code)
    net.load_state_dict(new_model(config).state_dict())
    return net


def run_plain(config: AEConfig, train_images: torch.Tensor) -> dict[str, np.ndarray]:
    """The tutorial's loop over (N, 28, 28) images in [0, 1]: DataLoader(shuffle=True), MSELoss, Adam.
    Returns every step's loss and the trained network."""
    autoencoder = tutorial_net(config)
    optimizer = torch.optim.Adam(autoencoder.parameters(), lr=config.lr)
    loss_func = nn.MSELoss()
    x_all = train_images[:config.train_size].reshape(-1, 1, 28, 28)  # what ToTensor gives, stacked
    dataset = Data.TensorDataset(x_all, torch.zeros(len(x_all), dtype=torch.long))
    train_loader = Data.DataLoader(dataset=dataset, batch_size=config.batch_size, shuffle=True,
                                   generator=generator_for(config.seed, "ae", "batches"))
    noise_g = generator_for(config.seed, "ae", "noise")
    losses = []
    for _epoch in range(config.epochs):
        for _step, (x, _b_label) in enumerate(train_loader):
            b_x = x.view(-1, 28 * 28)  # batch x, shape (batch, 28*28)
            b_y = x.view(-1, 28 * 28)  # batch y, shape (batch, 28*28)
            if config.noise > 0:  # the denoising variant: a noisy input, the clean target
                b_x = (b_x + config.noise * torch.randn(b_x.shape, generator=noise_g)).clamp(0, 1)
            encoded, decoded = autoencoder(b_x)
            loss = loss_func(decoded, b_y)  # mean square error
            optimizer.zero_grad()  # clear gradients for this training step
            loss.backward()  # backpropagation, compute gradients
            optimizer.step()  # apply gradients
            losses.append(loss.item())
    return {"loss": np.array(losses), "net": autoencoder.eval()}
