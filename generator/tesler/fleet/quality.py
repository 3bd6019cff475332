"""The quality figures a repository commits: DVC metrics, promotion decision, coverage floor.

Metric files are found the way DVC finds them, from `metrics:` in `dvc.yaml`; a
`promotion.json` among them (or at the root) is the promotion decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

import yaml

from tesler import safe_yaml

if TYPE_CHECKING:
    from tesler.fleet.report import Scalar

DVC_FILE = "dvc.yaml"
DEFAULT_METRICS = "metrics.json"
PROMOTION = "promotion.json"


@dataclass(frozen=True)
class Figures:
    """Flattened metrics and promotion fields, and a one-word promotion state."""

    metrics: dict[str, Scalar] = field(default_factory=dict)
    promotion: dict[str, Scalar] = field(default_factory=dict)
    promotion_state: str | None = None


def metric_paths(dvc_yaml: str | None) -> list[str]:
    """Metric files declared in `dvc.yaml` (stage and top-level), plus the promotion file."""
    paths: list[str] = []
    loaded = _safe_yaml(dvc_yaml) if dvc_yaml else None
    if isinstance(loaded, dict):
        declared: list[object] = list(_as_list(loaded.get("metrics")))
        stages = loaded.get("stages")
        for stage in stages.values() if isinstance(stages, dict) else ():
            if isinstance(stage, dict):
                declared.extend(_as_list(stage.get("metrics")))
        for entry in declared:
            names = list(entry) if isinstance(entry, dict) else [entry]
            paths.extend(str(name) for name in names if isinstance(name, str))
    if not paths:
        paths.append(DEFAULT_METRICS)
    if not any(PurePosixPath(path).name == PROMOTION for path in paths):
        paths.append(PROMOTION)
    return list(dict.fromkeys(paths))


def figures(files: dict[str, str | None]) -> Figures:
    """Flatten every metric file read; the promotion file goes apart."""
    metrics: dict[str, Scalar] = {}
    promotion: dict[str, Scalar] = {}
    for path, text in files.items():
        if text is None:
            continue
        flat = _flatten(_safe_yaml(text))
        if PurePosixPath(path).name == PROMOTION:
            promotion.update(flat)
        else:
            metrics.update(flat)
    return Figures(metrics, promotion, _promotion_state(promotion))


def coverage_floor(answers: dict[str, object]) -> float | int | None:
    """The coverage floor the repository's answers set (its test gate)."""
    value = answers.get("coverage_floor")
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _promotion_state(promotion: dict[str, Scalar]) -> str | None:
    promoted = promotion.get("promoted")
    if isinstance(promoted, bool):
        return "promoted" if promoted else "rejected"
    for key in ("decision", "state", "status", "stage"):
        value = promotion.get(key)
        if isinstance(value, str):
            return value
    return None


def _safe_yaml(text: str) -> object:
    try:
        return safe_yaml.load(text)  # a repository's file: loaded within limits
    except yaml.YAMLError:
        return None


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _flatten(value: object, prefix: str = "") -> dict[str, Scalar]:
    if isinstance(value, dict):
        flat: dict[str, Scalar] = {}
        for key, child in value.items():
            flat.update(_flatten(child, f"{prefix}{key}."))
        return flat
    if isinstance(value, float | int | str | bool) and prefix:
        return {prefix.rstrip("."): value}
    return {}
