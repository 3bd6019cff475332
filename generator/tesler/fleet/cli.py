"""`tesler fleet ...` commands: parsing and printing only.

Each command calls one library function, renders its report in the chosen format and
exits with the code the report implies (docs/fleet.md lists them).
"""

# No `from __future__ import annotations`: Typer reads the annotations at run time.
import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from tesler.redact import json_text, terminal

if TYPE_CHECKING:
    from tesler.fleet.report import ApplyReport, ApplyRow, PlanReport, StatusReport
    from tesler.fleet.shard import Shard

fleet_app = typer.Typer(
    help="Plan, apply and report template updates across a fleet of repositories.",
    no_args_is_help=True,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
_LOG_WIDTH = 200


class Format(enum.StrEnum):
    """Output formats of every fleet report."""

    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"


class Backend(enum.StrEnum):
    """Push backends `apply --push` can choose."""

    readonly = "readonly"
    local = "local"
    github = "github"


ManifestArg = Annotated[Path, typer.Argument(help="The fleet manifest (YAML).")]
ShardOpt = Annotated[
    str | None,
    typer.Option(help="Only the repositories of shard I of N (I/N, 1-based), for a CI matrix."),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="How to print the report.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Shorthand for --format json.")]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the report to this file instead of stdout."),
]
StateOpt = Annotated[
    Path | None,
    typer.Option(help="State file of apply results (default: settings.state_file)."),
]


@fleet_app.command()
def plan(
    manifest: ManifestArg,
    *,
    shard: ShardOpt = None,
    output_format: FormatOpt = Format.table,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show what apply would do to each repository; reads only. Exit 1 if any is blocked."""
    from tesler.fleet.manifest import load_manifest  # noqa: PLC0415  (keeps --help fast)
    from tesler.fleet.plan import plan_exit_code, plan_fleet  # noqa: PLC0415

    report = plan_fleet(load_manifest(manifest), shard=_shard(shard))
    _emit(report, Format.json if as_json else output_format, output)
    raise typer.Exit(int(plan_exit_code(report)))


@fleet_app.command()
def apply(  # noqa: PLR0913  (one parameter per documented option)
    manifest: ManifestArg,
    *,
    jobs: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="Repositories updated at once (default: settings.jobs)."),
    ] = None,
    push: Annotated[
        Backend | None,
        typer.Option(help="Push backend (default: settings.push.backend)."),
    ] = None,
    shard: ShardOpt = None,
    state: StateOpt = None,
    output_format: FormatOpt = Format.table,
    output: OutputOpt = None,
    verify: Annotated[
        bool, typer.Option("--verify", help="Run `make check` on each update before pushing.")
    ] = False,
    draft_conflicts: Annotated[
        bool,
        typer.Option(
            "--draft-conflicts",
            help="Push conflicted updates too, each with a draft pull request listing its "
            "conflicts (github backend); they still exit 3.",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Update each repository on a branch in a temporary clone and push it. Exit 3 on conflicts."""
    from rich.progress import Progress  # noqa: PLC0415

    from tesler.fleet.apply import apply_exit_code, apply_fleet  # noqa: PLC0415
    from tesler.fleet.manifest import load_manifest, push_config  # noqa: PLC0415

    loaded = load_manifest(manifest)
    config = push_config(loaded, push.value) if push else None
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("applying", total=None)

        def planned(report: "PlanReport") -> None:
            progress.update(task, total=len(report.rows))

        def done(row: "ApplyRow") -> None:
            loud = row.outcome in {"conflict", "failed"}
            note = f": {row.message}" if loud and row.message else ""
            style = "red" if loud else "dim"
            line = terminal(f"{row.name}: {row.outcome}{note}")
            progress.console.print(line, style=style, markup=False, highlight=False)
            progress.advance(task)

        report = apply_fleet(
            loaded,
            jobs=jobs,
            push=config,
            verify=verify,
            shard=_shard(shard),
            state_file=state,
            on_plan=planned,
            on_done=done,
            draft_conflicts=draft_conflicts,
        )
    _emit(report, Format.json if as_json else output_format, output)
    raise typer.Exit(int(apply_exit_code(report)))


@fleet_app.command()
def status(  # noqa: PLR0913  (one parameter per documented option)
    manifest: ManifestArg,
    *,
    shard: ShardOpt = None,
    state: StateOpt = None,
    output_format: FormatOpt = Format.table,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show each repository's version, lag, update branch, last apply and quality figures."""
    from tesler.fleet.manifest import load_manifest  # noqa: PLC0415
    from tesler.fleet.status import fleet_status  # noqa: PLC0415

    report = fleet_status(load_manifest(manifest), shard=_shard(shard), state_file=state)
    _emit(report, Format.json if as_json else output_format, output)


@fleet_app.command()
def merge(
    reports: Annotated[list[Path], typer.Argument(help="JSON reports of every shard.")],
    *,
    output_format: FormatOpt = Format.json,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Merge the shard reports of one CI matrix; exit with the code the whole report implies."""
    from tesler.fleet.merge import exit_code, load_report, merge_reports  # noqa: PLC0415

    merged = merge_reports([(path, load_report(path)) for path in reports])
    _emit(merged, Format.json if as_json else output_format, output)
    raise typer.Exit(int(exit_code(merged)))


def _shard(text: str | None) -> "Shard | None":
    from tesler.fleet.shard import parse_shard  # noqa: PLC0415

    return parse_shard(text) if text is not None else None


def _emit(
    report: "PlanReport | ApplyReport | StatusReport", output_format: Format, output: Path | None
) -> None:
    from tesler.fleet import render  # noqa: PLC0415
    from tesler.fleet.views import view  # noqa: PLC0415

    if output_format is Format.table:
        table = render.rich_table(view(report))
        if output is None:
            # Logs and pipes get a wide table rather than reasons folded into 80 columns.
            console = out if out.is_terminal else Console(highlight=False, width=_LOG_WIDTH)
            console.print(table)
            for line in view(report).details:
                console.print(terminal(line), markup=False, highlight=False)
            return
        with output.open("w", encoding="utf-8") as stream:
            Console(file=stream, width=_LOG_WIDTH, highlight=False).print(table)
        return
    text = {
        # Every other format cleans cell by cell (render.py); JSON is cleaned as a whole.
        Format.json: lambda: json_text(report.model_dump_json(indent=2)) + "\n",
        Format.markdown: lambda: render.markdown(view(report)),
        Format.html: lambda: render.html_page(view(report)),
    }[output_format]()
    if output is None:
        out.file.write(text)
        out.file.flush()
    else:
        output.write_text(text, encoding="utf-8")
