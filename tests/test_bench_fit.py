"""bench.fit's functions on tiny settings (a smoke test: no server, no browser, no timing asserts)."""

from __future__ import annotations

import dataclasses
import urllib.parse

import pytest

from bench import fit
from core.fit import FitConfig
from core.runs import run
from pages.fit.controls import CONTROLS

TINY = FitConfig(dataset="circle", n_points=40, epochs=2, a_layers=1, a_units=2, b_layers=1, b_units=2,
                 b_batch_size=8)


def test_compute_times_both_loops_on_each_case(capsys):
    medians = fit.bench_compute({"curve": FitConfig(n_points=20, epochs=2), "circle": TINY}, repeats=1)
    assert set(medians) == {"curve", "circle"}
    assert all(plain > 0 and ours > 0 for plain, ours in medians.values())
    assert "ours/plain" in capsys.readouterr().out


def test_plain_loop_refuses_what_it_does_not_write():
    with pytest.raises(ValueError, match="ReLU and SGD"):
        fit.plain_loop(dataclasses.replace(TINY, b_optimizer="adam"))


def test_draw_frame_builds_what_the_page_draws(capsys):
    result = run(TINY)
    parts, nbytes = fit.draw_frame(result, 1)
    assert set(parts) == {"network_svg", "loss_svg"}
    assert nbytes > 10_000  # two graphs of unit maps, two outputs with their points, the loss timeline
    figures = fit.bench_draw(result, rounds=1)
    assert len(figures.ms) == len(figures.nbytes) == result.frames
    assert "per update" in capsys.readouterr().out


def test_play_query_sets_the_play_config_through_the_controls():
    query = dict(urllib.parse.parse_qsl(fit.play_query()))
    assert query.pop("lang") == "en"
    values = {CONTROLS[key].field: CONTROLS[key].param.parse(raw) for key, raw in query.items()}
    assert dataclasses.replace(FitConfig(), **values) == fit.PLAY_CONFIG
    assert fit.play_stride(fit.PLAY_CONFIG) == 1  # 101 frames in about 96 updates (12 a second, 8 s)


def test_verdicts_say_pass_miss_or_not_measured():
    draw = fit.DrawFigures(ms=[40.0, 50.0, 90.0], nbytes=[1, 2, 3], parts_ms={})
    play = fit.PlayFigures(seconds=[0.05, 0.07], nbytes=[1, 1], cpu=0.2, counters=["", ""])
    lines = fit.verdicts(fit.Figures({}, draw, play))
    assert "not measured" in lines[0]
    assert lines[1].endswith("50.0 ms PASS") and lines[2].endswith("MISS")
    assert lines[-1].endswith("100.0 ms MISS")  # 0.2 s of server CPU over 2 updates
    browser = fit.BrowserFigures(rates=[9.0], cpu_ms=[30.0], browser_cpu_ms=[10.0])
    lines = fit.verdicts(fit.Figures({}, draw, play, browser))
    assert lines[0].endswith("9.0 updates/s PASS") and lines[-1].endswith("30.0 ms PASS")
