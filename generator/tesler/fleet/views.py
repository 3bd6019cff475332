"""Turn each report into one neutral table view; renderers draw views, never reports.

This is where a report's columns, tones and summary are decided, once for all formats.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from tesler.fleet.report import (
    ApplyReport,
    ApplyRow,
    PlanReport,
    PlanRow,
    Scalar,
    StatusReport,
    StatusRow,
)

Tone = Literal["plain", "good", "warn", "bad", "dim"]

_TONES: dict[str, Tone] = {
    "up-to-date": "good",
    "update": "warn",
    "updated": "good",
    "unchanged": "dim",
    "conflict": "bad",
    "failed": "bad",
    "blocked": "bad",
    "skipped": "warn",
}


@dataclass(frozen=True)
class Cell:
    """One table cell: its text and how loudly to show it."""

    text: str
    tone: Tone = "plain"


@dataclass(frozen=True)
class TableView:
    """A titled table, a one-line summary, and detail lines (reasons, conflict hunks)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    summary: str
    details: tuple[str, ...] = ()


def view(report: PlanReport | ApplyReport | StatusReport) -> TableView:
    """The table view of any fleet report."""
    if isinstance(report, PlanReport):
        return _plan(report)
    if isinstance(report, ApplyReport):
        return _apply(report)
    return _status(report)


def _title(kind: str, report: PlanReport | ApplyReport | StatusReport) -> str:
    shard = f" (shard {report.shard})" if report.shard else ""
    return f"fleet {kind}: {report.manifest}{shard}"


def _counts(values: list[str]) -> str:
    counted = Counter(values)
    return ", ".join(f"{count} {name}" for name, count in sorted(counted.items())) or "nothing"


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _plan_row(row: PlanRow) -> tuple[Cell, ...]:
    notes = [row.reason] if row.reason else []
    if row.action == "update":
        notes += [f"answers {change}" for change in row.answer_changes]
        if row.update_branch_commit:
            notes.append(f"{row.update_branch} already on the remote")
    note = "; ".join(notes)
    return (
        Cell(str(row.wave), "dim"),
        Cell(row.name),
        Cell(_text(row.current)),
        Cell(_text(row.target)),
        Cell(_text(row.behind)),
        Cell(row.action, _TONES[row.action]),
        Cell(note, "bad" if row.reason else "dim"),
    )


def _plan(report: PlanReport) -> TableView:
    return TableView(
        title=_title("plan", report),
        columns=("wave", "repository", "current", "target", "behind", "action", "note"),
        rows=tuple(_plan_row(row) for row in report.rows),
        summary=_counts([row.action for row in report.rows]),
    )


def _apply_row(row: ApplyRow) -> tuple[Cell, ...]:
    versions = f"{_text(row.from_version)} → {_text(row.to_version)}" if row.to_version else ""
    published = row.pull_request or ("pushed" if row.pushed else "")
    return (
        Cell(str(row.wave), "dim"),
        Cell(row.name),
        Cell(row.outcome, _TONES[row.outcome]),
        Cell(versions),
        Cell(_text(row.branch)),
        Cell(published),
        Cell(_text(row.message), "dim"),
    )


def _apply(report: ApplyReport) -> TableView:
    details = []
    for row in report.rows:
        for conflict in row.conflicts:
            details.append(f"{row.name}: {conflict.kind} conflict in {conflict.path}")
            details.extend(f"    {line}" for line in conflict.hunk.splitlines())
    return TableView(
        title=f"{_title('apply', report)} [push: {report.backend}]",
        columns=("wave", "repository", "outcome", "versions", "branch", "published", "message"),
        rows=tuple(_apply_row(row) for row in report.rows),
        summary=_counts([row.outcome for row in report.rows]),
        details=tuple(details),
    )


def _figures(values: dict[str, Scalar]) -> str:
    shown = [f"{key}={_short(value)}" for key, value in values.items()]
    return " ".join(shown)


def _short(value: Scalar) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return _text(value)


def _status_row(row: StatusRow) -> tuple[Cell, ...]:
    behind_tone: Tone = "good" if row.behind == 0 else ("warn" if row.behind else "dim")
    last = row.last_result
    return (
        Cell(row.name),
        Cell(_text(row.version), "bad" if row.problem else "plain"),
        Cell(_text(row.target)),
        Cell(_text(row.behind), behind_tone),
        Cell(" ".join(row.update_branches)),
        Cell(f"{last.outcome} {last.at}" if last else "", _TONES[last.outcome] if last else "dim"),
        Cell(_figures(row.metrics)),
        Cell(_text(row.promotion_state)),
        Cell(_text(row.coverage_floor)),
    )


def _status(report: StatusReport) -> TableView:
    behind = [row for row in report.rows if row.behind]
    problems = [f"{row.name}: {row.problem}" for row in report.rows if row.problem]
    return TableView(
        title=_title("status", report),
        columns=(
            "repository",
            "version",
            "target",
            "behind",
            "update branch",
            "last apply",
            "metrics",
            "promotion",
            "coverage floor",
        ),
        rows=tuple(_status_row(row) for row in report.rows),
        summary=f"{len(report.rows)} repositories, {len(behind)} behind, "
        f"{len(problems)} with problems",
        details=tuple(problems),
    )
