"""`tesler workflows ...` commands: parsing and printing only.

`run` exits 0 when no job failed (skipped jobs are listed with their reason), 1 when a job
failed or a workflow cannot be run locally (the error names workflow, job, step, action).
"""

# No `from __future__ import annotations`: Typer reads the annotations at run time.
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from tesler.exit_codes import ExitCode
from tesler.redact import json_text, one_line, terminal

if TYPE_CHECKING:
    from tesler.workflows.execute import JobResult

workflows_app = typer.Typer(
    help="Run a generated project's GitHub Actions workflows locally, without a runner.",
    no_args_is_help=True,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
_STYLE = {"passed": "green", "failed": "red", "skipped": "yellow"}


@workflows_app.callback()
def _group() -> None:
    """Keep `workflows` a command group even while it has a single command."""


@workflows_app.command("run")
def run(
    project: Annotated[
        Path, typer.Argument(help="The generated project (the directory holding .github/).")
    ] = Path(),
    workflow: Annotated[
        str | None, typer.Option(help="Only this workflow (file name, stem or `name:`).")
    ] = None,
    job: Annotated[str | None, typer.Option(help="Only this job (key or `name:`).")] = None,
    *,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Run each job's steps in a throw-away clone; skip (with the reason) jobs needing a service."""
    from tesler.workflow_runner import run_workflows  # noqa: PLC0415  (keeps --help fast)

    on_step = (
        (lambda _: None) if as_json else (lambda line: err.print(f"[dim]→ {_safe(line)}[/dim]"))
    )
    report = run_workflows(project, workflow=workflow, job=job, on_step=on_step)
    if as_json:
        out.print_json(json_text(report.to_json()))
    else:
        if report.checkout:
            err.print(
                f"[dim]jobs ran in {_safe(report.checkout)}; your working tree is untouched[/dim]"
            )
        _print_report(report.jobs)
    raise typer.Exit(int(ExitCode.FAILURE if report.failed else ExitCode.OK))


def _print_report(jobs: "tuple[JobResult, ...]") -> None:
    # Imported here: every `tesler` command loads this module, only this one needs them.
    from rich.table import Table  # noqa: PLC0415

    from tesler.workflows.execute import Status  # noqa: PLC0415

    table = Table("workflow", "job", "status", "seconds", "reason")
    for job in jobs:
        status = f"[{_STYLE[job.status.value]}]{job.status.value}[/]"
        cells = (one_line(job.workflow), one_line(job.job), one_line(job.reason))
        table.add_row(
            *map(escape, cells[:2]), status, f"{job.duration_seconds:.1f}", escape(cells[2])
        )
    out.print(table)
    for job in jobs:
        for warning in job.warnings:
            where = _safe(f"{job.workflow}, job {job.job}: {warning}")
            err.print(f"[yellow]warning:[/yellow] {where}")
        failed = [step for step in job.steps if step.status is Status.FAILED]
        for step in failed:
            where = _safe(f"{job.workflow}, job {job.job}, step {step.index} ({step.label}):")
            err.print(f"[red]{where}[/]")
            err.print(terminal(step.output_tail or "(no output)"), markup=False, highlight=False)


def _safe(text: str) -> str:
    return escape(terminal(text))
