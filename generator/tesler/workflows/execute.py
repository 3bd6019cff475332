"""Run one planned job in a checkout, step by step, the way a GitHub runner would.

The checkout is the run's throw-away clone (`workflow_runner`), never the user's tree.
Each `run:` step is a fresh shell process there, with an environment built from an
allow-list (`tesler.isolation`: no token, no cloud key, HOME a fresh directory) and
the workflow, job and step `env` layered in that order, GitHub's files (`$GITHUB_ENV`,
`$GITHUB_PATH`, `$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`) in a temporary `runner.temp`;
the job stops at the first failing step unless that step has `continue-on-error: true`.
A working directory that resolves outside the checkout fails its step.
"""

from __future__ import annotations

import enum
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tesler import bytecode_cache, isolation
from tesler.workflows.actions import ActionKind
from tesler.workflows.expressions import Context, condition_holds, render

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from tesler.workflows.plan import JobPlan, StepPlan

_OUTPUT_TAIL_LINES = 40


class Status(enum.StrEnum):
    """Outcome of a job or a step."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class StepResult:
    """What one step did."""

    index: int
    label: str
    status: Status
    note: str
    duration_seconds: float
    output_tail: str = ""


@dataclass(frozen=True)
class JobResult:
    """What one job did, with the reason when it was skipped or failed."""

    workflow: str
    job: str
    name: str
    status: Status
    reason: str
    duration_seconds: float
    steps: tuple[StepResult, ...] = ()
    warnings: tuple[str, ...] = ()
    summary: str = field(default="", repr=False)


def skipped(plan: JobPlan, reason: str) -> JobResult:
    """The result of a job that does not run."""
    return JobResult(
        workflow=plan.workflow.path.name,
        job=plan.job.key,
        name=plan.job.name,
        status=Status.SKIPPED,
        reason=reason,
        duration_seconds=0.0,
    )


def run_job(
    plan: JobPlan,
    project: Path,
    on_step: Callable[[str], None],
    environments: set[Path],
) -> JobResult:
    """Run every step of a planned (not skipped) job in `project`, a throw-away checkout.

    `environments` holds the checkout's environments already given the kept bytecode
    (`_JobRun.restore_bytecode`), shared by the jobs of one run.
    """
    started = time.monotonic()
    temp = Path(tempfile.mkdtemp(prefix="tesler-runner-"))
    try:
        job_run = _JobRun(plan, project.resolve(), temp, on_step, environments)
        results = job_run.run_steps()
        summary = job_run.files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8")
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    failed = [r for r in results if r.status is Status.FAILED and not _continues(plan, r)]
    reason = f"step {failed[0].index} ({failed[0].label}) {failed[0].note}" if failed else ""
    return JobResult(
        workflow=plan.workflow.path.name,
        job=plan.job.key,
        name=plan.job.name,
        status=Status.FAILED if failed else Status.PASSED,
        reason=reason,
        duration_seconds=round(time.monotonic() - started, 3),
        steps=tuple(results),
        warnings=tuple(dict.fromkeys(job_run.warnings)),
        summary=summary,
    )


def _continues(plan: JobPlan, result: StepResult) -> bool:
    return plan.steps[result.index - 1].step.continue_on_error


class _JobRun:
    """The mutable state of one job: its environment files, warnings and failure flag."""

    def __init__(
        self,
        plan: JobPlan,
        project: Path,
        temp: Path,
        on_step: Callable[[str], None],
        environments: set[Path],
    ) -> None:
        self.plan = plan
        self.environments = environments
        self.project = project
        self.temp = temp
        self.on_step = on_step
        self.warnings: list[str] = []
        self.failed = False
        self.deadline = _deadline(plan.job.timeout_minutes)
        self.files = {
            name: temp / name.lower()
            for name in ("GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY")
        }
        for path in self.files.values():
            path.touch()
        self.declared = self._render_env({**plan.workflow.env, **plan.job.env}, {})

    def run_steps(self) -> list[StepResult]:
        results = []
        for step_plan in self.plan.steps:
            self.on_step(f"{self.plan.where}, step {step_plan.step.index}: {step_plan.step.label}")
            result = self._run_step(step_plan)
            results.append(result)
            if result.status is Status.FAILED and not step_plan.step.continue_on_error:
                self.failed = True
            self.restore_bytecode()
        return results

    def restore_bytecode(self) -> None:
        """Once a step has made the checkout's environment, give it the kept library bytecode.

        A clone's environment is new, so every library its steps import was compiled again
        (tesler.bytecode_cache): the demo project's repro job took 41-42 s without and 31-32 s
        with it (2026-12-03). Bytecode goes into the clone only: what the clone's processes
        compile is never kept, since a repository's own code could have written it; and
        nothing is written through a `.venv` that leads out of the clone.
        """
        venv = self.project / ".venv"
        if venv in self.environments or not (venv / "pyvenv.cfg").is_file():
            return
        self.environments.add(venv)
        if venv.resolve().is_relative_to(self.project):
            bytecode_cache.restore(venv)

    def _run_step(self, step_plan: StepPlan) -> StepResult:
        step = step_plan.step
        holds = condition_holds(step.condition, failed=self.failed)
        if holds is None:
            note = f"not run: `{step.condition}` depends on the GitHub event"
            return StepResult(step.index, step.label, Status.SKIPPED, note, 0.0)
        if not holds:
            note = "not run: an earlier step failed" if self.failed else "not run: condition false"
            return StepResult(step.index, step.label, Status.SKIPPED, note, 0.0)
        started = time.monotonic()
        if step_plan.action is not None:
            status, note, output = self._run_action(step_plan)
        else:
            status, note, output = self._run_script(step_plan)
        duration = round(time.monotonic() - started, 3)
        return StepResult(step.index, step.label, status, note, duration, _tail(output))

    def _run_action(self, step_plan: StepPlan) -> tuple[Status, str, str]:
        action = step_plan.action
        assert action is not None  # noqa: S101  (the caller checked)
        if action.kind is ActionKind.CHECK_UV:
            return self._check(["uv", "--version"], "uv is installed", "uv is not on PATH")
        if action.kind is ActionKind.CHECK_PYTHON:
            version = self._python_version(step_plan)
            if version is None:
                return Status.PASSED, "no python-version given: the project's uv picks it", ""
            return self._check(
                ["uv", "python", "find", "--no-project", version],
                f"Python {version} is available",
                f"Python {version} is not available (uv python install {version})",
            )
        return Status.PASSED, action.note, ""

    def _python_version(self, step_plan: StepPlan) -> str | None:
        context = self._context(self.declared)
        given = step_plan.step.with_args.get("python-version")
        if given:
            return render(given, context).text.strip() or None
        version_file = step_plan.step.with_args.get("python-version-file")
        if version_file:
            path = (self.project / render(version_file, context).text).resolve()
            if path.is_relative_to(self.project) and path.is_file():
                return path.read_text(encoding="utf-8").strip().splitlines()[0] or None
        return None

    def _check(self, command: list[str], passed: str, failed: str) -> tuple[Status, str, str]:
        try:
            completed = subprocess.run(
                command,
                cwd=self.project,
                env=self._process_env(self.declared),
                capture_output=True,
                text=True,
                check=False,
            )
        except FileNotFoundError:
            return Status.FAILED, failed, f"{command[0]}: command not found"
        output = completed.stdout + completed.stderr
        if completed.returncode != 0:
            return Status.FAILED, failed, output
        return Status.PASSED, passed, output

    def _run_script(self, step_plan: StepPlan) -> tuple[Status, str, str]:
        step = step_plan.step
        env_layer = {**self.declared, **self._github_env()}
        step_env = self._render_env(step.env, env_layer)
        declared = {**env_layer, **step_env}
        context = self._context(declared)
        script = render(step.run or "", context)
        self.warnings.extend(script.warnings)
        directory = self.project
        if step_plan.working_directory:
            relative = render(step_plan.working_directory, context).text
            directory = (self.project / relative).resolve()
            if not directory.is_relative_to(self.project):
                note = f"working-directory {relative} is outside the run's clone: not run"
                return Status.FAILED, note, ""
            if not directory.is_dir():
                return Status.FAILED, f"working-directory {relative} does not exist", ""
        script_path = self.temp / f"step-{step.index}.sh"
        script_path.write_text(script.text, encoding="utf-8")
        command = [str(script_path) if part == "{0}" else part for part in step_plan.shell]
        timeout = _timeout(step.timeout_minutes, self.deadline)
        return self._execute(command, directory, self._process_env(declared), timeout)

    def _execute(
        self, command: list[str], cwd: Path, env: dict[str, str], timeout: float | None
    ) -> tuple[Status, str, str]:
        try:
            process = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                start_new_session=True,
            )
        except FileNotFoundError:
            return Status.FAILED, f"shell {command[0]} is not installed", ""
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            return Status.FAILED, f"timed out after {timeout:.0f} s", output
        if process.returncode != 0:
            return Status.FAILED, f"exited with {process.returncode}", output
        return Status.PASSED, "exited with 0", output

    def _render_env(self, values: Mapping[str, str], lower: Mapping[str, str]) -> dict[str, str]:
        rendered: dict[str, str] = {}
        for name, value in values.items():
            result = render(value, self._context({**lower, **rendered}))
            self.warnings.extend(result.warnings)
            rendered[name] = result.text
        return rendered

    def _context(self, env: Mapping[str, str]) -> Context:
        return Context(
            workspace=str(self.project), temp=str(self.temp), matrix=self.plan.matrix, env=env
        )

    def _github_env(self) -> dict[str, str]:
        return _parse_env_file(self.files["GITHUB_ENV"].read_text(encoding="utf-8"))

    def _process_env(self, declared: Mapping[str, str]) -> dict[str, str]:
        env = isolation.allowlisted_env(self.temp / "home")
        env.update(
            CI="true",
            GITHUB_WORKSPACE=str(self.project),
            GITHUB_WORKFLOW=self.plan.workflow.name,
            GITHUB_JOB=self.plan.job.key,
            RUNNER_TEMP=str(self.temp),
            RUNNER_OS="Linux",
        )
        env.update({name: str(path) for name, path in self.files.items()})
        env.update(declared)
        added = self.files["GITHUB_PATH"].read_text(encoding="utf-8").split()
        if added:
            env["PATH"] = os.pathsep.join([*reversed(added), env.get("PATH", "")])
        return env


def _parse_env_file(text: str) -> dict[str, str]:
    """Parse `$GITHUB_ENV`: `NAME=value` lines and `NAME<<DELIMITER` blocks."""
    values: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block = []
            for inner in lines:
                if inner == delimiter:
                    break
                block.append(inner)
            values[name] = "\n".join(block)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


def _deadline(minutes: float | None) -> float | None:
    return None if minutes is None else time.monotonic() + minutes * 60


def _timeout(step_minutes: float | None, deadline: float | None) -> float | None:
    limits = [] if step_minutes is None else [step_minutes * 60]
    if deadline is not None:
        limits.append(max(deadline - time.monotonic(), 1.0))
    return min(limits) if limits else None


def _tail(output: str) -> str:
    return "\n".join(output.rstrip().splitlines()[-_OUTPUT_TAIL_LINES:])
