"""Benchmark the generated project's loop against the previous release's and the import floor.

Builds one project from this checkout's template (the working tree, committed as a snapshot)
and one from a release (default 0.2.0, rebuilt from the commit CHANGELOG.md names), both with
the same answers, in the same temporary directory, after the same warm-up of the uv cache (the
first `tesler new` of each, untimed for the ratios). Then, for each project, in turns so load
changes hit both alike, it times:

- green: zero to green, `tesler new` with set-up then `make check` (goal: <= 0.5x the release);
- check: `make check` with warm tool caches (goal: <= 0.4x the release), and its floor: `make test`
  without coverage (`PYTEST_ADDOPTS=--no-cov`), against the release's `make check`;
- test: `make test`;
- repro: `uv run dvc repro <train stage>` after changing one parameter that stage reads;
- score: scoring one row and `score --help` (start-up), against the floor: `uv run python -c
  "import pandas, sklearn"` in the same environment (goal: one row <= 1.5x the floor), and
  the floor of what scoring needs (pandas, scikit-learn and pandera);
- batch: scoring a 10,000-row batch.

The score command, the model file, the batch format and the parameter are found through each
project's README, dvc.yaml and params.yaml (printed with the figures). Usage:
`uv run python benchmarks/bench_project.py [--only check,score] [--reps 3] [--data KEY=VALUE]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from projects import (
    BenchError,
    Generator,
    clean_env,
    current_generator,
    find_param,
    find_scoring,
    grow,
    machine,
    read_rows,
    release_commit,
    release_generator,
    set_param,
    timed,
    write_rows,
)

if TYPE_CHECKING:
    from collections.abc import Callable

MEASURES = ("green", "check", "test", "repro", "score", "batch")
# Import floors of scoring: the goal's (pandas, scikit-learn), then what scoring cannot do
# without (the contract check of a batch is pandera's).
GOAL_FLOOR = "pandas, sklearn"
FLOORS = (GOAL_FLOOR, "pandas, sklearn, pandera")
GOALS = {"green": 0.5, "check": 0.4}
NO_COVERAGE = "make test, no coverage (floor of check)"


@dataclass
class Subject:
    """One generator, the project it set up, and the figures measured on it."""

    generator: Generator
    project: Path
    seconds: dict[str, list[float]] = field(default_factory=dict)

    def add(self, label: str, value: float) -> None:
        """Record one measurement of `label`."""
        self.seconds.setdefault(label, []).append(value)

    def median(self, label: str) -> float | None:
        """The median of `label`'s measurements, if any."""
        values = self.seconds.get(label)
        return statistics.median(values) if values else None


def measure_green(subject: Subject, work: Path, answers: list[str], rep: int) -> None:
    """Zero to green in a fresh directory: `tesler new` with set-up, then `make check`."""
    destination = work / f"{subject.generator.label}-green-{rep}" / "project"
    destination.parent.mkdir(parents=True)
    created = subject.generator.new(destination, answers)
    checked = timed(["make", "check"], destination)
    subject.add("tesler new with set-up", created)
    subject.add("make check, first run", checked)
    subject.add("zero to green", created + checked)
    shutil.rmtree(destination.parent, ignore_errors=True)


def measure_check(subject: Subject) -> None:
    """`make check`, then its floor: the project's tests with nothing measuring their coverage.

    `make check` runs its gates beside the tests, so it cannot take less than the tests do; with
    coverage.py's tracer off (`--no-cov`, through pytest's PYTEST_ADDOPTS) what is left is the
    tests' own work. Its ratio to the release's `make check` is the lowest `make check` could
    reach with the tests the project ships, whatever the gates around them.
    """
    subject.add("make check", timed(["make", "check"], subject.project))
    no_coverage = clean_env(PYTEST_ADDOPTS="--no-cov")
    subject.add(NO_COVERAGE, timed(["make", "test"], subject.project, env=no_coverage))


def measure_repro(subject: Subject, rep: int) -> None:
    """`dvc repro` of the train stage after changing one parameter it reads."""
    change = find_param(subject.project)
    set_param(subject.project, change.key, change.new if rep % 2 == 0 else change.old)
    subject.add(
        f"dvc repro {change.stage}, {change.key} changed",
        timed(["uv", "run", "dvc", "repro", change.stage], subject.project),
    )


def measure_score(subject: Subject, work: Path, batch_rows: int, *, batch: bool) -> None:
    """Score start-up (one row, --help) and the floor, or a large batch."""
    project = subject.project
    scoring = find_scoring(project, work / f"{subject.generator.label}-probe")
    header, rows = read_rows(scoring.batch)
    out = work / f"{subject.generator.label}-scored.csv"
    if batch:
        big = work / f"{subject.generator.label}-batch.csv"
        if not big.exists():
            write_rows(big, header, grow(header, rows, batch_rows))
        command = [*scoring.command, str(big), str(out), *scoring.model_args]
        subject.add(f"score {batch_rows:,} rows", timed(command, project))
        return
    one = write_rows(work / f"{subject.generator.label}-one.csv", header, rows[:1])
    command = [*scoring.command, str(one), str(out), *scoring.model_args]
    subject.add("score 1 row", timed(command, project))
    subject.add("score --help", timed([*scoring.command, "--help"], project))
    for libraries in FLOORS:
        floor = ["uv", "run", "python", "-c", f"import {libraries}"]
        subject.add(f"floor: import {libraries}", timed(floor, project))


def describe(subject: Subject, work: Path) -> str:
    """What the benchmark found in the project, so a reader can check the figures' meaning."""
    parts = []
    try:
        scoring = find_scoring(subject.project, work / f"{subject.generator.label}-probe")
        parts.append(
            f"score: `{' '.join(scoring.command)}` ({scoring.source}) "
            f"{' '.join(scoring.model_args[:1])} on rows of "
            f"{scoring.batch.relative_to(subject.project)}"
        )
    except BenchError as error:
        parts.append(f"score: not found ({error})")
    try:
        change = find_param(subject.project)
        parts.append(f"param: {change.key} {change.old} -> {change.new} ({change.stage} stage)")
    except BenchError as error:
        parts.append(f"param: not found ({error})")
    venv = subject.project / ".venv"
    compiled = next(venv.rglob("*.pyc"), None) is not None if venv.is_dir() else False
    parts.append(f"environment {'with' if compiled else 'without'} compiled bytecode")
    return "; ".join(parts)


def report(subjects: list[Subject], reps: int) -> None:
    """Print each figure per project and the ratio current/release."""
    old, new = subjects
    labels = list(dict.fromkeys([*old.seconds, *new.seconds]))
    width = max([38, *map(len, labels)])
    print(f"\n{'median of ' + str(reps):{width}} {old.generator.label:>9} {'current':>9}  ratio")
    for label in labels:
        before, after = old.median(label), new.median(label)
        cells = [f"{v:8.2f}s" if v is not None else f"{'-':>9}" for v in (before, after)]
        ratio = f"{after / before:5.2f}x" if before and after else ""
        limit = next((g for key, g in GOALS.items() if _goal_label(key) == label), None)
        note = f"  (goal <= {limit}x)" if limit and ratio else ""
        print(f"{label:{width}} {cells[0]} {cells[1]}  {ratio}{note}")
    tests_alone, release_check = new.median(NO_COVERAGE), old.median("make check")
    if tests_alone and release_check:
        print(
            f"current: tests without coverage / {old.generator.label}: make check = "
            f"{tests_alone / release_check:5.2f}x  (the floor of make check's goal, <= 0.4x)"
        )
    for subject in subjects:
        for libraries in FLOORS:
            floor = subject.median(f"floor: import {libraries}")
            if not floor:
                continue
            for label in ("score 1 row", "score --help"):
                value = subject.median(label)
                if value:
                    goal = label == "score 1 row" and libraries == GOAL_FLOOR
                    note = "  (goal <= 1.5x)" if goal else ""
                    ratio = f"{value / floor:5.2f}x"
                    print(
                        f"{subject.generator.label}: {label} / floor ({libraries}) = {ratio}{note}"
                    )


def _goal_label(key: str) -> str:
    return {"green": "zero to green", "check": "make check"}[key]


def run_measures(  # noqa: PLR0913  (one keyword per option)
    subjects: list[Subject],
    work: Path,
    *,
    only: list[str],
    reps: int,
    answers: list[str],
    batch_rows: int,
) -> None:
    """Run each selected measure `reps` times, alternating between the two projects."""
    steps: dict[str, Callable[[Subject, int], None]] = {
        "green": lambda s, rep: measure_green(s, work, answers, rep),
        "check": lambda s, _: measure_check(s),
        "test": lambda s, _: s.add("make test", timed(["make", "test"], s.project)),
        "repro": measure_repro,
        "score": lambda s, _: measure_score(s, work, batch_rows, batch=False),
        "batch": lambda s, _: measure_score(s, work, batch_rows, batch=True),
    }
    if "check" in only:  # the daily loop runs with warm caches: one untimed run first
        for subject in subjects:
            timed(["make", "check"], subject.project)
    for name in MEASURES:
        if name not in only:
            continue
        for rep in range(reps):
            for subject in subjects:
                steps[name](subject, rep)
        print(f"  done: {name}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(MEASURES), help="comma-separated measures")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each measure")
    parser.add_argument("--release", default="0.2.0", help="the release to compare with")
    parser.add_argument("--data", action="append", default=[], help="KEY=VALUE answer (both)")
    parser.add_argument("--batch-rows", type=int, default=10_000, help="rows of the big batch")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(only) - set(MEASURES))
    if unknown:
        parser.error(f"--only: unknown measure(s) {unknown}; choose from {', '.join(MEASURES)}")
    print(f"bench_project: {machine()}")
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("PYTHONDONTWRITEBYTECODE is set: modules without a .pyc compile in every process")
    print(
        f"release {args.release} = commit {release_commit(args.release)[:12]}; current = this "
        f"working tree; answers: --defaults {' '.join('--data ' + a for a in args.data)}"
    )
    work = Path(tempfile.mkdtemp(prefix="bench-project-"))
    try:
        generators = [release_generator(args.release, work), current_generator(work)]
        subjects = []
        for generator in generators:  # the first set-up warms the uv cache for every later one
            project = work / f"{generator.label}-project" / "project"
            project.parent.mkdir(parents=True)
            generator.new(project, args.data)
            subjects.append(Subject(generator, project))
        for subject in subjects:
            print(f"{subject.generator.label}: {describe(subject, work)}")
        run_measures(
            subjects, work, only=only, reps=args.reps, answers=args.data,
            batch_rows=args.batch_rows,
        )  # fmt: skip
        report(subjects, args.reps)
        print(f"end: {machine()}")
    except BenchError as error:
        print(f"bench_project: {error}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
