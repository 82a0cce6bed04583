"""Texts of the BatchNorm vs no BatchNorm page."""

EN = {
    "batchnorm.title": "BatchNorm vs no BatchNorm",
    "batchnorm.intro": "A deep tanh network with a bad initialisation: per-layer histograms show saturation without BN and healthy distributions with it.",
    "batchnorm.setup": (
        "Both networks learn y = x² − 5 + noise (noise std 2) from 2,000 points with x in [−7, 10], with the same "
        "initial weights, the same batches in the same order, Adam and MSE. They differ in one thing: the BN net "
        "has a BatchNorm layer on the input and after every hidden Linear layer, before the activation. "
        "The defaults are the classic lesson: 8 hidden layers of 10 tanh units, weights N(0, 0.1), every bias −0.2."
    ),
    "batchnorm.controls": "Settings",
    "batchnorm.activation": "Activation",
    "batchnorm.bias_init": "Initial bias (all layers)",
    "batchnorm.bias_init_help": "Every bias starts at this value. −0.2 pushes every layer the same way, a deliberately bad start.",
    "batchnorm.weight_std": "Initial weight std",
    "batchnorm.weight_std_help": "Weights start as N(0, std²). Small values shrink the signal layer after layer; large ones saturate tanh.",
    "batchnorm.depth": "Hidden layers",
    "batchnorm.width": "Units per layer",
    "batchnorm.batch_size": "Batch size",
    "batchnorm.lr": "Learning rate (Adam)",
    "batchnorm.epochs": "Epochs",
    "batchnorm.bn_momentum": "BN momentum",
    "batchnorm.bn_momentum_help": "How fast BN's running mean and variance follow the batches: running = (1 − m)·running + m·batch.",
    "batchnorm.spinner": "Training both networks…",
    "batchnorm.computed": "Computed in {seconds:.2f} s (both networks, every epoch's histograms included).",
    "batchnorm.bn_flat": "Here the BN net did not learn either: its test MSE is about the variance of the targets, what predicting one constant achieves. BatchNorm cannot rescue every setting; a learning rate far too high or too low, for one, defeats both networks.",
    "batchnorm.dist_header": "Distributions per layer",
    "batchnorm.dist_caption": (
        "Histograms of every hidden layer on the 200 test inputs, in evaluation mode. Columns are the stages in "
        "order: the Linear output, in the BN net the BN output, then the activation. The bins are fixed "
        "({lo:g} to {hi:g} before the activation); values outside fall into the outermost bins."
    ),
    "batchnorm.frame_init": "Showing: initialisation (before training)",
    "batchnorm.frame_epoch": "Showing: after epoch {epoch} of {epochs}",
    "batchnorm.learning_header": "Saturation and learning",
    "batchnorm.saturation_caption_tanh": "Saturated: |tanh| > 0.99, where its slope is below 0.02 and almost no gradient passes.",
    "batchnorm.saturation_caption_sigmoid": "Saturated: sigmoid below 0.01 or above 0.99, where its slope is below 0.01.",
    "batchnorm.saturation_caption_relu": "For ReLU: the share of outputs that are exactly zero (no gradient passes there).",
    "batchnorm.gradient_header": "Gradient flow",
    "batchnorm.gradient_caption": "Norm of each layer's weight gradient, averaged over the steps of the first and of the last epoch (log scale). Layers whose gradient is exactly zero are left out.",
    "batchnorm.train_eval_header": "Train mode vs eval mode",
    "batchnorm.train_eval_text": (
        "While training, BN normalises each layer with the mean and variance of the current batch; in evaluation "
        "mode it uses the running averages it collected during training. Every test loss and histogram on this "
        "page is in evaluation mode. The chart shows the BN net's test loss both ways: with the running "
        "statistics, and with the statistics of the 200 test points themselves."
    ),
    "batchnorm.words_header": "What you are looking at",
    "batchnorm.words": (
        "**Saturation.** Without BN the bad start (every bias −0.2, small weights) pushes each layer's inputs "
        "the same way, and as it trains, the deep layers' Linear outputs drift far from zero: their tanh "
        "outputs pile up at −1 and +1. There tanh is flat, so almost "
        "no gradient passes back and those layers stop learning; the plain net ends up predicting little more "
        "than a constant.\n\n"
        "**Internal covariate shift.** Every update of a layer's weights changes the distribution of the inputs "
        "the next layers see, so each layer chases a moving target; watch the histograms of the plain net drift "
        "from epoch to epoch. BN re-centres and re-scales each layer's Linear output to mean 0 and variance 1 "
        "over the batch (then a learned scale and shift), so the activation always receives values in its "
        "useful range, whatever the layers before did. That is why, from the first epoch on, the \"after BN\" "
        "column stays centred near zero with a spread of one or two (the learned scale), while the pre-BN Linear "
        "output may wander. At initialisation, in evaluation mode, BN has not collected any statistics yet "
        "(running mean 0, variance 1), so its output still equals its input."
    ),
    "batchnorm.net_plain": "No BN",
    "batchnorm.net_long.plain": "The net without BN",
    "batchnorm.net_long.bn": "The net with BN",
    "batchnorm.net_bn": "With BN",
    "batchnorm.stage_linear": "Linear output (pre-activation)",
    "batchnorm.stage_linear_pre_bn": "Linear output (pre-BN)",
    "batchnorm.stage_bn": "After BN (pre-activation)",
    "batchnorm.stage_act": "{act} output",
    "batchnorm.axis_layer": "Layer",
    "batchnorm.axis_share": "Share",
    "batchnorm.axis_epoch": "Epoch",
    "batchnorm.axis_test_loss": "Test MSE (log)",
    "batchnorm.axis_output": "out",
    "batchnorm.axis_grad_norm": "Weight-gradient norm (log)",
    "batchnorm.axis_saturated_tanh": "Units with |tanh| > 0.99",
    "batchnorm.axis_saturated_sigmoid": "Units with sigmoid < 0.01 or > 0.99",
    "batchnorm.axis_saturated_relu": "Units with ReLU output = 0",
    "batchnorm.chart_saturation": "Saturation per layer",
    "batchnorm.chart_loss": "Test loss (eval mode)",
    "batchnorm.chart_predictions": "Predictions on the test data",
    "batchnorm.chart_gradients": "Weight-gradient norm per layer",
    "batchnorm.chart_grad_epoch": "Epoch {epoch}",
    "batchnorm.chart_train_eval": "BN net: test loss in eval mode vs train mode",
    "batchnorm.mode_eval": "eval mode (running stats)",
    "batchnorm.mode_train": "train mode (stats of the test batch)",
}

ZH = {
    "batchnorm.title": "有无批归一化（BatchNorm）",
    "batchnorm.intro": "一个初始化很差的深层 tanh 网络：逐层直方图显示，没有 BN 时神经元饱和，有 BN 时分布健康。",
    "batchnorm.setup": (
        "两个网络学习同一个函数 y = x² − 5 + 噪声（噪声标准差为 2），训练数据为 x ∈ [−7, 10] 上的 2000 个点；"
        "它们的初始权重相同，小批量相同且顺序相同，都用 Adam 和均方误差。唯一的区别是：BN 网络在输入端以及每个隐藏"
        "层的线性层之后、激活函数之前各加一个 BatchNorm 层。默认设置就是经典教程的设置：8 个隐藏层，每层 10 个 tanh "
        "单元，权重取 N(0, 0.1)，所有偏置都是 −0.2。"
    ),
    "batchnorm.controls": "设置",
    "batchnorm.activation": "激活函数",
    "batchnorm.bias_init": "初始偏置（所有层）",
    "batchnorm.bias_init_help": "所有偏置都从这个值开始。−0.2 让每一层都朝同一方向偏移，是故意设计的糟糕初始化。",
    "batchnorm.weight_std": "初始权重标准差",
    "batchnorm.weight_std_help": "权重初始化为 N(0, std²)。值太小，信号会逐层缩小；值太大，tanh 会饱和。",
    "batchnorm.depth": "隐藏层数",
    "batchnorm.width": "每层单元数",
    "batchnorm.batch_size": "批大小",
    "batchnorm.lr": "学习率（Adam）",
    "batchnorm.epochs": "训练轮数",
    "batchnorm.bn_momentum": "BN 动量",
    "batchnorm.bn_momentum_help": "BN 的滑动均值和方差跟随各批数据变化的快慢：滑动值 = (1 − m)·滑动值 + m·本批值。",
    "batchnorm.spinner": "正在训练两个网络……",
    "batchnorm.computed": "用时 {seconds:.2f} 秒（两个网络，含每一轮的直方图）。",
    "batchnorm.bn_flat": "这里带 BN 的网络也没有学会：它的测试 MSE 约等于目标值的方差，也就是只预测一个常数所能达到的水平。BatchNorm 并不能挽救所有设置；比如学习率过高或过低，两个网络都会失败。",
    "batchnorm.dist_header": "逐层分布",
    "batchnorm.dist_caption": (
        "在 200 个测试输入上、评估模式下，每个隐藏层的直方图。各列按计算顺序排列：线性层输出，BN 网络中再加 BN "
        "输出，最后是激活值。分箱范围固定（激活前为 {lo:g} 到 {hi:g}），超出范围的值计入最外侧的箱。"
    ),
    "batchnorm.frame_init": "当前显示：初始化（训练之前）",
    "batchnorm.frame_epoch": "当前显示：第 {epoch} 轮之后（共 {epochs} 轮）",
    "batchnorm.learning_header": "饱和与学习",
    "batchnorm.saturation_caption_tanh": "饱和：|tanh| > 0.99，此处斜率小于 0.02，几乎没有梯度能传回去。",
    "batchnorm.saturation_caption_sigmoid": "饱和：sigmoid 小于 0.01 或大于 0.99，此处斜率小于 0.01。",
    "batchnorm.saturation_caption_relu": "对 ReLU：输出恰好为零的比例（这些位置没有梯度传回）。",
    "batchnorm.gradient_header": "梯度流动",
    "batchnorm.gradient_caption": "每一层权重梯度的范数，分别在第一轮和最后一轮的所有步上取平均（对数坐标）。梯度恰好为零的层不画出。",
    "batchnorm.train_eval_header": "训练模式与评估模式",
    "batchnorm.train_eval_text": (
        "训练时，BN 用当前这一批数据的均值和方差来归一化每一层；评估模式下，它改用训练过程中累积的滑动平均值。"
        "本页所有测试损失和直方图都是在评估模式下计算的。下图给出 BN 网络在两种方式下的测试损失：用滑动统计量，"
        "以及用这 200 个测试点自身的统计量。"
    ),
    "batchnorm.words_header": "图中看到的是什么",
    "batchnorm.words": (
        "**饱和。** 没有 BN 时，糟糕的初始化（所有偏置为 −0.2、权重很小）让每一层的输入都朝同一方向偏；"
        "训练过程中，深层的线性输出逐渐远离零点：tanh 的输出堆积在 −1 和 +1 附近。那里 tanh 几乎是平的，"
        "梯度几乎传不回去，这些层就不再学习；最后普通网络的预测和一个常数差不了多少。\n\n"
        "**内部协变量偏移。** 某一层的权重每更新一次，后面各层看到的输入分布就跟着变，每一层都在追一个移动的目标；"
        "可以看到普通网络的直方图一轮一轮地漂移。BN 把每层线性输出在这一批上重新居中、缩放到均值 0、方差 1"
        "（再乘以可学习的缩放、加上平移），所以无论前面各层怎么变，激活函数收到的值总在它有用的范围内。"
        "这就是为什么从第一轮起，“BN 之后”那一列始终以零为中心、宽度约为 1 到 2（即学到的缩放），而 BN 之前的线性输出可以四处漂移。初始化时在评估模式下，BN 还没有收集任何统计量（滑动均值为 0、方差为 1），所以它的输出仍等于输入。"
    ),
    "batchnorm.net_plain": "无 BN",
    "batchnorm.net_long.plain": "不带 BN 的网络",
    "batchnorm.net_long.bn": "带 BN 的网络",
    "batchnorm.net_bn": "有 BN",
    "batchnorm.stage_linear": "线性层输出（激活前）",
    "batchnorm.stage_linear_pre_bn": "线性层输出（BN 前）",
    "batchnorm.stage_bn": "BN 之后（激活前）",
    "batchnorm.stage_act": "{act} 输出",
    "batchnorm.axis_layer": "层",
    "batchnorm.axis_share": "占比",
    "batchnorm.axis_epoch": "轮次",
    "batchnorm.axis_test_loss": "测试均方误差（对数）",
    "batchnorm.axis_output": "输出",
    "batchnorm.axis_grad_norm": "权重梯度范数（对数）",
    "batchnorm.axis_saturated_tanh": "|tanh| > 0.99 的单元",
    "batchnorm.axis_saturated_sigmoid": "sigmoid < 0.01 或 > 0.99 的单元",
    "batchnorm.axis_saturated_relu": "ReLU 输出为 0 的单元",
    "batchnorm.chart_saturation": "各层饱和比例",
    "batchnorm.chart_loss": "测试损失（评估模式）",
    "batchnorm.chart_predictions": "测试数据上的预测",
    "batchnorm.chart_gradients": "各层权重梯度范数",
    "batchnorm.chart_grad_epoch": "第 {epoch} 轮",
    "batchnorm.chart_train_eval": "BN 网络：评估模式与训练模式下的测试损失",
    "batchnorm.mode_eval": "评估模式（滑动统计量）",
    "batchnorm.mode_train": "训练模式（测试批自身的统计量）",
}
