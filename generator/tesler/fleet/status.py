"""`tesler fleet status`: where each repository stands and the quality figures it commits."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from tesler.answers_file import ANSWERS_FILE, inspect
from tesler.fleet.errors import RemoteError
from tesler.fleet.plan import DEFAULT_READ_JOBS, plan_fleet
from tesler.fleet.quality import DVC_FILE, coverage_floor, figures, metric_paths
from tesler.fleet.remote import read_files
from tesler.fleet.report import PlanRow, StatusReport, StatusRow
from tesler.fleet.state import FleetState, load_state

if TYPE_CHECKING:
    from pathlib import Path

    from tesler.fleet.manifest import LoadedManifest
    from tesler.fleet.shard import Shard


def fleet_status(
    loaded: LoadedManifest,
    *,
    shard: Shard | None = None,
    state_file: Path | None = None,
    jobs: int = DEFAULT_READ_JOBS,
) -> StatusReport:
    """Plan (for versions and lag), then read each repository's committed figures."""
    plan = plan_fleet(loaded, shard=shard, jobs=jobs)
    state = load_state(state_file or loaded.state_file)
    with ThreadPoolExecutor(jobs) as pool:
        rows = list(pool.map(lambda row: _status_row(row, state), plan.rows))
    return StatusReport(
        manifest=plan.manifest,
        manifest_digest=plan.manifest_digest,
        template=plan.template,
        shard=shard,
        rows=tuple(rows),
    )


def _status_row(row: PlanRow, state: FleetState) -> StatusRow:
    status = StatusRow(
        name=row.name,
        wave=row.wave,
        version=row.current,
        target=row.target,
        behind=row.behind,
        update_branches=row.update_branches,
        last_result=state.results.get(row.name),
        problem=row.reason,
    )
    if not row.reachable:
        return status
    try:
        first = read_files(row.remote, row.branch, [ANSWERS_FILE, DVC_FILE])
        answers = inspect(first[ANSWERS_FILE] or "").answers
        found = figures(read_files(row.remote, row.branch, metric_paths(first[DVC_FILE])))
    except RemoteError as error:
        return status.model_copy(update={"problem": error.message})
    return status.model_copy(
        update={
            "metrics": found.metrics,
            "promotion": found.promotion,
            "promotion_state": found.promotion_state,
            "coverage_floor": coverage_floor(answers),
        }
    )
