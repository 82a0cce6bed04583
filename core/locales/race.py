"""Texts of the Optimizer race page."""

EN = {
    "race.title": "Optimizer race",
    "race.intro": "SGD, Momentum, RMSprop, Adam and more train the same network from the same start on the same batches; watch their losses race.",
}

ZH = {
    "race.title": "优化器赛跑",
    "race.intro": "SGD、Momentum、RMSprop、Adam 等优化器从同一起点、用同样的批次训练同一个网络，看它们的损失曲线赛跑。",
}
