"""Texts of the BatchNorm vs no BatchNorm page."""

EN = {
    "batchnorm.title": "BatchNorm vs no BatchNorm",
    "batchnorm.intro": "A deep tanh network with a bad initialisation: per-layer histograms show saturation without BN and healthy distributions with it.",
}

ZH = {
    "batchnorm.title": "有无批归一化（BatchNorm）",
    "batchnorm.intro": "一个初始化很差的深层 tanh 网络：逐层直方图显示，没有 BN 时神经元饱和，有 BN 时分布健康。",
}
