"""Prove "CI = the commands a person runs": run a project's workflows without a runner.

Reads every `.github/workflows/*.yml` of a project, plans each job (see
`tesler.workflows.plan` for what is skipped and what is refused), then runs the runnable
jobs in `needs` order in one throw-away clone of the project: HEAD plus the files
`git status` lists, as they are on disk. The user's tree, its git state and its DVC cache
are never touched; the clone goes when the run ends. A job whose needed job did not pass
is skipped, as on GitHub.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tesler import isolation
from tesler.checkout import open_checkout
from tesler.workflows.errors import WorkflowError
from tesler.workflows.execute import JobResult, Status, run_job, skipped
from tesler.workflows.makefile import read_rules
from tesler.workflows.model import Workflow, load_workflow
from tesler.workflows.plan import JobPlan, plan_workflow, refuse

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

WORKFLOWS_DIR = ".github/workflows"


@dataclass(frozen=True)
class RunReport:
    """Every selected job's result, in the order they were run."""

    project: str
    jobs: tuple[JobResult, ...]
    checkout: str = ""  # what the jobs ran on, e.g. "a throw-away clone of 1a2b3c4d5e6f"

    @property
    def failed(self) -> bool:
        """True when any job failed (skipped jobs do not fail a run)."""
        return any(job.status is Status.FAILED for job in self.jobs)

    def to_json(self) -> str:
        """The report as JSON (statuses as strings, durations in seconds)."""
        return json.dumps(asdict(self), indent=2)


def discover(project: Path) -> list[Workflow]:
    """Every workflow file of `project`, parsed, in file-name order."""
    directory = project / WORKFLOWS_DIR
    files = sorted([*directory.glob("*.yml"), *directory.glob("*.yaml")])
    if not files:
        raise WorkflowError(
            [f"{project} has no {WORKFLOWS_DIR}/*.yml"],
            fix="pass the directory of a generated project (the one with .github/)",
        )
    return [load_workflow(path) for path in files]


def plan(project: Path, *, workflow: str | None = None, job: str | None = None) -> list[JobPlan]:
    """Plan the selected jobs, refusing (all problems at once) what cannot run locally."""
    workflows = discover(project)
    if workflow is not None:
        workflows = [w for w in workflows if w.matches(workflow)]
        if not workflows:
            names = ", ".join(w.path.name for w in discover(project))
            raise WorkflowError([f"no workflow named {workflow}"], fix=f"use one of: {names}")
    plans: list[JobPlan] = []
    problems: list[str] = []
    rules = read_rules(project)
    for selected in workflows:
        jobs = [j for j in selected.jobs if job is None or j.matches(job)]
        workflow_plans, workflow_problems = plan_workflow(selected, jobs, rules)
        plans.extend(workflow_plans)
        problems.extend(workflow_problems)
    if job is not None and not plans:
        names = ", ".join(sorted({j.key for w in workflows for j in w.jobs}))
        raise WorkflowError([f"no job named {job}"], fix=f"use one of: {names}")
    refuse(problems)
    return plans


def run_workflows(
    project: Path,
    *,
    workflow: str | None = None,
    job: str | None = None,
    on_step: Callable[[str], None] = lambda _: None,
) -> RunReport:
    """Run the selected jobs of `project`'s workflows in a throw-away clone; report each one."""
    plans = plan(project, workflow=workflow, job=job)
    results: list[JobResult] = []
    by_job: dict[tuple[str, str], JobResult] = {}
    if all(job_plan.skip_reason is not None for job_plan in plans):
        results = [skipped(job_plan, job_plan.skip_reason or "") for job_plan in plans]
        return RunReport(project=str(project), jobs=tuple(results))  # no clone needed
    with throwaway_clone(project) as (clone, description):
        environments: set[Path] = set()  # given the kept bytecode (execute.py), once per run
        for job_plan in plans:
            result = _run_one(job_plan, clone, by_job, on_step, environments)
            by_job[(result.workflow, result.job)] = result
            results.append(result)
    return RunReport(project=str(project), jobs=tuple(results), checkout=description)


@contextmanager
def throwaway_clone(project: Path) -> Iterator[tuple[Path, str]]:
    """The project in a temporary clone of its repository (removed afterwards), described.

    The clone sits in a directory of its own, under the repository's name, so paths a
    project gives relative to its parent (a local DVC remote `../../name-dvc-storage`)
    land in that directory too.
    """
    checkout = open_checkout(project)
    scratch = Path(tempfile.mkdtemp(prefix="tesler-workflows-"))
    try:
        root = scratch / checkout.toplevel.name
        copied = isolation.clone_worktree(checkout.toplevel, root)
        extra = f" with {len(copied)} uncommitted file(s) as on disk" if copied else ""
        yield checkout.inside(root), f"a throw-away clone of {checkout.head[:12]}{extra}"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run_one(
    job_plan: JobPlan,
    project: Path,
    done: dict[tuple[str, str], JobResult],
    on_step: Callable[[str], None],
    environments: set[Path],
) -> JobResult:
    if job_plan.skip_reason is not None:
        return skipped(job_plan, job_plan.skip_reason)
    for need in job_plan.job.needs:
        needed = done.get((job_plan.workflow.path.name, need))
        if needed is not None and needed.status is not Status.PASSED:
            return skipped(job_plan, f"needs job {need}, which {needed.status.value}")
    return run_job(job_plan, project, on_step, environments)
