"""Merge the shard reports of one CI matrix into the report of the whole fleet.

A merge is refused unless the reports are the same kind, come from the same manifest
(same digest), split it the same way, cover every shard once, and share no repository.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import TypeAdapter, ValidationError

from tesler.exit_codes import ExitCode
from tesler.fleet.apply import apply_exit_code
from tesler.fleet.errors import MergeError
from tesler.fleet.plan import plan_exit_code
from tesler.fleet.report import AnyReport, ApplyReport, PlanReport, StatusReport, now
from tesler.fleet.shard import shard_of

if TYPE_CHECKING:
    from pathlib import Path

Report = PlanReport | ApplyReport | StatusReport
_ADAPTER: TypeAdapter[Report] = TypeAdapter(AnyReport)
_FIX = "merge the JSON reports of one matrix run: `plan|apply|status --shard I/N --json` each"


def exit_code(report: Report) -> ExitCode:
    """The exit code the merged report implies, as if one machine had run the whole fleet."""
    if isinstance(report, PlanReport):
        return plan_exit_code(report)
    if isinstance(report, ApplyReport):
        return apply_exit_code(report)
    return ExitCode.OK


def load_report(path: Path) -> Report:
    """Read one JSON report written by `--json`."""
    try:
        return _ADAPTER.validate_json(path.read_bytes())
    except OSError as error:
        raise MergeError(f"cannot read report {path}: {error.strerror}", fix=_FIX) from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise MergeError(
            f"{path} is not a tesler fleet report: {where}: {first['msg']}", fix=_FIX
        ) from None


def merge_reports(reports: list[tuple[Path, Report]]) -> Report:
    """One report with every shard's rows, in wave then name order."""
    if not reports:
        raise MergeError("no reports to merge", fix=_FIX)
    first_path, first = reports[0]
    for path, report in reports:
        _same_run(first_path, first, path, report)
    count = first.shard.count if first.shard else 0
    indexes: dict[int, Path] = {}
    owners: dict[str, Path] = {}
    for path, report in reports:
        index = report.shard.index if report.shard else 0
        if index in indexes:
            raise MergeError(
                f"{path} and {indexes[index]} are both shard {index}/{count}", fix=_FIX
            )
        indexes[index] = path
        for row in report.rows:
            if row.name in owners:
                raise MergeError(
                    f"repository {row.name!r} is in both {owners[row.name]} and {path}", fix=_FIX
                )
            if shard_of(row.name, count) != index:
                raise MergeError(
                    f"{path} lists {row.name!r}, which belongs to shard "
                    f"{shard_of(row.name, count)}/{count}, not {index}/{count}",
                    fix=_FIX,
                )
            owners[row.name] = path
    missing = sorted(set(range(1, count + 1)) - set(indexes))
    if missing:
        names = ", ".join(f"{index}/{count}" for index in missing)
        raise MergeError(f"shard(s) {names} are missing", fix=f"add their reports; {_FIX}")
    return _combined(first, [report for _, report in reports])


def _same_run(first_path: Path, first: Report, path: Path, report: Report) -> None:
    if report.shard is None:
        raise MergeError(f"{path} is not a shard report (it has no shard)", fix=_FIX)
    if report.kind != first.kind:
        raise MergeError(f"{path} is a {report.kind} report, {first_path} a {first.kind}", fix=_FIX)
    if report.manifest_digest != first.manifest_digest:
        raise MergeError(
            f"{path} and {first_path} come from different manifests "
            f"({report.manifest_digest} != {first.manifest_digest})",
            fix="run every shard of the matrix from the same commit of the manifest",
        )
    if first.shard is not None and report.shard.count != first.shard.count:
        raise MergeError(
            f"{path} is one of {report.shard.count} shards, {first_path} one of "
            f"{first.shard.count}",
            fix=_FIX,
        )
    backends = {r.backend for r in (first, report) if isinstance(r, ApplyReport)}
    if len(backends) > 1:
        raise MergeError(f"{path} and {first_path} used different push backends", fix=_FIX)


def _combined(first: Report, reports: list[Report]) -> Report:
    rows = sorted(
        (row for report in reports for row in report.rows), key=lambda row: (row.wave, row.name)
    )
    merged = first.model_copy(update={"shard": None, "generated_at": now(), "rows": tuple(rows)})
    # model_copy does not validate: round-trip so the merged report is checked like any other.
    return _ADAPTER.validate_json(merged.model_dump_json())
