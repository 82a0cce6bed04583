"""Texts of the Dropout vs overfitting page."""

EN = {
    "dropout.title": "Dropout vs overfitting",
    "dropout.intro": "A wide network memorises 20 noisy points; the same network with dropout does not.",
}

ZH = {
    "dropout.title": "Dropout 与过拟合",
    "dropout.intro": "一个很宽的网络记住了 20 个带噪声的点；加上 dropout 的同一个网络则不会。",
}
