"""Prove "CI = the commands a person runs": run a project's workflows without a runner.

Reads every `.github/workflows/*.yml` of a project, plans each job (see
`tesler.workflows.plan` for what is skipped and what is refused), then runs the runnable
jobs in `needs` order in the project itself. A job whose needed job did not pass is
skipped, as on GitHub.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from tesler.workflows.errors import WorkflowError
from tesler.workflows.execute import JobResult, Status, run_job, skipped
from tesler.workflows.model import Workflow, load_workflow
from tesler.workflows.plan import JobPlan, plan_workflow, refuse

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

WORKFLOWS_DIR = ".github/workflows"


@dataclass(frozen=True)
class RunReport:
    """Every selected job's result, in the order they were run."""

    project: str
    jobs: tuple[JobResult, ...]

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
    for selected in workflows:
        jobs = [j for j in selected.jobs if job is None or j.matches(job)]
        workflow_plans, workflow_problems = plan_workflow(selected, jobs)
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
    """Run the selected jobs of `project`'s workflows and report each one."""
    results: list[JobResult] = []
    by_job: dict[tuple[str, str], JobResult] = {}
    for job_plan in plan(project, workflow=workflow, job=job):
        result = _run_one(job_plan, project, by_job, on_step)
        by_job[(result.workflow, result.job)] = result
        results.append(result)
    return RunReport(project=str(project), jobs=tuple(results))


def _run_one(
    job_plan: JobPlan,
    project: Path,
    done: dict[tuple[str, str], JobResult],
    on_step: Callable[[str], None],
) -> JobResult:
    if job_plan.skip_reason is not None:
        return skipped(job_plan, job_plan.skip_reason)
    for need in job_plan.job.needs:
        needed = done.get((job_plan.workflow.path.name, need))
        if needed is not None and needed.status is not Status.PASSED:
            return skipped(job_plan, f"needs job {need}, which {needed.status.value}")
    return run_job(job_plan, project, on_step)
