"""Decide, before anything runs, what each selected job will do locally.

A job is skipped (with its reason) when it needs what a laptop has not: a cloud or registry
login, Docker, the GitHub API or its token, a command that only works online
(`services.py`), or an event-dependent condition. Every other job must be fully runnable:
an unknown action, expression or shell, or a working directory outside the project, is
collected as a problem, and all problems are raised together so nothing runs half-checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from tesler.workflows.actions import ActionKind, ActionMeaning, classify, known_actions
from tesler.workflows.errors import WorkflowError
from tesler.workflows.expressions import condition_holds, unsupported
from tesler.workflows.services import step_reason, token_reason

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tesler.workflows.makefile import Rules
    from tesler.workflows.model import Job, Step, Workflow

# GitHub's shells on Linux: no `shell:` runs `bash -e`, `shell: bash` adds pipefail.
_SHELLS: dict[str | None, tuple[str, ...]] = {
    None: ("bash", "-e", "{0}"),
    "bash": ("bash", "--noprofile", "--norc", "-eo", "pipefail", "{0}"),
    "sh": ("sh", "-e", "{0}"),
    "python": ("python", "{0}"),
}


@dataclass(frozen=True)
class StepPlan:
    """A step with what the executor needs: the action's meaning or the shell command."""

    step: Step
    action: ActionMeaning | None = None
    shell: tuple[str, ...] = ()
    working_directory: str | None = None


@dataclass(frozen=True)
class JobPlan:
    """A job ready to run, or skipped with its reason."""

    workflow: Workflow
    job: Job
    skip_reason: str | None
    matrix: Mapping[str, str] = field(default_factory=dict)
    steps: tuple[StepPlan, ...] = ()

    @property
    def where(self) -> str:
        """`file, job key` for messages."""
        return f"{self.workflow.path.name}, job {self.job.key}"


def plan_workflow(
    workflow: Workflow, jobs: list[Job], rules: Rules
) -> tuple[list[JobPlan], list[str]]:
    """Plans of `jobs` (in `needs` order) and the problems that refuse a local run.

    `rules` are the project's Makefile rules, read to see what `make` steps would run.
    """
    plans: list[JobPlan] = []
    problems: list[str] = []
    for job in _needs_order(workflow, jobs, problems):
        plan, job_problems = _plan_job(workflow, job, rules)
        plans.append(plan)
        problems.extend(job_problems)
    return plans, problems


def _plan_job(workflow: Workflow, job: Job, rules: Rules) -> tuple[JobPlan, list[str]]:
    where = f"{workflow.path.name}, job {job.key}"
    reason = _skip_reason(workflow, job, rules)
    if reason is not None:
        return JobPlan(workflow, job, reason), []
    if job.reusable_workflow is not None:
        problem = f"{where}: calls the reusable workflow {job.reusable_workflow}, not run locally"
        return JobPlan(workflow, job, None), [problem]
    if job.matrix_expression is not None:
        return JobPlan(workflow, job, None), [
            f"{where}: its matrix is an expression ({job.matrix_expression})"
        ]
    if len(job.matrix) > 1:
        return JobPlan(
            workflow,
            job,
            f"its matrix has {len(job.matrix)} combinations; a local run takes one",
        ), []
    matrix = dict(job.matrix[0]) if job.matrix else {}
    problems = [
        f"{where}: matrix value {key}={value!r} is an expression"
        for key, value in matrix.items()
        if "${{" in value
    ]
    keys = set(matrix)
    for name, value in {**workflow.env, **job.env}.items():
        problems.extend(f"{where}: env {name}: {e}" for e in unsupported(value, keys))
    steps = []
    for step in job.steps:
        step_plan, step_problems = _plan_step(
            f"{where}, step {step.index} ({step.label})", workflow, job, step, keys
        )
        steps.append(step_plan)
        problems.extend(step_problems)
    return JobPlan(workflow, job, None, matrix, tuple(steps)), problems


def _plan_step(
    where: str, workflow: Workflow, job: Job, step: Step, matrix_keys: set[str]
) -> tuple[StepPlan, list[str]]:
    problems = [
        f"{where}: env {name}: {expression} is not supported locally"
        for name, value in step.env.items()
        for expression in unsupported(value, matrix_keys)
    ]
    if step.uses is not None:
        meaning = classify(step.uses)
        if meaning.kind is ActionKind.UNKNOWN:
            problems.append(
                f"{where}: uses {step.uses}, which has no local equivalent "
                f"(known: {', '.join(known_actions())})"
            )
        for name, value in step.with_args.items():
            problems.extend(
                f"{where}: with {name}: {e} is not supported locally"
                for e in unsupported(value, matrix_keys)
            )
        return StepPlan(step, action=meaning), problems
    shell_name = step.shell or job.defaults.shell or workflow.defaults.shell
    shell = _shell(shell_name)
    if shell is None:
        problems.append(
            f"{where}: shell {shell_name!r} is not bash, sh, python or a {{0}} template"
        )
    directory = (
        step.working_directory
        or job.defaults.working_directory
        or workflow.defaults.working_directory
    )
    for text in (step.run or "", directory or ""):
        problems.extend(
            f"{where}: {expression} is not supported locally (supported: github.workspace, "
            "runner.temp, runner.os, matrix.*, env.*, secrets.*)"
            for expression in unsupported(text, matrix_keys)
        )
    outside = outside_project(directory) if directory and "${{" not in directory else None
    if outside is not None:
        problems.append(f"{where}: working-directory {directory!r} {outside}")
    return StepPlan(step, shell=shell or (), working_directory=directory), problems


def outside_project(directory: str) -> str | None:
    """Why a working directory would leave the project (None when it stays inside).

    Checked again, on the real path, when the step runs (`execute.py`): a symlink in the
    project could point elsewhere.
    """
    path = PurePosixPath(directory)
    if path.is_absolute():
        return "is an absolute path; a local run keeps every step inside its throw-away clone"
    depth = 0
    for part in path.parts:
        depth += -1 if part == ".." else (0 if part == "." else 1)
        if depth < 0:
            return "leaves the project; a local run keeps every step inside its throw-away clone"
    return None


def _skip_reason(workflow: Workflow, job: Job, rules: Rules) -> str | None:
    return _missing_here(workflow, job, rules) or _condition_reason(job)


def _missing_here(workflow: Workflow, job: Job, rules: Rules) -> str | None:
    """What the job needs that a laptop has not, in the words the report prints."""
    foreign = [label for label in job.runs_on if label.lower().startswith(("windows", "macos"))]
    if foreign:
        return f"runs on {foreign[0]}; a local run has Linux and bash only"
    if job.needs_docker:
        return "needs a Docker engine (container or services)"
    for step in job.steps:
        meaning = classify(step.uses) if step.uses is not None else None
        if meaning is not None and meaning.kind is ActionKind.NEEDS_SERVICE:
            return f"step {step.index} ({step.label}) {meaning.note}: uses {step.uses}"
        reason = step_reason(step, rules)
        if reason is not None:
            return reason
    return token_reason({**workflow.env, **job.env}, "the job")


def _condition_reason(job: Job) -> str | None:
    holds = condition_holds(job.condition, failed=False)
    if holds is None:
        return f"runs only if `{job.condition}`, which depends on the GitHub event"
    if not holds:
        return f"its condition `{job.condition}` is false"
    return None


def _shell(name: str | None) -> tuple[str, ...] | None:
    if name in _SHELLS:
        return _SHELLS[name]
    if name is not None and "{0}" in name:
        return tuple(name.split())
    return None


def _needs_order(workflow: Workflow, jobs: list[Job], problems: list[str]) -> list[Job]:
    """`jobs` sorted so every job comes after the selected jobs it needs."""
    selected = {job.key: job for job in jobs}
    known = {job.key for job in workflow.jobs}
    ordered: list[Job] = []
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(job: Job) -> None:
        if job.key in done:
            return
        if job.key in visiting:
            problems.append(f"{workflow.path.name}, job {job.key}: its `needs` form a cycle")
            return
        visiting.add(job.key)
        for need in job.needs:
            if need not in known:
                problems.append(f"{workflow.path.name}, job {job.key}: needs unknown job {need}")
            elif need in selected:
                visit(selected[need])
        visiting.discard(job.key)
        done.add(job.key)
        ordered.append(job)

    for job in jobs:
        visit(job)
    return ordered


def refuse(problems: list[str]) -> None:
    """Raise every collected problem at once, or return when there is none."""
    if problems:
        raise WorkflowError(
            problems,
            fix="use only the setup actions listed, the supported expressions and working "
            "directories inside the project in jobs that run offline (docs/workflows.md)",
        )
