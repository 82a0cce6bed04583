"""The code of a run: every lesson has a script writer; each script, run as `python script.py` on
its own, prints the final figures the app computes for the same configuration (its default, and a
random one drawn from the page's control declarations), within the writer's stated tolerance. The
run's whole-result export names the same configuration and seed.

Random configurations are drawn from a fixed generator per config class (the same in every run of
the suite), then shortened by the writer's `quick` so that the whole module stays in minutes
(about 4 minutes here, on 2 busy cores). Tolerances: each writer's `rtol`/`atol` (2e-3 relative for
most), and wider ones, per figure, where a long run amplifies rounding differences between the
app's stacked engine and the script's one-network loop; each is explained beside its writer.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import random
import subprocess
import sys
from typing import Any

import pytest
import torch

from core.export import plain, run_json
from core.runs import run
from core.scripts import agree, entry, lesson_scripts, printed_figures
from pages import LESSONS
from ui.controls import Choice, Coded, Multi, Toggle, _Range
from ui.lesson import controls_of

SCRIPT_TIMEOUT_S = 300


@pytest.fixture(autouse=True)
def one_thread():
    """The app's run on one torch thread, as every script runs: float sums, and so the last digits
    of a long run, depend on how many threads share them."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda x: x.name)
def test_every_lesson_has_a_script(lesson):
    assert lesson_scripts(lesson.name), f"core/{lesson.name}/script.py registers no script (core.scripts)"


def _random_value(control: Any, rng: random.Random) -> Any:
    """A valid value of `control`, drawn from its declaration (range and step, options)."""
    if isinstance(control, _Range):
        if control.lo > 0 and control.hi / control.lo >= 100:  # a rate: spread over its decades
            value = math.exp(rng.uniform(math.log(control.lo), math.log(control.hi)))
        else:
            value = rng.uniform(control.lo, control.hi)
        if control.step and value > control.step:
            value = control.lo + control.step * round((value - control.lo) / control.step)
        value = min(max(value, control.lo), control.hi)
        return control.cast(float(f"{value:.4g}"))
    if isinstance(control, Choice):
        return rng.choice(control.options)
    if isinstance(control, Multi):
        most = min(control.max_items, len(control.options))
        return tuple(rng.sample(control.options, rng.randint(1, most)))
    if isinstance(control, Toggle):
        return rng.random() < 0.5
    return control.default


def random_config(lesson: str, config_class: type) -> Any:
    """A configuration of `config_class` with each field a control of `lesson` sets drawn at random
    (the same draw in every run), a random seed, then shortened by the writer's `quick`."""
    rng = random.Random(f"{lesson}:{config_class.__name__}")
    values = {c.field: _random_value(c, rng) for c in controls_of(lesson) or ()
              if c.config is config_class and not isinstance(c, Coded)}
    config = config_class(**values)
    if "seed" in {f.name for f in dataclasses.fields(config_class)}:
        config = dataclasses.replace(config, seed=rng.randint(1, 999))
    return entry(config_class).quick(config)


def _cases() -> list:
    cases = []
    for lesson in LESSONS:
        for config_class in lesson_scripts(lesson.name):
            for which in ("default", "random"):
                cases.append(pytest.param(lesson.name, config_class, which,
                                          id=f"{lesson.name}-{config_class.__name__}-{which}"))
    return cases


@pytest.mark.parametrize(("lesson", "config_class", "which"), _cases())
def test_generated_script_reproduces_the_run(lesson, config_class, which, tmp_path):
    found = entry(config_class)
    reason = found.missing()
    if reason:
        pytest.skip(reason)
    config = config_class() if which == "default" else random_config(lesson, config_class)
    path = tmp_path / f"{lesson}.py"
    path.write_text(found.write(config))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    # the script runs beside the app's own run (one thread each: two cores, half the wait)
    script = subprocess.Popen([sys.executable, str(path)], cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env)
    try:
        result = (found.app or run)(config)
        stdout, stderr = script.communicate(timeout=SCRIPT_TIMEOUT_S)
    finally:
        script.kill()
    assert script.returncode == 0, stderr[-3000:]
    expected = found.figures(result)
    printed = printed_figures(stdout)
    assert set(expected) <= set(printed), (sorted(expected), stdout[-2000:])
    for name, want in expected.items():
        value, rtol, atol = want if isinstance(want, tuple) else (want, found.rtol, found.atol)
        got = printed[name]
        assert agree(value, got, rtol, atol), f"{name}: app {value}, script {got}, {config}"
    doc = json.loads(run_json(lesson, config, result))
    assert doc["config"] == plain(config) and doc["config_class"] == config_class.__name__
    assert doc["seed"] == getattr(config, "seed", None) and doc["lesson"] == lesson
