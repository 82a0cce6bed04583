"""The results that ship with the code (core.compute.shipped): each shipped lesson's first view has a
current file, the compute service serves it without computing, a change to the code that computes
it makes it stale, and it is what the run computes here."""

from __future__ import annotations

import importlib
import shutil

import pytest

from core.compute import shipped
from core.compute.cache import ResultCache
from core.compute.service import Service, job_key
from core.compute.workers import InlineWorkers
from core.runs import run
from core.scripts import agree, entry

REMAKE = "stale or missing: run `.venv/bin/python scripts/ship_results.py` and commit core/compute/shipped/"


def first_view(lesson: str):
    return importlib.import_module(f"pages.{lesson}.controls").warm()[0]


def key_of(config):
    return job_key(run, (config, "cpu"))


@pytest.mark.parametrize("lesson", shipped.LESSONS)
def test_each_shipped_first_view_is_current(lesson):
    found = shipped.load(key_of(first_view(lesson)))
    assert found is not None, f"{lesson}: {REMAKE}"
    value, said = found
    assert said["version"] == shipped.lesson_version(lesson) and said["seconds"] > 0
    assert type(value).__name__.endswith("Result")


def test_no_stray_files():
    wanted = {shipped.path_for(key_of(first_view(lesson))) for lesson in shipped.LESSONS}
    assert set(shipped.FOLDER.glob("*")) == wanted, REMAKE


def test_the_service_serves_it_without_computing():
    config = first_view("dqn")
    svc = Service(InlineWorkers(), ResultCache(64 << 20))
    job = svc.submit(run, config, "cpu")
    assert job.done and job.result().config == config
    assert svc.completed == 0  # read, not computed
    assert svc.submit(run, config, "cpu").result() is job.result()  # from the cache from then on


def test_a_change_to_the_code_that_computes_it_makes_it_stale(tmp_path, monkeypatch):
    copy = tmp_path / "core"
    shutil.copytree(shipped.CORE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pkl", "*.pt"))
    monkeypatch.setattr(shipped, "CORE", copy)
    shipped.lesson_version.cache_clear()
    try:
        before = {lesson: shipped.lesson_version(lesson) for lesson in ("gan", "dqn", "ae")}
        with (copy / "seeding.py").open("a") as f:  # imported by the GAN's and the DQN's code
            f.write("\n# a change\n")
        (copy / "compute" / "service.py").write_text("# moves results, never changes them\n")
        shipped.lesson_version.cache_clear()
        after = {lesson: shipped.lesson_version(lesson) for lesson in before}
        assert after["gan"] != before["gan"] and after["dqn"] != before["dqn"]
        with (copy / "gan" / "painter.py").open("a") as f:
            f.write("\n# another\n")
        shipped.lesson_version.cache_clear()
        again = {lesson: shipped.lesson_version(lesson) for lesson in before}
        assert again["gan"] != after["gan"] and again["dqn"] == after["dqn"]  # the DQN does not import it
    finally:
        shipped.lesson_version.cache_clear()


@pytest.mark.parametrize("lesson", shipped.LESSONS)
def test_it_is_what_the_run_computes(lesson):
    """Computed again here, its figures (those its script prints) agree within the script's
    tolerance. A run is bit-for-bit the same only on the same CPU and torch: elsewhere, skipped."""
    config = first_view(lesson)
    value, said = shipped.load(key_of(config))
    if said["machine"] != shipped.machine():
        pytest.skip(f"made on {said['machine']}; here {shipped.machine()}")
    script = entry(type(config))
    alone = Service(InlineWorkers(), ResultCache(64 << 20), shipped_dir=None)  # without the folder
    fresh = alone.submit(run, config, "cpu").result()
    assert alone.completed == 1  # computed
    for name, want in script.figures(value).items():
        shipped_value, rtol, atol = want if isinstance(want, tuple) else (want, script.rtol, script.atol)
        got = script.figures(fresh)[name]
        got = got[0] if isinstance(got, tuple) else got
        assert agree(shipped_value, got, rtol, atol), f"{lesson} {name}: shipped {shipped_value}, here {got}"
