"""Home page texts: the introduction and one card per comparison."""

EN = {
    "home.title": "Home",
    "home.intro": (
        "{n} experiments, each run side by side on the same data with the same seed, so the only "
        "difference you see is the one being studied. Pick one below or in the sidebar."
    ),
    "home.open": "Open",
    "home.offline": "Everything runs on this machine; no internet connection is needed once installed.",
}

ZH = {
    "home.title": "首页",
    "home.intro": "{n} 个实验，每个都在同样的数据、同样的随机种子上并排运行，所以你看到的差异只来自被研究的那一处。请在下方或侧边栏选择。",
    "home.open": "打开",
    "home.offline": "所有计算都在本机进行；安装后无需联网。",
}
