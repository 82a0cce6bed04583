"""The MNIST page's controls, each declared once (see ui.controls)."""

from core.mnist.live import WHICH, LiveConfig
from ui.controls import Choice, Controls, Number, Slider, bind

TRAIN_SIZE = "mnist.train_size"  # its label names how many images there are (the page draws it)

CONTROLS = Controls(
    bind(LiveConfig,
         Choice(key="mnist.which", field="which", options=WHICH, names="mnist.which.", style="radio"),
         Number(key="mnist.epochs", field="epochs", lo=1, hi=20, step=1),
         Number(key="mnist.cnn_lr", field="cnn_lr", lo=1e-5, hi=1.0, step=0.0005, fmt="%.5f"),
         Number(key="mnist.lstm_lr", field="lstm_lr", lo=1e-5, hi=1.0, step=0.0005, fmt="%.5f"),
         Number(key="mnist.cnn_batch", field="cnn_batch", lo=8, hi=1000, step=1),
         Number(key="mnist.lstm_batch", field="lstm_batch", lo=8, hi=1000, step=1),
         Number(key=TRAIN_SIZE, field="train_size", lo=500, hi=60000, step=500)),
    # a view setting: how far down the drawn digit the LSTM has read
    Slider(key="mnist.row", default=28, lo=1, hi=28, fmt="%d"),
)
