"""A run's whole result as one JSON document that names its lesson, configuration and seed.

Any result a lesson's `run(config)` returns can be written: dataclasses by field, arrays and
tensors as (nested) lists, data frames as records, non-finite numbers as null. Models and other
objects that are not data are left out by name, so the file stays data a spreadsheet or pandas
reads (`pandas.json_normalize`, `pandas.DataFrame(doc["result"]["..."])`).
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np
import pandas as pd
import torch

FORMAT = "torch-playground/run@1"  # names the layout of the document


def plain(value: Any) -> Any:
    """`value` as JSON data: numbers, strings, lists and dicts only (None for NaN and infinities,
    and for objects that are not data, such as a trained model)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().float().numpy() if value.is_floating_point() else value.cpu().numpy()
    if isinstance(value, np.ndarray):
        return _floats(value) if value.dtype.kind == "f" else plain(value.tolist())
    if isinstance(value, pd.DataFrame):
        return [{str(k): plain(v) for k, v in row.items()} for row in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    return None  # a model, a generator, a function: not data


def _floats(array: np.ndarray) -> list:
    """A float array as nested lists, non-finite values as None."""
    listed = array.astype(float).tolist()

    def clean(x: Any) -> Any:
        if isinstance(x, list):
            return [clean(v) for v in x]
        return x if math.isfinite(x) else None

    return clean(listed)


def run_document(lesson: str, config: Any, result: Any) -> dict[str, Any]:
    """The document of one run: what it is (lesson, config class, configuration, seed) and its
    result, every field that is data."""
    fields = plain(result)
    if isinstance(fields, dict):
        fields.pop("config", None)  # stated once, above
    return {"format": FORMAT, "lesson": lesson, "config_class": type(config).__name__,
            "seed": getattr(config, "seed", getattr(getattr(config, "base", None), "seed", None)),
            "config": plain(config), "result": fields}


def run_json(lesson: str, config: Any, result: Any) -> str:
    """`run_document` as JSON text (strict: no NaN)."""
    return json.dumps(run_document(lesson, config, result), allow_nan=False, separators=(",", ":"))
