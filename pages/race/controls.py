"""The race page's controls, each declared once (see ui.controls)."""

from core.race import RaceConfig, decode_racers, encode_racers
from core.race.surfaces import SURFACES, SurfaceConfig
from ui.controls import Choice, Coded, Controls, Number, Slider, Toggle, bind

RACERS = "race.racers"  # the racers tuple, edited through the rows of the racer editor

CONTROLS = Controls(
    bind(RaceConfig,
         Coded(key=RACERS, field="racers", decode=decode_racers, encode=encode_racers),
         Slider(key="race.seeds", field="seeds", lo=1, hi=10),
         Toggle(key="race.fair", field="fair_start")),
    bind(SurfaceConfig,
         Choice(key="race.surface", field="surface", options=tuple(SURFACES), names="race.surface."),
         Choice(key="race.start", field="start", options=(0, 1, 2))),
    # view settings: they change what is drawn, not what is trained
    Choice(key="race.view", default="race", options=("race", "surface"), names="race.view.",
           style="segmented", tab=True),
    Toggle(key="race.log", default=True),
    Slider(key="race.smooth", default=0.6, lo=0.0, hi=0.95, step=0.05),
    Number(key="race.target", default=0.02, lo=0.001, hi=1.0, step=0.005, fmt="%.3f"),
)


def warm() -> tuple:
    """What the default link computes, on either view (see core.compute's warm start)."""
    race = CONTROLS.defaults(RaceConfig, seed=0)
    return race, CONTROLS.defaults(SurfaceConfig, racers=race.racers, steps=race.steps,
                                   snapshot_every=race.snapshot_every)
