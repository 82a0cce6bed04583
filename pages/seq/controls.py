"""The sequences page's controls, each declared once (see ui.controls)."""

from core.seq import KINDS, TASKS, VARIANTS, SeqConfig, SeqSpreadConfig
from ui.controls import Choice, Controls, Multi, Number, Slider, bind

CONTROLS = Controls(
    bind(SeqConfig,
         Choice(key="seq.task", field="task", options=TASKS, names="seq.task.", style="segmented"),
         Slider(key="seq.window", field="window_pi", lo=0.25, hi=4.0, step=0.25, fmt="%.2f π"),
         Slider(key="seq.steps", field="steps", lo=2, hi=50, step=1),
         Slider(key="seq.hidden", field="hidden", lo=2, hi=128, step=2),
         Number(key="seq.lr", field="lr", lo=1e-4, hi=50.0, step=0.005, fmt="%.4f"),
         Slider(key="seq.windows", field="windows", lo=10, hi=300, step=10),
         Slider(key="seq.noise", field="noise", lo=0.0, hi=1.0, step=0.05),
         Slider(key="seq.test_freq", field="test_freq", lo=0.25, hi=4.0, step=0.25)),
    bind(SeqSpreadConfig,
         Slider(key="seq.seeds", field="seeds", lo=3, hi=10, step=1)),
    # view settings: they change what is drawn, not what is trained
    Multi(key="seq.show", default=VARIANTS, options=VARIANTS, names="seq.var_"),
    Choice(key="seq.heat", default="rnn", options=KINDS, names="seq.kind_", style="segmented"),
)


def warm() -> tuple:
    """What the default link computes: the six variants and their runs over seeds."""
    config = CONTROLS.defaults(SeqConfig, seed=0)
    return config, CONTROLS.defaults(SeqSpreadConfig, base=config)
