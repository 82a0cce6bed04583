"""Texts of the MNIST: CNN vs LSTM page."""

EN = {
    "mnist.title": "MNIST: CNN vs LSTM",
    "mnist.intro": "Draw a digit: a CNN that sees the whole image and an LSTM that reads it row by row predict side by side.",
}

ZH = {
    "mnist.title": "MNIST：CNN 与 LSTM",
    "mnist.intro": "手写一个数字：看整幅图的 CNN 和逐行阅读的 LSTM 并排给出预测。",
}
