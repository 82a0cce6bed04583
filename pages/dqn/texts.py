"""Texts of the DQN page."""

EN = {
    "dqn.title": "DQN balances a CartPole",
    "dqn.intro": "A Q-network learns to keep a pole upright on a cart; the same agent without replay memory, "
                 "without target network, or without either learns beside it.",
    "dqn.setup": "Same seed for every agent: the same starting weights, the same random numbers (ε draws, random "
                 "actions, episode starts, replay indices). What differs: the replay memory (a random batch of "
                 "past transitions, or only the latest ones, in order) and the target network (a copy renewed "
                 "every so many learning steps, or the net itself).",
    "dqn.words": (
        "- **Q-learning**: the net guesses Q(s, a), the reward still to come after pushing the cart left or right "
        "in state s. It learns from its own guess one step later: target r + γ · max Q(s′, ·). The gap between "
        "guess and target is the **TD error**.\n"
        "- **Replay memory**: every step is stored; each learning step draws a random batch of old transitions. "
        "Without it the net learns from the latest steps only, which all look alike, and forgets the rest.\n"
        "- **Target network**: the target is computed with a frozen copy of the net, renewed every 100 learning "
        "steps. Without it the target moves with every update.\n"
        "- **What to look for**: the bold lines of the episode return (steps the pole stayed up). On the lesson's "
        "settings, the DQN ends ahead of the agent without replay on **{no_replay} of {n} seeds** and ahead of the "
        "agent with neither on **{neither} of {n}**; without the target network alone it is ahead on only "
        "**{no_target} of {n}**: at this small size the target network makes no clear difference."),
    "dqn.view": "View",
    "dqn.view.train": "🏋️ Training side by side",
    "dqn.view.watch": "🕹️ Watch it play",
    "dqn.controls": "Settings",
    "dqn.agents": "Agents",
    "dqn.agents_help": "Which agents train side by side (all from the same start).",
    "dqn.steps": "Environment steps",
    "dqn.steps_help": "Steps each agent takes in its CartPole. The lesson ran 400 episodes (about 122,000 steps).",
    "dqn.epsilon": "ε: probability of the greedy action",
    "dqn.epsilon_help": "As in the lesson: with this probability the agent takes the action with the larger Q, "
                        "otherwise a random one.",
    "dqn.schedule": "ε schedule",
    "dqn.schedule.constant": "constant",
    "dqn.schedule.ramp": "ramp up",
    "dqn.schedule_help": "Ramp up: the greedy probability grows from 0 to ε over the first half of the steps "
                         "(explore first, then exploit).",
    "dqn.gamma": "Discount γ",
    "dqn.gamma_help": "How much the next state's value counts in the target: r + γ · max Q(s′, ·).",
    "dqn.lr": "Learning rate (Adam)",
    "dqn.memory": "Replay memory (transitions)",
    "dqn.memory_help": "Learning starts once the memory is full; the agents without replay wait as long.",
    "dqn.target": "Target update (learning steps)",
    "dqn.target_help": "The target network is a copy of the net, renewed every this many learning steps.",
    "dqn.reward": "Reward",
    "dqn.reward.shaped": "the lesson's (shaped)",
    "dqn.reward.own": "the environment's (1 a step)",
    "dqn.reward_help": "Shaped: higher the nearer the cart is to the middle and the more upright the pole. The "
                       "environment's own: 1 for every step, which needs \"stop at the end\" to mean anything.",
    "dqn.cut": "Stop the target at an episode's end",
    "dqn.cut_help": "The lesson looks past the end of an episode (r + γ · max Q of the fallen state); on, the "
                    "target of the last step is its reward alone.",
    "dqn.cap": "Episode length cap (0: none)",
    "dqn.cap_help": "An episode ends after this many steps. The lesson's environment has no cap.",
    "dqn.speed": "Speed",
    "dqn.speed.slow": "slow",
    "dqn.speed.normal": "normal",
    "dqn.speed.fast": "fast",
    "dqn.speed.very_fast": "very fast",
    "dqn.training": "Training the agents…",
    "dqn.own_no_cut": "With the environment's own reward (1 every step) and a target that looks past the end of "
                      "an episode, every Q-value tends to 1/(1 − γ) whatever the agent does: nothing can be learned. "
                      "Turn on \"Stop the target at an episode's end\".",
    "dqn.frame_caption": "Step {step:,} of {total:,}. Each frame is one moment of training, so the carts jump: "
                         "watch them last longer. Bars under each cart: the Q-values of its state (dark: what the "
                         "greedy policy does).",
    "dqn.table_title": "At the end of training",
    "dqn.col.agent": "Agent",
    "dqn.col.final": "Return, last 20 episodes",
    "dqn.col.episodes": "Episodes",
    "dqn.col.td": "Last TD error",
    "dqn.col_note": "Return: the mean number of steps the pole stayed up over the last 20 episodes (the last one "
                    "counted as far as it got).",
    "dqn.agent_dqn": "DQN",
    "dqn.agent_no_target": "No target network",
    "dqn.agent_no_replay": "No replay memory",
    "dqn.agent_neither": "Neither",
    "dqn.agent_shipped": "Pretrained agent",
    "dqn.episode": "episode {n}, step {step}",
    "dqn.fell": "fell",
    "dqn.left": "← left",
    "dqn.right": "right →",
    "dqn.returns_title": "Episode return (steps balanced)",
    "dqn.td_title": "TD error (MSE per learning step)",
    "dqn.env_step": "environment step",
    "dqn.steps_balanced": "steps balanced (log scale)",
    "dqn.td_error": "TD error (log scale)",
    "dqn.raw": "each episode",
    "dqn.smoothed": "mean of the last 20",
    "dqn.agent": "agent",
    "dqn.kind": "line",
    "dqn.not_learning": "learning starts once the memory is full",
    "dqn.seed": "seed",
    "dqn.final": "final return (steps balanced)",
    "dqn.watch": "Agent to watch",
    "dqn.watch_help": "The pretrained agent ships with the app; the others are this page's trained agents.",
    "dqn.watch_words": "The trained net alone, always taking the action with the larger Q (no random actions), "
                       "from the same start, for up to 500 steps.",
    "dqn.watch_shipped": "Pretrained agent: the lesson's DQN trained {steps:,} steps (seed {seed}) by "
                         "scripts/train_dqn.py; it balanced all 500 steps from each of 10 starts.",
    "dqn.watch_off": "{name} is not among this run's agents: switch it on under Settings to watch it.",
    "dqn.watch_lasted": "{name} kept the pole up for all {n} steps.",
    "dqn.watch_fell": "{name} lost the pole after {n} steps.",
    "dqn.play_waiting": "Playing…",
    "dqn.run_waiting": "Training the agents to watch…",
    "dqn.seeds_title": "The same comparison on several seeds",
    "dqn.seeds_header": "One seed is one draw of starting weights and random numbers: how often does the DQN win?",
    "dqn.seeds": "Seeds",
    "dqn.seeds_summary": "Seeds {first} to {last}: the DQN ended ahead of “{name}” on **{wins} of {n}** seeds.",
    "dqn.seeds_no_dqn": "Switch the DQN on to compare the others against it.",
    "dqn.seeds_note": "Reinforcement learning is noisy: a single seed can go either way. The counts over seeds are "
                      "what the lesson rests on.",
    "dqn.seeds_heavy": "These settings take a while to train several times over; start when you are ready.",
    "dqn.seeds_run": "Train on {n} seeds",
    "dqn.seeds_waiting": "Training on {n} seeds…",
    "dqn.seeds_chart": "Final return per seed",
}

ZH = {
    "dqn.title": "DQN 平衡倒立摆",
    "dqn.intro": "一个 Q 网络学着让小车上的杆子保持竖直；同样的智能体去掉经验回放、去掉目标网络、或两者都去掉，"
                 "在旁边一起学。",
    "dqn.setup": "所有智能体用同一个种子：同样的初始权重，同样的随机数（ε 抽样、随机动作、每局的起始状态、回放索引）。"
                 "不同之处：经验回放（从过去的转移中随机抽一批，还是只按顺序用最新的几条）和目标网络"
                 "（每隔若干学习步更新一次的副本，还是网络本身）。",
    "dqn.words": (
        "- **Q 学习**：网络估计 Q(s, a)，即在状态 s 把小车推向左或右之后还能得到的回报。它用自己一步之后的估计来学习："
        "目标是 r + γ · max Q(s′, ·)。估计与目标之差就是 **TD 误差**。\n"
        "- **经验回放**：每一步都被存下来；每次学习随机抽一批旧的转移。没有它，网络只从最近几步学习，"
        "而这些步彼此很像，它会忘掉其余的经验。\n"
        "- **目标网络**：目标用网络的一个冻结副本来计算，每 100 个学习步更新一次。没有它，每次更新都会让目标跟着移动。\n"
        "- **看什么**：每局回报（杆子立住的步数）的粗线。在本课的设置下，DQN 在 **{n} 个种子中的 {no_replay} 个**上"
        "最终超过没有经验回放的智能体，在 **{n} 个中的 {neither} 个**上超过两者都没有的智能体；只去掉目标网络时，"
        "它只在 **{n} 个中的 {no_target} 个**上领先：在这么小的规模下，目标网络没有明显作用。"),
    "dqn.view": "视图",
    "dqn.view.train": "🏋️ 并排训练",
    "dqn.view.watch": "🕹️ 看它玩",
    "dqn.controls": "设置",
    "dqn.agents": "智能体",
    "dqn.agents_help": "哪些智能体并排训练（都从同一个起点出发）。",
    "dqn.steps": "环境步数",
    "dqn.steps_help": "每个智能体在自己的倒立摆里走的步数。原课程跑了 400 局（约 122,000 步）。",
    "dqn.epsilon": "ε：选择贪心动作的概率",
    "dqn.epsilon_help": "和原课程一样：以这个概率选 Q 值较大的动作，否则随机选一个。",
    "dqn.schedule": "ε 的变化方式",
    "dqn.schedule.constant": "固定不变",
    "dqn.schedule.ramp": "逐渐增大",
    "dqn.schedule_help": "逐渐增大：贪心概率在前一半步数里从 0 升到 ε（先探索，后利用）。",
    "dqn.gamma": "折扣 γ",
    "dqn.gamma_help": "下一状态的价值在目标中占多少分量：r + γ · max Q(s′, ·)。",
    "dqn.lr": "学习率（Adam）",
    "dqn.memory": "经验回放容量（条转移）",
    "dqn.memory_help": "记忆存满后才开始学习；没有经验回放的智能体也等同样久。",
    "dqn.target": "目标网络更新间隔（学习步）",
    "dqn.target_help": "目标网络是网络的一个副本，每隔这么多学习步更新一次。",
    "dqn.reward": "奖励",
    "dqn.reward.shaped": "原课程的（塑形奖励）",
    "dqn.reward.own": "环境自带的（每步 1 分）",
    "dqn.reward_help": "塑形奖励：小车越靠近中间、杆子越竖直，奖励越高。环境自带的奖励：每步 1 分，"
                       "要配合“在一局结束处截断目标”才有意义。",
    "dqn.cut": "在一局结束处截断目标",
    "dqn.cut_help": "原课程会越过一局的结束继续估值（r + γ · 倒下后状态的 max Q）；打开后，最后一步的目标只是它的奖励。",
    "dqn.cap": "每局步数上限（0：不限）",
    "dqn.cap_help": "一局最多走这么多步。原课程的环境没有上限。",
    "dqn.speed": "速度",
    "dqn.speed.slow": "慢",
    "dqn.speed.normal": "正常",
    "dqn.speed.fast": "快",
    "dqn.speed.very_fast": "很快",
    "dqn.training": "正在训练智能体…",
    "dqn.own_no_cut": "用环境自带的奖励（每步 1 分），而目标又越过一局的结束继续估值时，无论智能体怎么做，"
                      "所有 Q 值都会趋向 1/(1 − γ)：什么也学不到。请打开“在一局结束处截断目标”。",
    "dqn.frame_caption": "第 {step:,} 步，共 {total:,} 步。每一帧是训练中的一个瞬间，所以小车会跳动："
                         "看它们坚持得越来越久。每辆小车下方的条形：该状态的 Q 值（深色：贪心策略会选的动作）。",
    "dqn.table_title": "训练结束时",
    "dqn.col.agent": "智能体",
    "dqn.col.final": "回报（最后 20 局）",
    "dqn.col.episodes": "局数",
    "dqn.col.td": "最后的 TD 误差",
    "dqn.col_note": "回报：最后 20 局里杆子平均立住的步数（最后一局按已走的步数计）。",
    "dqn.agent_dqn": "DQN",
    "dqn.agent_no_target": "无目标网络",
    "dqn.agent_no_replay": "无经验回放",
    "dqn.agent_neither": "两者都没有",
    "dqn.agent_shipped": "预训练智能体",
    "dqn.episode": "第 {n} 局，第 {step} 步",
    "dqn.fell": "倒了",
    "dqn.left": "← 向左",
    "dqn.right": "向右 →",
    "dqn.returns_title": "每局回报（立住的步数）",
    "dqn.td_title": "TD 误差（每个学习步的均方误差）",
    "dqn.env_step": "环境步数",
    "dqn.steps_balanced": "立住的步数（对数坐标）",
    "dqn.td_error": "TD 误差（对数坐标）",
    "dqn.raw": "每一局",
    "dqn.smoothed": "最近 20 局的平均",
    "dqn.agent": "智能体",
    "dqn.kind": "曲线",
    "dqn.not_learning": "记忆存满后才开始学习",
    "dqn.seed": "种子",
    "dqn.final": "最终回报（立住的步数）",
    "dqn.watch": "要观看的智能体",
    "dqn.watch_help": "预训练智能体随应用一起提供；其余的是本页训练出的智能体。",
    "dqn.watch_words": "只用训练好的网络，始终选择 Q 值较大的动作（不再随机），从同一个起点出发，最多 500 步。",
    "dqn.watch_shipped": "预训练智能体：原课程的 DQN，由 scripts/train_dqn.py 训练 {steps:,} 步（种子 {seed}）；"
                         "从 10 个不同起点出发，它每次都坚持满了 500 步。",
    "dqn.watch_off": "“{name}”不在本次运行的智能体里：在“设置”中打开它才能观看。",
    "dqn.watch_lasted": "{name}让杆子立住了全部 {n} 步。",
    "dqn.watch_fell": "{name}在 {n} 步之后让杆子倒了。",
    "dqn.play_waiting": "正在演示…",
    "dqn.run_waiting": "正在训练要观看的智能体…",
    "dqn.seeds_title": "在多个种子上做同样的比较",
    "dqn.seeds_header": "一个种子就是对初始权重和随机数的一次抽样：DQN 有多常获胜？",
    "dqn.seeds": "种子数",
    "dqn.seeds_summary": "种子 {first} 到 {last}：DQN 的最终回报在 **{n} 个中的 {wins} 个**种子上超过“{name}”。",
    "dqn.seeds_no_dqn": "打开 DQN，才能把其他智能体和它比较。",
    "dqn.seeds_note": "强化学习的噪声很大：单个种子的结果可能反过来。这一课依据的是多个种子上的计数。",
    "dqn.seeds_heavy": "这些设置要重复训练多次，需要一些时间；准备好后再开始。",
    "dqn.seeds_run": "在 {n} 个种子上训练",
    "dqn.seeds_waiting": "正在 {n} 个种子上训练…",
    "dqn.seeds_chart": "每个种子上的最终回报",
}
