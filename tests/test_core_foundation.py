"""Unit tests of the foundation in core: device, seeds, threads, the MLP, the training loop, i18n."""

from __future__ import annotations

import ast
import math
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from core import device as core_device
from core.data import noisy_curve
from core.divergence import limit
from core.models import Dropout, MLPSpec, build_mlp, set_dropout_generator_
from core.nonlinearities import ACTIVATIONS, make_activation
from core.seeding import generator_for, make_generator
from core.training import train
from tests.conftest import ROOT
from ui.i18n import LANGUAGES, catalogs, translate
from ui.params import BoolParam, ChoiceParam, FloatParam, IntParam, MultiParam, parse_or_default

# --- device -----------------------------------------------------------------------------------

def test_device_auto_picks_cuda_else_mps_else_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(core_device, "_mps_available", lambda: False)
    assert core_device.pick_device({}).type == "cpu"
    monkeypatch.setattr(core_device, "_mps_available", lambda: True)
    assert core_device.pick_device({}).type == "mps"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert core_device.pick_device({"PLAYGROUND_DEVICE": "auto"}).type == "cuda"


def test_device_override(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert core_device.pick_device({"PLAYGROUND_DEVICE": "cpu"}).type == "cpu"
    assert core_device.pick_device({"PLAYGROUND_DEVICE": " CUDA "}).type == "cuda"
    with pytest.raises(ValueError, match="expected auto"):
        core_device.pick_device({"PLAYGROUND_DEVICE": "tpu"})
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="not available"):
        core_device.pick_device({"PLAYGROUND_DEVICE": "cuda"})


def test_default_threads_leave_room_for_sessions():
    assert [core_device.default_threads(c) for c in (1, 2, 4, 8, 64)] == [1, 1, 2, 4, 4]


def test_threads_set_once_and_described():
    n = core_device.setup_threads()
    assert n == torch.get_num_threads() >= 1
    assert core_device.setup_threads({"PLAYGROUND_THREADS": "1"}) == n  # second call changes nothing
    assert core_device.describe(torch.device("cpu")) == f"CPU · {n} thread{'s' if n > 1 else ''}"


# --- reproducibility ----------------------------------------------------------------------------

SPEC = MLPSpec(widths=(1, 64, 64, 1), activation="relu", dropout=0.3)


def _run(seed: int, spec: MLPSpec = SPEC, epochs: int = 3) -> list[float]:
    x, y = noisy_curve(256, (-1, 1), "square", 0.1, seed)
    model = build_mlp(spec, generator_for(seed, "init"))
    set_dropout_generator_(model, generator_for(seed, "dropout"))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    return train(model, x, y, opt, epochs=epochs, batch_size=32, g=generator_for(seed, "batches")).losses


def test_same_seed_same_curve_and_different_seed_differs():
    assert _run(3) == _run(3)
    assert _run(3) != _run(4)


def test_runs_ignore_the_global_rng():
    torch.manual_seed(123)
    a = _run(5)
    torch.manual_seed(999)
    torch.rand(1000)
    assert _run(5) == a


def test_two_threads_get_their_solo_curves():
    configs = [(1, SPEC), (2, MLPSpec(widths=(1, 32, 1), activation="tanh", dropout=0.5))]
    solo = [_run(s, spec, epochs=6) for s, spec in configs]
    results: dict[int, list[float]] = {}
    barrier = threading.Barrier(len(configs))

    def worker(i: int) -> None:
        barrier.wait()
        results[i] = _run(*configs[i], epochs=6)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(configs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [results[i] for i in range(len(configs))] == solo


def test_data_is_a_pure_function_of_seed():
    a, b = noisy_curve(50, (-1, 1), "identity", 0.3, 7), noisy_curve(50, (-1, 1), "identity", 0.3, 7)
    assert torch.equal(a[1], b[1])
    test = noisy_curve(50, (-1, 1), "identity", 0.3, 7, stream="test")
    assert torch.equal(a[0], test[0]) and not torch.equal(a[1], test[1])


# --- the MLP ----------------------------------------------------------------------------------

def test_mlp_layout_and_trace():
    spec = MLPSpec(widths=(1, 10, 10, 1), activation="tanh", batch_norm=True, input_batch_norm=True,
                   bn_momentum=0.5, weight_init="normal", weight_std=0.1, bias_init=-0.2)
    model = build_mlp(spec, make_generator(0))
    assert model.input_bn is not None and model.input_bn.momentum == 0.5
    assert len(model.blocks) == 2 and all(b.bn is not None for b in model.blocks)
    assert all(torch.all(lin.bias == -0.2) for lin in model.linears())
    assert abs(model.blocks[1].linear.weight.std().item() - 0.1) < 0.04
    out, layers = model.trace(torch.randn(16, 1, generator=make_generator(1)))
    assert out.shape == (16, 1)
    assert [name for name, _ in layers[0]] == ["linear", "bn", "act"]
    assert torch.allclose(out, model(torch.randn(16, 1, generator=make_generator(1))))


def test_default_init_matches_pytorch_bounds():
    model = build_mlp(MLPSpec(widths=(4, 100, 3)), make_generator(0))
    w, b = model.blocks[0].linear.weight, model.blocks[0].linear.bias
    bound = 1 / math.sqrt(4)  # kaiming_uniform(a=sqrt 5) and the bias rule both give 1/sqrt(fan_in)
    assert w.abs().max() <= bound and w.abs().max() > 0.9 * bound
    assert b.abs().max() <= bound


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "softplus", "gelu", "silu", "elu"])
def test_activations_match_functional(name):
    x = torch.linspace(-5, 5, 101)
    reference = {"relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "softplus": F.softplus,
                 "gelu": F.gelu, "silu": F.silu, "elu": F.elu}[name]
    assert torch.allclose(make_activation(name)(x), reference(x))
    assert len(ACTIVATIONS) >= 10


def test_dropout_matches_functional_statistics():
    x = torch.ones(200_000)
    layer = Dropout(0.5)
    layer.generator = make_generator(0)
    out = layer(x)
    assert set(out.unique().tolist()) == {0.0, 2.0}  # inverted dropout, like F.dropout
    assert abs(out.mean().item() - F.dropout(x, 0.5).mean().item()) < 0.02
    layer.eval()
    assert torch.equal(layer(x), x)


# --- the training loop --------------------------------------------------------------------------

def test_divergence_is_a_result_not_an_exception():
    x, y = noisy_curve(200, (-1, 1), "square", 0.1, 0)
    model = build_mlp(MLPSpec(widths=(1, 20, 1)), make_generator(0))
    opt = torch.optim.SGD(model.parameters(), lr=50.0)
    history = train(model, x, y, opt, epochs=5, batch_size=32, g=make_generator(0))
    assert history.diverged
    assert history.records[-1].step == history.diverged_at
    assert not math.isfinite(history.losses[-1]) or history.losses[-1] > limit(history.losses[0])


def test_nan_loss_marks_diverged_at_that_step():
    x, y = noisy_curve(64, (-1, 1), "square", 0.1, 0)
    y[5] = float("nan")
    model = build_mlp(MLPSpec(widths=(1, 8, 1)), make_generator(0))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    history = train(model, x, y, opt, epochs=2, batch_size=64, g=make_generator(0))
    assert history.diverged_at == 1 and len(history.records) == 1


def test_stop_and_callbacks():
    x, y = noisy_curve(64, (-1, 1), "square", 0.1, 0)
    model = build_mlp(MLPSpec(widths=(1, 8, 1)), make_generator(0))
    seen = []
    history = train(model, x, y, torch.optim.SGD(model.parameters(), lr=0.01), epochs=10, batch_size=8,
                    g=make_generator(0), on_step=seen.append, should_stop=lambda: len(seen) >= 5,
                    evaluate=lambda: {"test": 1.0})
    assert history.stopped and len(history.records) == 5 == len(seen)
    assert seen[0].metrics == {"test": 1.0} and model.training


# --- URL parameters -----------------------------------------------------------------------------

def test_params_parse_and_fall_back():
    assert parse_or_default(FloatParam(0.01, 1e-4, 10), "0.1") == (0.1, True)
    assert parse_or_default(FloatParam(0.01, 1e-4, 10), "nan") == (0.01, False)
    assert parse_or_default(FloatParam(0.01, 1e-4, 10), "1e9") == (0.01, False)
    assert parse_or_default(IntParam(3, 1, 10), "abc") == (3, False)
    assert parse_or_default(IntParam(3, 1, 10), None) == (3, True)
    assert parse_or_default(ChoiceParam("en", ("en", "zh")), "fr") == ("en", False)
    assert parse_or_default(BoolParam(False), "TRUE") == (True, True)
    multi = MultiParam(("a",), ("a", "b", "c"))
    assert parse_or_default(multi, "b,c") == (["b", "c"], True)
    assert parse_or_default(multi, "b,b") == (("a",), False)
    assert parse_or_default(multi, "") == (("a",), False)
    p = FloatParam(0.5, 0, 1)
    assert p.parse(p.format(0.123456789)) == 0.123456789


# --- core never imports Streamlit ---------------------------------------------------------------

def test_core_source_never_imports_streamlit():
    for path in (ROOT / "core").rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "streamlit" for n in names), path


def test_importing_all_of_core_loads_no_streamlit():
    modules = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts)
                     for p in (ROOT / "core").rglob("*.py") if p.name != "__init__.py")
    code = (f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
            "assert not any(k.split('.')[0] == 'streamlit' for k in sys.modules), 'streamlit loaded'")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


# --- translations -------------------------------------------------------------------------------

def test_every_key_exists_in_every_language_with_the_same_placeholders():
    import string

    tables = catalogs()
    assert set(tables) == set(LANGUAGES)
    assert tables["en"].keys() == tables["zh"].keys()
    for key, text in tables["en"].items():
        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
        assert fields == {f for _, f, _, _ in string.Formatter().parse(tables["zh"][key]) if f}, key
        assert tables["zh"][key].strip(), key


def test_translate_falls_back_to_english_then_key():
    assert translate("app.title", "zh") != translate("app.title", "en")
    assert translate("app.title", "fr") == translate("app.title", "en")
    assert translate("no.such.key", "zh") == "no.such.key"
    assert "x" in translate("app.url_notes", "en", items="x")


def test_catalogs_are_named_after_their_key_prefix():
    from ui.i18n import CATALOG_MODULES

    for name in CATALOG_MODULES:
        module = __import__(name, fromlist=["EN"])
        prefixes = {k.split(".")[0] for k in module.EN}
        owner = name.split(".")[1]  # ui.texts -> texts; pages.race.texts -> race
        shared = {"app", "play", "share", "present", "export", "code"}  # the app's and the kit's own strings
        assert prefixes <= shared if owner == "texts" else prefixes == {owner}, name


def test_mnist_folder_loads_test_split(mnist_dir: Path):
    from core.mnist.data import load_mnist

    data = load_mnist({"PLAYGROUND_MNIST_DIR": str(mnist_dir)})
    assert data.source == "mnist-test-split"
    assert data.train_images.shape == (8000, 28, 28) and data.test_images.shape == (2000, 28, 28)
    assert data.train_images.dtype == torch.uint8 and int(data.train_labels[0]) == 7  # first test digit
    assert "8,000" in data.description


def test_mnist_unavailable_is_a_clear_message(tmp_path):
    from core.mnist.data import MnistUnavailable, load_mnist

    with pytest.raises(MnistUnavailable, match="no MNIST test files"):
        load_mnist({"PLAYGROUND_MNIST_DIR": str(tmp_path)})
    with pytest.raises(MnistUnavailable, match="PLAYGROUND_MNIST_DIR"):
        load_mnist({"PLAYGROUND_CACHE": str(tmp_path)}, allow_download=False)


def test_chart_encodings_use_channel_objects():
    """A bare shorthand string in encode() ("x:Q") makes Altair match it against the whole schema:
    about 2 ms per channel, paid on every run and every animation frame (alt.X("x:Q") costs 0.01 ms)."""
    bare = []
    for path in sorted([*(ROOT / "pages").glob("*/charts.py"), *(ROOT / "ui").glob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "encode":
                for kw in node.keywords:
                    items = kw.value.elts if isinstance(kw.value, ast.List | ast.Tuple) else [kw.value]
                    bare += [f"{path.name}:{item.lineno} {kw.arg}" for item in items
                             if isinstance(item, ast.Constant | ast.JoinedStr)]
    assert not bare, bare
