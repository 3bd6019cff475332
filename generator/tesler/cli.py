"""The `tesler` command line: argument parsing and printing only, no business logic.

Every command returns through `main(argv) -> int`, so tests call it in-process and CI
reads the documented exit codes (docs/exit-codes.md).
"""

# No `from __future__ import annotations`: Typer reads the annotations at run time.
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from tesler.errors import TeslerError
from tesler.exit_codes import ExitCode
from tesler.fleet.cli import fleet_app
from tesler.leftovers import run_tempdir
from tesler.locations import CANONICAL_TEMPLATE, TEMPLATE_VARIABLE
from tesler.redact import json_text, terminal
from tesler.workflows_cli import workflows_app

if TYPE_CHECKING:
    from tesler.adopt import AdoptResult
    from tesler.check import CheckResult
    from tesler.update import UpdateResult

app = typer.Typer(
    name="tesler",
    help="Create and maintain ML repositories from one Copier template.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(fleet_app, name="fleet")
app.add_typer(workflows_app, name="workflows")
err = Console(stderr=True, highlight=False)
out = Console(highlight=False)
_TEMPLATE_HELP = f"Template URL or path; default: ${TEMPLATE_VARIABLE}, else {CANONICAL_TEMPLATE}."


class _State:
    verbose = False


@app.callback()
def _global(
    *,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show tracebacks of errors.")
    ] = False,
) -> None:
    _State.verbose = verbose


@app.command()
def new(  # noqa: PLR0913  (one parameter per documented option)
    destination: Annotated[
        Path, typer.Argument(help="Directory to create (must not exist or be empty).")
    ],
    template: Annotated[
        str | None,
        typer.Option(help=_TEMPLATE_HELP),
    ] = None,
    vcs_ref: Annotated[
        str | None, typer.Option(help="Template git ref (tag, branch, HEAD); default: latest tag.")
    ] = None,
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", help="Answer a question: KEY=VALUE (repeatable)."),
    ] = None,
    *,
    defaults: Annotated[
        bool,
        typer.Option(
            "--defaults", help="Use the default answer for every question not given with --data."
        ),
    ] = False,
    setup: Annotated[
        bool,
        typer.Option(
            help="Run git init, uv sync (writes uv.lock), the pipeline, dvc push, the first commit."
        ),
    ] = True,
    allow_dirty_template: Annotated[
        bool,
        typer.Option(
            "--allow-dirty-template", help="Render uncommitted template changes at HEAD anyway."
        ),
    ] = False,
) -> None:
    """Generate a new ML project and set it up so every gate is green."""
    from tesler.create import CreateRequest, create_project  # noqa: PLC0415  (keeps --help fast)

    request = CreateRequest(
        destination=destination,
        template=template,
        vcs_ref=vcs_ref,
        data=data or [],
        defaults=defaults,
        setup=setup,
        allow_dirty_template=allow_dirty_template,
    )
    with run_tempdir():
        result = create_project(request, on_step=lambda step: err.print(f"[dim]→ {step}[/dim]"))
    where = _safe(str(result.destination))
    out.print(f"[green]created[/green] {where} from {_safe(result.template)}")
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/yellow] {_safe(warning)}", soft_wrap=True)
    if setup:
        out.print(f"next: cd {where} && make check")
    elif result.answers.get("dataset") == "file":
        # The path was given relative to here; the command runs in the project.
        source = Path(str(result.answers.get("data_path"))).expanduser().absolute()
        target = _safe(str(result.answers.get("target")))
        out.print(
            f"next: cd {where} && git init && make setup && "
            f"make data SOURCE={_safe(str(source))} TARGET={target} && make repro"
        )
    else:
        out.print(f"next: cd {where} && git init && make setup && make repro")


PrereleasesOption = Annotated[
    bool,
    typer.Option(
        "--prereleases", help="Count pre-release tags (rc, beta...) as releases, as Copier's does."
    ),
]
ProjectArg = Annotated[
    Path, typer.Argument(help="The project's directory (default: the current directory).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print a JSON report on stdout.")]


@app.command()
def update(  # noqa: PLR0913  (one parameter per documented option)
    project: ProjectArg = Path(),
    to: Annotated[
        str | None,
        typer.Option(
            "--to", help="Template ref to update to (tag, branch, HEAD); default: latest release."
        ),
    ] = None,
    *,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the planned change and its diff; write nothing.")
    ] = False,
    as_json: JsonOption = False,
    trust: Annotated[
        bool,
        typer.Option(
            "--trust", help="Let the template's `_migrations` run (Copier refuses otherwise)."
        ),
    ] = False,
    keep_conflict_branch: Annotated[
        bool,
        typer.Option(
            "--keep-conflict-branch",
            help="On conflicts, commit the conflicted files on the update branch to resolve there.",
        ),
    ] = False,
    prereleases: PrereleasesOption = False,
    lock: Annotated[
        bool,
        typer.Option(
            help="Run `uv lock` on the branch when the update changes pyproject.toml.",
        ),
    ] = True,
) -> None:
    """Update a project to a newer template version, on a branch; exit 3 on conflicts."""
    from tesler.update import update_project  # noqa: PLC0415  (keeps --help fast)

    with run_tempdir():
        result = update_project(
            project,
            to_ref=to,
            dry_run=dry_run,
            trust=trust,
            keep_conflict_branch=keep_conflict_branch,
            prereleases=prereleases,
            lock=lock,
        )
    if as_json:
        _print_json(result.as_dict())
    else:
        _print_update(result)
    if result.status == "conflict":
        raise typer.Exit(int(ExitCode.CONFLICT))


@app.command()
def check(
    project: ProjectArg = Path(),
    *,
    as_json: JsonOption = False,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Run only this check: behind, answers or edited (repeatable)."),
    ] = None,
    prereleases: PrereleasesOption = False,
) -> None:
    """Exit 4 when the project is behind its template, has invalid answers or edited files."""
    from tesler.check import CHECKS, check_project  # noqa: PLC0415  (keeps --help fast)

    unknown = sorted(set(only or ()) - set(CHECKS))
    if unknown:
        err.print(f"[red]error:[/red] unknown check {', '.join(unknown)}; use {', '.join(CHECKS)}")
        raise typer.Exit(int(ExitCode.USAGE))
    with run_tempdir():
        result = check_project(
            project,
            checks=[name for name in CHECKS if name in (only or CHECKS)],
            prereleases=prereleases,
        )
    if as_json:
        _print_json(result.as_dict())
    else:
        _print_check(result)
    if not result.ok:
        raise typer.Exit(int(ExitCode.DRIFT))


def _print_check(result: "CheckResult") -> None:
    latest = f", latest release {result.latest}" if result.latest else ""
    where = _safe(f"{result.project} (at {result.version}{latest})")
    for note in result.notes:
        err.print(f"[dim]{_safe(note)}[/dim]")
    if result.ok:
        out.print(f"[green]ok[/green]: {where}; checked {', '.join(result.checked)}")
        return
    out.print(f"[red]drift[/red]: {where}")
    for finding in result.findings:
        out.print(f"  [bold]{finding.check}[/bold]: {_safe(finding.message)}", soft_wrap=True)


@app.command()
def schema(
    template: Annotated[str | None, typer.Option(help=_TEMPLATE_HELP)] = None,
    vcs_ref: Annotated[
        str | None, typer.Option(help="Template git ref (tag, branch, HEAD); default: latest tag.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the schema to FILE.")
    ] = None,
) -> None:
    """Print the JSON Schema that a project's .copier-answers.yml must satisfy."""
    from tesler import template_source  # noqa: PLC0415
    from tesler.answers_schema import answers_schema  # noqa: PLC0415

    version = template_source.version_to_render(template_source.resolve(template), vcs_ref)
    questions = template_source.questions_at(version)
    text = json.dumps(answers_schema(questions), indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")


@app.command()
def changelog(
    version: Annotated[
        str, typer.Argument(help="The release, as its CHANGELOG heading writes it (0.3.0).")
    ],
    file: Annotated[Path, typer.Option("--file", help="The changelog to read.")] = Path(
        "CHANGELOG.md"
    ),
    *,
    commit: Annotated[
        bool, typer.Option("--commit", help="Print the commit the release names, not its notes.")
    ] = False,
) -> None:
    """Print a release's CHANGELOG section (its release notes), or the commit it names."""
    from tesler import release_notes  # noqa: PLC0415

    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise TeslerError(
            f"cannot read {file}: {error.strerror}", fix="pass --file with the CHANGELOG"
        ) from None
    section = release_notes.release_section(text, version, str(file))
    if commit:
        typer.echo(release_notes.release_commit(section, str(file)))
    else:
        typer.echo(section.text)


@app.command()
def adopt(  # noqa: PLR0913  (one parameter per documented option)
    project: Annotated[Path, typer.Argument(help="The existing repository to adopt.")],
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", help="Answer a question: KEY=VALUE (repeatable)."),
    ] = None,
    template: Annotated[str | None, typer.Option(help=_TEMPLATE_HELP)] = None,
    vcs_ref: Annotated[
        str | None, typer.Option(help="Template git ref (tag, branch, HEAD); default: latest tag.")
    ] = None,
    context: Annotated[
        Path | None,
        typer.Option(help="A cookiecutter replay file to read the answers from."),
    ] = None,
    *,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what the template would change; no branch.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Bring an existing repository under the template on a branch `template-adopt`."""
    from tesler.adopt import adopt_project  # noqa: PLC0415  (keeps --help fast)

    with run_tempdir():
        result = adopt_project(
            project,
            data=data or [],
            template=template,
            vcs_ref=vcs_ref,
            context_file=context,
            dry_run=dry_run,
        )
    if as_json:
        _print_json(result.as_dict())
    else:
        _print_adopt(result)


def _print_adopt(result: "AdoptResult") -> None:
    from rich.table import Table  # noqa: PLC0415  (only reports with tables pay its import)

    table = Table(title=f"{result.project} under {result.template} {result.version}")
    table.add_column("file")
    table.add_column("status")
    colours = {"would-change": "yellow", "added": "green", "identical": "dim"}
    order = list(colours)
    for file in sorted(result.files, key=lambda file: order.index(file.status)):
        table.add_row(_safe(file.path), f"[{colours[file.status]}]{file.status}[/]")
    out.print(table)
    out.print(f"answers from {_safe(result.answers_from)}")
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/yellow] {_safe(warning)}", soft_wrap=True)
    for dropped in result.dropped:
        err.print(f"[yellow]not used:[/yellow] {_safe(dropped)} (pass it with --data)")
    changed = sum(file.status == "would-change" for file in result.files)
    if result.branch is None:
        out.print(f"[dim]dry run: nothing was written; {changed} file(s) would change[/dim]")
        return
    out.print(
        f"committed on branch [bold]{result.branch}[/bold] ({(result.commit or '')[:12]}); "
        f"your checkout is unchanged. {changed} file(s) of yours were rewritten by the "
        f"template: review them with `git diff HEAD {result.branch}` before merging",
        soft_wrap=True,
    )


def _print_json(report: object) -> None:
    # Plain write, not Rich: a JSON report must never be wrapped or highlighted.
    typer.echo(json_text(json.dumps(report, indent=2)))


def _safe(text: str) -> str:
    """Text from files, repositories or git, printed as text: no markup, secrets or controls."""
    return escape(terminal(text))


def _print_update(result: "UpdateResult") -> None:
    versions = f"{result.from_version} → {result.to_version}"
    if result.status == "up-to-date":
        out.print(
            f"[green]up to date[/green]: {_safe(f'{result.project} is at {result.to_version}')}"
        )
        return
    if result.status == "conflict":
        _print_conflicts(result)
        return
    verb = "would update" if result.status == "planned" else "updated"
    out.print(f"[green]{verb}[/green] {_safe(f'{result.project}: {versions}')}")
    for path in result.changed_files:
        out.print(f"  {_safe(path)}")
    _print_notes(result)
    if result.status == "planned":
        out.print(_safe(result.diff), end="", soft_wrap=True)
        out.print("[dim]dry run: nothing was written[/dim]")
    else:
        out.print(
            f"branch [bold]{result.branch}[/bold] (commit {(result.commit or '')[:12]}); "
            f"your checkout is unchanged. Review and merge it: git merge {result.branch}; "
            "then run `make setup` (and `make repro` if `uv run dvc status` lists a change)",
            soft_wrap=True,
        )


def _print_notes(result: "UpdateResult") -> None:
    if result.changelog:
        listed = ", ".join(section.version for section in result.changelog)
        out.print(f"template CHANGELOG sections: {escape(listed)} (--json prints them)")
    for migration in result.migrations:
        out.print(f"migration {escape(migration.version or '')} ran: {escape(migration.command)}")
    if result.uv_lock == "refreshed":
        out.print("uv.lock: refreshed on the branch (the update changed pyproject.toml)")
    elif result.uv_lock == "stale":
        out.print("[yellow]uv.lock: stale (pyproject.toml changed): run `uv lock`[/yellow]")


def _print_conflicts(result: "UpdateResult") -> None:
    from rich.table import Table  # noqa: PLC0415  (see _print_adopt)

    table = Table(title=f"conflicts updating {result.from_version} → {result.to_version}")
    table.add_column("file")
    table.add_column("kind")
    table.add_column("hunk", overflow="fold")
    for conflict in result.conflicts:
        table.add_row(_safe(conflict.path), conflict.kind, _safe(conflict.hunk.rstrip()))
    err.print(table)
    if result.branch:
        err.print(
            f"[red]conflict[/red]: the conflicted update is committed on branch {result.branch} "
            "for you to resolve; your checkout is unchanged"
        )
    else:
        err.print(
            "[red]conflict[/red]: nothing was committed and no branch created; your checkout is "
            "unchanged. Rerun with --keep-conflict-branch to commit the conflicted files on the "
            "update branch and resolve them there",
            soft_wrap=True,
        )


def main(argv: list[str] | None = None) -> int:
    """Run tesler with `argv` and return the exit code instead of exiting."""
    _State.verbose = False
    try:
        # Standalone mode prints usage errors (exit 2) and help itself, then raises SystemExit.
        app(args=argv, prog_name="tesler")
    except SystemExit as stop:
        return _exit_status(stop.code)
    except TeslerError as error:
        if _State.verbose:
            err.print_exception()
        err.print(f"[red]error:[/red] {_safe(error.message)}", soft_wrap=True)
        if error.fix:
            err.print(f"[yellow]fix:[/yellow] {_safe(error.fix)}", soft_wrap=True)
        return int(error.exit_code)
    return int(ExitCode.OK)


def _exit_status(code: str | int | None) -> int:
    if code is None:
        return int(ExitCode.OK)
    if isinstance(code, int):
        return code
    err.print(code)
    return int(ExitCode.FAILURE)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
