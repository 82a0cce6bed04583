"""Texts of the Activation functions page."""

EN = {
    "activations.title": "Activation functions",
    "activations.intro": "Shapes and derivatives of activation functions, and what each does to training and to gradient flow.",
}

ZH = {
    "activations.title": "激活函数",
    "activations.intro": "激活函数的形状与导数，以及它们对训练和梯度传播的影响。",
}
