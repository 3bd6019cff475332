"""`tesler fleet apply`: plan, then update every repository that needs it, wave by wave.

Repositories run in worker processes: Copier renders in Python (the GIL would serialise
threads) and changes the process's working directory while it runs. The forkserver
imports Copier once; each worker it forks then pays nothing for it again.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tesler import leftovers
from tesler.exit_codes import ExitCode
from tesler.fleet.errors import FleetError
from tesler.fleet.lock import fleet_lock
from tesler.fleet.plan import plan_fleet
from tesler.fleet.push.github import TOKEN_VARIABLES
from tesler.fleet.report import ApplyReport, ApplyRow, PlanReport, PlanRow
from tesler.fleet.scratch import scratch_root
from tesler.fleet.state import record
from tesler.fleet.worker import COPIER_CACHE_ROOT, Job, adopt_parent, run_job

if TYPE_CHECKING:
    from collections.abc import Callable

    from tesler.fleet.manifest import LoadedManifest, PushConfig, Repository, Settings
    from tesler.fleet.shard import Shard

FAILURES = frozenset({"conflict", "failed", "blocked", "skipped"})
_PRELOAD = ["tesler.fleet.worker", "tesler.update", "copier"]


@dataclass(frozen=True)
class _Rollout:
    loaded: LoadedManifest
    push: PushConfig
    token: str | None
    verify: bool
    on_done: Callable[[ApplyRow], None]
    draft_conflicts: bool = False

    def job(self, row: PlanRow, repository: Repository) -> Job:
        return Job(
            name=row.name,
            wave=row.wave,
            remote=row.remote,
            branch=row.branch,
            github=repository.github,
            target_ref=row.target_ref,
            from_version=row.current,
            to_version=row.target,
            update_branch=row.update_branch or "",
            update_branch_commit=row.update_branch_commit,
            data=dict(repository.data),
            branch_prefix=self.loaded.manifest.settings.branch_prefix,
            trust_migrations=self.loaded.manifest.settings.trust_migrations,
            verify=self.verify,
            push=self.push,
            token=self.token,
            draft_conflicts=self.draft_conflicts,
        )


def apply_fleet(  # noqa: PLR0913  (one keyword per documented option)
    loaded: LoadedManifest,
    *,
    jobs: int | None = None,
    push: PushConfig | None = None,
    verify: bool = False,
    shard: Shard | None = None,
    state_file: Path | None = None,
    on_plan: Callable[[PlanReport], None] = lambda _: None,
    on_done: Callable[[ApplyRow], None] = lambda _: None,
    draft_conflicts: bool = False,
) -> ApplyReport:
    """Bring every selected repository to its target on an update branch; record the results.

    `draft_conflicts` pushes a conflicted update too and opens a draft pull request showing
    its conflicts (github backend only); the repository still counts as a conflict. Holds the
    fleet's lock throughout: a second apply of the same fleet refuses to start.
    """
    with fleet_lock(state_file or loaded.state_file, loaded.path):
        return _apply_locked(
            loaded,
            jobs=jobs,
            push=push,
            verify=verify,
            shard=shard,
            state_file=state_file,
            on_plan=on_plan,
            on_done=on_done,
            draft_conflicts=draft_conflicts,
        )


def _apply_locked(  # noqa: PLR0913  (apply_fleet's keywords)
    loaded: LoadedManifest,
    *,
    jobs: int | None,
    push: PushConfig | None,
    verify: bool,
    shard: Shard | None,
    state_file: Path | None,
    on_plan: Callable[[PlanReport], None],
    on_done: Callable[[ApplyRow], None],
    draft_conflicts: bool,
) -> ApplyReport:
    settings = loaded.manifest.settings
    push = push or settings.push
    if draft_conflicts and push.backend != "github":
        raise FleetError(
            f"--draft-conflicts opens draft pull requests: the {push.backend} push backend "
            "opens none",
            fix="pass --push github (or set settings.push.backend: github)",
        )
    rollout = _Rollout(loaded, push, _token(push), verify, on_done, draft_conflicts)
    plan = plan_fleet(loaded, shard=shard)
    on_plan(plan)
    rows: list[ApplyRow] = []
    failed_wave: int | None = None
    with ExitStack() as stack:
        pool: ProcessPoolExecutor | None = None
        for wave in sorted({row.wave for row in plan.rows}):
            planned = [row for row in plan.rows if row.wave == wave]
            if failed_wave is not None:
                rows += _report_each([_skipped(row, failed_wave) for row in planned], on_done)
                continue
            if pool is None and any(row.action == "update" for row in planned):
                scratch = _scratch(stack, settings)
                cache = stack.enter_context(tempfile.TemporaryDirectory(dir=scratch))
                pool = stack.enter_context(_pool(jobs or settings.jobs, scratch, Path(cache)))
            done = _run_wave(rollout, planned, pool)
            rows += done
            if settings.stop_on_wave_failure and any(row.outcome in FAILURES for row in done):
                failed_wave = wave
    report = ApplyReport(
        manifest=plan.manifest,
        manifest_digest=plan.manifest_digest,
        template=plan.template,
        shard=shard,
        backend=push.backend,
        rows=tuple(sorted(rows, key=lambda row: (row.wave, row.name))),
    )
    record(state_file or loaded.state_file, report)
    return report


def apply_exit_code(report: ApplyReport) -> ExitCode:
    """3 if any repository conflicted, else 1 if any failed, was blocked or skipped, else 0."""
    outcomes = {row.outcome for row in report.rows}
    if "conflict" in outcomes:
        return ExitCode.CONFLICT
    return ExitCode.FAILURE if outcomes & FAILURES else ExitCode.OK


def _run_wave(
    rollout: _Rollout, planned: list[PlanRow], pool: ProcessPoolExecutor | None
) -> list[ApplyRow]:
    repositories = {
        repository.name: repository for repository in rollout.loaded.manifest.repositories
    }
    immediate = [_without_work(row) for row in planned if row.action != "update" or pool is None]
    done = _report_each(immediate, rollout.on_done)
    futures: dict[Future[ApplyRow], PlanRow] = {
        pool.submit(run_job, rollout.job(row, repositories[row.name])): row
        for row in planned
        if row.action == "update" and pool is not None
    }
    for future in as_completed(futures):
        done += _report_each([_outcome(future, futures[future])], rollout.on_done)
    return done


def _outcome(future: Future[ApplyRow], row: PlanRow) -> ApplyRow:
    """The worker's row; a worker that died (killed, out of memory) fails its repository only."""
    try:
        return future.result()
    except Exception as error:  # noqa: BLE001  (BrokenProcessPool and friends)
        return ApplyRow(
            name=row.name,
            wave=row.wave,
            outcome="failed",
            from_version=row.current,
            to_version=row.target,
            message=f"the worker process died: {type(error).__name__}: {error}",
        )


def _report_each(rows: list[ApplyRow], on_done: Callable[[ApplyRow], None]) -> list[ApplyRow]:
    for row in rows:
        on_done(row)
    return rows


def _without_work(row: PlanRow) -> ApplyRow:
    return ApplyRow(
        name=row.name,
        wave=row.wave,
        outcome="up-to-date" if row.action == "up-to-date" else "blocked",
        from_version=row.current,
        to_version=row.target,
        message=row.reason,
    )


def _skipped(row: PlanRow, failed_wave: int) -> ApplyRow:
    return ApplyRow(
        name=row.name,
        wave=row.wave,
        outcome="skipped",
        from_version=row.current,
        to_version=row.target,
        message=f"not started: wave {failed_wave} had failures (settings.stop_on_wave_failure)",
    )


def _scratch(stack: ExitStack, settings: Settings) -> Path | None:
    """A directory of this run under the scratch root, removed with everything left in it.

    Named after this process (`tesler.leftovers`): when a run is killed, the next one
    removes it, and the workers' clones and Copier's folders inside it.
    """
    root = scratch_root(settings.scratch) or Path(tempfile.gettempdir())
    root.mkdir(parents=True, exist_ok=True)
    leftovers.sweep(root)
    directory = leftovers.owned_dir(root)
    stack.callback(shutil.rmtree, directory, ignore_errors=True)
    return directory


def _pool(jobs: int, scratch: Path | None, copier_cache: Path) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    environ = {**os.environ, COPIER_CACHE_ROOT: str(copier_cache)}
    if scratch is not None:
        environ["TMPDIR"] = str(scratch)
    # The workers' temporary directory is the run's scratch folder: they share this process's
    # folder of Jinja compilations instead, kept between runs.
    from tesler import compile_cache  # noqa: PLC0415  (imports Jinja: `fleet merge` need not)

    compilations = compile_cache.disk_cache_directory()
    if compilations is not None:
        environ[compile_cache.DISK_CACHE_VARIABLE] = compilations
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=context,
        initializer=adopt_parent,
        initargs=(environ, str(Path.cwd())),
    )


def _token(push: PushConfig) -> str | None:
    """The GitHub token, checked before any work so a missing one fails fast."""
    if push.backend != "github":
        return None
    for variable in TOKEN_VARIABLES:
        if os.environ.get(variable):
            return os.environ[variable]
    raise FleetError(
        "the github push backend needs a token",
        fix=f"export {TOKEN_VARIABLES[0]} or {TOKEN_VARIABLES[1]}",
    )
