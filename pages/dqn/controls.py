"""The DQN page's controls, each declared once (see ui.controls)."""

from core.dqn import AGENTS, REWARDS, SCHEDULES, DQNConfig, SpreadConfig
from core.dqn.shipped import PlayConfig
from ui.controls import Choice, Controls, Multi, Number, Slider, Toggle, bind

VIEW = "dqn.view"  # the open view's code
VIEWS = ("train", "watch")
SPEEDS = ("slow", "normal", "fast", "very_fast")

CONTROLS = Controls(
    bind(DQNConfig,
         Multi(key="dqn.agents", field="agents", options=AGENTS, names="dqn.agent_"),
         Slider(key="dqn.steps", field="steps", lo=2_000, hi=150_000, step=1_000),
         Slider(key="dqn.epsilon", field="epsilon", lo=0.0, hi=1.0, step=0.05),
         Choice(key="dqn.schedule", field="schedule", options=SCHEDULES, names="dqn.schedule.",
                style="segmented"),
         Slider(key="dqn.gamma", field="gamma", lo=0.0, hi=0.99, step=0.01),
         Number(key="dqn.lr", field="lr", lo=1e-5, hi=1.0, step=0.001, fmt="%.4f"),
         Slider(key="dqn.memory", field="memory", lo=100, hi=10_000, step=100),
         Slider(key="dqn.target", field="target_every", lo=1, hi=1_000, step=1),
         Choice(key="dqn.reward", field="reward", options=REWARDS, names="dqn.reward."),
         Toggle(key="dqn.cut", field="cut_at_end", checkbox=True),
         Slider(key="dqn.cap", field="max_steps", lo=0, hi=2_000, step=50)),
    bind(SpreadConfig,
         Slider(key="dqn.seeds", field="seeds", lo=3, hi=10, step=1)),
    # view settings: what is shown, not what is trained
    Choice(key=VIEW, default="train", options=VIEWS, names="dqn.view.", style="segmented", tab=True),
    Choice(key="dqn.speed", default="normal", options=SPEEDS, names="dqn.speed.", style="segmented"),
    Choice(key="dqn.watch", default="shipped", options=("shipped", *AGENTS), names="dqn.agent_"),
)


def warm() -> tuple:
    """What the default link computes: the comparison, its runs over seeds, and (the watch view)
    the pretrained agent's play."""
    config = CONTROLS.defaults(DQNConfig, seed=0)
    return config, CONTROLS.defaults(SpreadConfig, base=config), PlayConfig(seed=0)
