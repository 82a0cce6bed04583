"""App-wide texts: sidebar, navigation, notes and errors shared by every page."""

EN = {
    "app.title": "PyTorch Playground",
    "app.tagline": "Side-by-side comparisons: same data, same seed, one difference.",
    "app.language": "Language",
    "app.seed": "Run seed",
    "app.seed_help": "Every run draws its data, initial weights, batch order and dropout from this seed.",
    "app.device": "Device",
    "app.device_error": "Device setting ignored ({error}); using the CPU.",
    "app.url_notes": "Some values in the link were not valid and were replaced by defaults: {items}.",
    "app.error": "Something went wrong on this page: {error}. Your settings are kept; change one and try again.",
    "app.home": "Home",
    "app.share": "The address bar holds every control on this page: copy it to share this exact run.",
    "play.start": "▶ Start",
    "play.stop": "⏸ Stop",
    "play.reset": "⏮ Reset",
    "play.timeline": "Timeline",
    "play.step": "step {step} of {total}",
}

ZH = {
    "app.title": "PyTorch 游乐场",
    "app.tagline": "并排比较：同样的数据，同样的随机种子，只改一处。",
    "app.language": "语言",
    "app.seed": "随机种子",
    "app.seed_help": "每次运行的数据、初始权重、批次顺序和 dropout 都由这个种子决定。",
    "app.device": "计算设备",
    "app.device_error": "设备设置无效（{error}），改用 CPU。",
    "app.url_notes": "链接中的部分参数无效，已改用默认值：{items}。",
    "app.error": "本页出错：{error}。你的设置已保留，请修改后重试。",
    "app.home": "首页",
    "app.share": "地址栏保存了本页的所有设置：复制链接即可分享这次运行。",
    "play.start": "▶ 开始",
    "play.stop": "⏸ 暂停",
    "play.reset": "⏮ 重置",
    "play.timeline": "时间轴",
    "play.step": "第 {step} 步，共 {total} 步",
}
