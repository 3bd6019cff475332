"""Typed view of a GitHub Actions workflow file: only the keys a local run needs.

The YAML is read once into frozen dataclasses so the planner and the executor never
touch raw dictionaries; a malformed file fails here, naming the file and the key.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import yaml

from tesler import safe_yaml
from tesler.workflows.errors import WorkflowError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

_FIX = "fix the workflow file (GitHub rejects it too) or pass --workflow to run another one"


@dataclass(frozen=True)
class RunDefaults:
    """`defaults.run` of a workflow or job."""

    shell: str | None = None
    working_directory: str | None = None


@dataclass(frozen=True)
class Step:
    """One step: either `uses` an action or has a `run` script."""

    index: int
    label: str
    uses: str | None
    run: str | None
    with_args: Mapping[str, str]
    env: Mapping[str, str]
    shell: str | None
    working_directory: str | None
    condition: str | None
    continue_on_error: bool
    timeout_minutes: float | None


@dataclass(frozen=True)
class Job:
    """One job with its steps; `matrix` holds every combination of its strategy."""

    key: str
    name: str
    needs: tuple[str, ...]
    env: Mapping[str, str]
    defaults: RunDefaults
    condition: str | None
    steps: tuple[Step, ...]
    matrix: tuple[Mapping[str, str], ...] = ()
    matrix_expression: str | None = None
    reusable_workflow: str | None = None
    needs_docker: bool = False
    timeout_minutes: float | None = None
    runs_on: tuple[str, ...] = ()

    def matches(self, selector: str) -> bool:
        """True when `selector` is the job's key or its display name."""
        return selector in {self.key, self.name}


@dataclass(frozen=True)
class Workflow:
    """One file under .github/workflows."""

    path: Path
    name: str
    env: Mapping[str, str]
    defaults: RunDefaults
    jobs: tuple[Job, ...] = field(default_factory=tuple)

    def matches(self, selector: str) -> bool:
        """True when `selector` is the file name (with or without suffix) or the `name:`."""
        return selector in {self.path.name, self.path.stem, self.name}


def load_workflow(path: Path) -> Workflow:
    """Read one workflow file into its typed form."""
    try:
        raw = safe_yaml.load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise WorkflowError([f"{path.name}: not valid YAML: {error}"], fix=_FIX) from error
    if not isinstance(raw, dict) or not isinstance(raw.get("jobs"), dict) or not raw["jobs"]:
        raise WorkflowError([f"{path.name}: no `jobs:` mapping"], fix=_FIX)
    where = path.name
    jobs = tuple(
        _job(f"{where}: job {key}", str(key), _mapping(f"{where}: job {key}", spec))
        for key, spec in raw["jobs"].items()
    )
    return Workflow(
        path=path,
        name=str(raw.get("name") or path.stem),
        env=_env(where, raw.get("env")),
        defaults=_defaults(where, raw.get("defaults")),
        jobs=jobs,
    )


def _job(where: str, key: str, spec: Mapping[str, object]) -> Job:
    needs = spec.get("needs") or []
    steps = spec.get("steps") or []
    if not isinstance(steps, list):
        raise WorkflowError([f"{where}: `steps` is not a list"], fix=_FIX)
    matrix, matrix_expression = _matrix(where, spec.get("strategy"))
    return Job(
        key=key,
        name=str(spec.get("name") or key),
        needs=tuple(str(need) for need in (needs if isinstance(needs, list) else [needs])),
        env=_env(where, spec.get("env")),
        defaults=_defaults(where, spec.get("defaults")),
        condition=_optional_str(spec.get("if")),
        steps=tuple(
            _step(f"{where}, step {index}", index, _mapping(f"{where}, step {index}", raw))
            for index, raw in enumerate(steps, start=1)
        ),
        matrix=matrix,
        matrix_expression=matrix_expression,
        reusable_workflow=_optional_str(spec.get("uses")),
        needs_docker=bool(spec.get("container") or spec.get("services")),
        timeout_minutes=_minutes(where, spec.get("timeout-minutes")),
        runs_on=_labels(spec.get("runs-on")),
    )


def _labels(raw: object) -> tuple[str, ...]:
    """`runs-on` as a list of labels (a string, a list, or a `labels`/`group` mapping)."""
    if isinstance(raw, dict):
        return tuple(_scalar(label) for key in ("group", "labels") for label in _list(raw.get(key)))
    return tuple(_scalar(label) for label in _list(raw))


def _step(where: str, index: int, spec: Mapping[str, object]) -> Step:
    uses = _optional_str(spec.get("uses"))
    run = _optional_str(spec.get("run"))
    if (uses is None) == (run is None):
        raise WorkflowError([f"{where}: a step needs exactly one of `uses` and `run`"], fix=_FIX)
    first_line = (run or "").strip().splitlines()[0] if run and run.strip() else ""
    label = str(spec.get("name") or uses or f"run {first_line}")
    return Step(
        index=index,
        label=label,
        uses=uses,
        run=run,
        with_args=_env(where, spec.get("with")),
        env=_env(where, spec.get("env")),
        shell=_optional_str(spec.get("shell")),
        working_directory=_optional_str(spec.get("working-directory")),
        condition=_optional_str(spec.get("if")),
        continue_on_error=spec.get("continue-on-error") is True,
        timeout_minutes=_minutes(where, spec.get("timeout-minutes")),
    )


def _matrix(where: str, strategy: object) -> tuple[tuple[Mapping[str, str], ...], str | None]:
    """Every combination of `strategy.matrix`, or the expression that builds it."""
    if strategy is None:
        return (), None
    matrix = _mapping(f"{where}: strategy", strategy).get("matrix")
    if matrix is None:
        return (), None
    if isinstance(matrix, str):
        return (), matrix
    spec = _mapping(f"{where}: strategy.matrix", matrix)
    include = [_env(where, entry) for entry in _list(spec.get("include"))]
    exclude = [_env(where, entry) for entry in _list(spec.get("exclude"))]
    axes = {
        str(key): [_scalar(value) for value in _list(values)]
        for key, values in spec.items()
        if key not in {"include", "exclude"}
    }
    names = list(axes)
    combos: list[dict[str, str]] = [
        dict(zip(names, values, strict=True)) for values in itertools.product(*axes.values())
    ]
    if not names:
        combos = []
    combos = [c for c in combos if not any(_subset(e, c) for e in exclude)]
    for extra in include:
        # GitHub extends the combinations an include entry agrees with, or adds it.
        matching = [
            c for c in combos if all(c.get(k, v) == v for k, v in extra.items() if k in axes)
        ]
        if matching and any(k in axes for k in extra):
            for combo in matching:
                combo.update(extra)
        else:
            combos.append(dict(extra))
    return tuple(combos), None


def _subset(part: Mapping[str, str], whole: Mapping[str, str]) -> bool:
    return all(whole.get(key) == value for key, value in part.items())


def _defaults(where: str, raw: object) -> RunDefaults:
    if raw is None:
        return RunDefaults()
    run = _mapping(f"{where}: defaults", raw).get("run")
    if run is None:
        return RunDefaults()
    spec = _mapping(f"{where}: defaults.run", run)
    return RunDefaults(
        shell=_optional_str(spec.get("shell")),
        working_directory=_optional_str(spec.get("working-directory")),
    )


def _env(where: str, raw: object) -> dict[str, str]:
    if raw is None:
        return {}
    if isinstance(raw, str):
        # A whole `env: ${{ fromJSON(...) }}` cannot be answered locally.
        raise WorkflowError([f"{where}: `env` is an expression ({raw})"], fix=_FIX)
    return {str(key): _scalar(value) for key, value in _mapping(where, raw).items()}


def _scalar(value: object) -> str:
    """Render a YAML scalar as GitHub passes it to a process."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _optional_str(value: object) -> str | None:
    return None if value is None else _scalar(value)


def _minutes(where: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WorkflowError([f"{where}: `timeout-minutes` is not a number ({value})"], fix=_FIX)
    return float(value)


def _mapping(where: str, raw: object) -> Mapping[str, object]:
    if not isinstance(raw, dict):
        raise WorkflowError([f"{where}: expected a mapping, found {type(raw).__name__}"], fix=_FIX)
    return {str(key): value for key, value in raw.items()}


def _list(raw: object) -> list[object]:
    if raw is None:
        return []
    return raw if isinstance(raw, list) else [raw]
