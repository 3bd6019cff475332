"""The set-up's first run of the pipeline: every stage in one process, recorded by `dvc commit`.

`dvc repro` starts a process per stage, and each one imports pandas and scikit-learn again: the
six stages of a new project took 24 s that way, against 6-7 s in one process plus 2 s for
`dvc commit --force` (2 cores, 2026-12-02). `dvc commit` is DVC's own way to record outputs made
outside `dvc repro`: it writes the same dvc.lock and caches the same outputs, so `dvc status` is
clean and the next `dvc repro` runs nothing. It also saves each run in DVC's run cache, even of a
stage with an uncached output, which `dvc repro` leaves out: harmless for a stage whose outputs
follow from what DVC tracks (validate); the template's promote, which reads the registry, persists
its outputs, and DVC neither saves nor restores such a stage's runs.

This needs a plain dvc.yaml (each stage runs `<package> <stage>`, listed after every stage whose
outputs it reads) and the package's `run-stages` command (templates before it lack it); anything
else runs `dvc repro`. Written here because DVC cannot run several stages in one process.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import yaml

from tesler import safe_yaml

if TYPE_CHECKING:
    from pathlib import Path

# Names that can only be read as names: neither an option nor a path.
_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")
# Keys of a stage this relies on; others (foreach, matrix, wdir, frozen, always_changed, ...)
# change how or when DVC runs the stage, so `dvc repro` must run it.
_PLAIN_KEYS = frozenset({"cmd", "deps", "outs", "params", "metrics", "plots", "desc", "meta"})
_OUTPUT_KEYS = ("outs", "metrics", "plots")


def stages_in_one_process(project: Path, package: str) -> list[str] | None:
    """The stages of `project`'s dvc.yaml in the order to run them, or None for `dvc repro`."""
    if not _NAME.match(package):
        return None
    if not (project / "src" / package / "jobs" / "run_stages.py").is_file():
        return None
    stages = _stages(project / "dvc.yaml")
    if not isinstance(stages, dict) or not stages:
        return None
    read_and_written = [_plain_stage(name, stage, package) for name, stage in stages.items()]
    if any(paths is None for paths in read_and_written):
        return None
    plain = [paths for paths in read_and_written if paths is not None]
    for index, (deps, _) in enumerate(plain):
        later = [output for _, outputs in plain[index:] for output in outputs]
        if any(_overlap(dep, output) for dep in deps for output in later):
            return None  # a stage reads what it or a later stage writes
    return list(stages)


def _stages(path: Path) -> object:
    """The `stages` mapping of a dvc.yaml, or None if it cannot be read."""
    try:
        document = safe_yaml.load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return document.get("stages") if isinstance(document, dict) else None


def _plain_stage(name: object, stage: object, package: str) -> tuple[list[str], list[str]] | None:
    """What a plain stage reads and writes, or None if `dvc repro` must run it."""
    if not (isinstance(name, str) and _NAME.match(name) and isinstance(stage, dict)):
        return None
    if set(stage) - _PLAIN_KEYS or stage.get("cmd") != f"{package} {name}":
        return None
    deps = _paths(stage.get("deps", []))
    outputs = [_paths(stage.get(key, [])) for key in _OUTPUT_KEYS]
    if deps is None or any(paths is None for paths in outputs):
        return None
    return deps, [path for paths in outputs for path in paths or []]


def _paths(entries: object) -> list[str] | None:
    """The paths of a deps or outs list (a path, or a mapping of one path to its options)."""
    if not isinstance(entries, list):
        return None
    paths = [
        next(iter(entry)) if isinstance(entry, dict) and len(entry) == 1 else entry
        for entry in entries
    ]
    if not all(isinstance(path, str) for path in paths):
        return None
    return [str(path).strip("/") for path in paths]


def _overlap(first: str, second: str) -> bool:
    """Whether one path is the other or lies inside it."""
    return first == second or first.startswith(f"{second}/") or second.startswith(f"{first}/")
