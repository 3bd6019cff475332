"""Post-generation set-up: the commands that turn rendered files into a working repository.

Plain `copier copy` cannot run these without `--trust`, so `tesler new` runs them (and the
generated `make setup` runs the environment part for people who used plain Copier).
"""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tesler import answers_file, bytecode_cache, git, mypy_cache
from tesler.first_run import stages_in_one_process
from tesler.own_data import import_command
from tesler.process import run, start_quietly

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tesler.own_data import DataImport


# Built beside the pipeline, which keeps one core busy, side by side: the secrets scan's record
# of clean files (scripts/scan_secrets.py) and mypy's cache of the project, its dependencies'
# stubs and the standard library. The first `make check` then scans only the files
# the pipeline wrote and type-checks warm, instead of spending ~6 s of CPU on the scan and ~7 s on
# mypy beside the tests. Their verdicts are not the set-up's to give: `make check` reports them,
# so the output is discarded and a failure ignored. They start as the pipeline does, after your
# data is imported and ignored by git; the scan lists the files to scan at once, seconds before
# the first stage writes an output that git does not ignore yet, so no data file is scanned.
# One after another they took longer than the pipeline once its libraries' bytecode was kept
# (tesler.bytecode_cache): ~20 s against ~8 s of pipeline, DVC commit and push.
# mypy is skipped when MYPY_CACHE_DIR is set: that cache is shared and already
# holds the standard library and the stubs (most of the 7 s). In tesler's own CI, where the tests
# share one and two test processes already hold both cores, warming it cost 1 min of CPU per run
# and ~50 s of its wall time.
SECRETS_WARM_UP = ["make", "--no-print-directory", "secrets"]
TYPECHECK_WARM_UP = ["uv", "run", "--frozen", "mypy"]
PIPELINE_IN_ONE_PROCESS = "run the pipeline"
# The environment and your data are in place when the pipeline's first run starts.
_WARM_UP_START = frozenset({"dvc repro", PIPELINE_IN_ONE_PROCESS})
_WARM_UP_BEFORE = "git add"  # the project then moves into place: the caches must be complete
# After it, the libraries are installed and nothing has imported them yet: their bytecode from
# earlier set-ups goes in then (tesler.bytecode_cache), and what this one compiled is kept
# before `git add`.
_ENVIRONMENT_READY = "uv sync"


class WarmUps:
    """Commands whose only product is a cache, run side by side in the background."""

    def __init__(self, commands: list[list[str]], cwd: Path) -> None:
        """Start every command of `commands` in `cwd` (one that cannot start is skipped)."""
        self._running = [
            started for command in commands if (started := start_quietly(command, cwd))
        ]

    def wait(self) -> None:
        """Return once every command has ended."""
        for started in self._running:
            started.wait()

    def stop(self) -> None:
        """Kill the commands still running: the set-up failed."""
        for started in self._running:
            if started.poll() is None:
                started.kill()
            started.wait()


def warm_up_commands() -> list[list[str]]:
    """The warm-ups to run beside the set-up's steps, in order (see SECRETS_WARM_UP)."""
    typecheck = [] if os.environ.get("MYPY_CACHE_DIR") else [TYPECHECK_WARM_UP]
    return [SECRETS_WARM_UP, *typecheck]


@dataclass(frozen=True)
class SetupStep:
    """One named command of the set-up, with the fix to print if it fails."""

    name: str
    command: list[str]
    fix: str


def setup_steps(project: Path, data: DataImport | None = None) -> list[SetupStep]:
    """The set-up commands in order; the last one commits everything they produced."""
    answers = answers_file.load_mapping(project)
    identity = git.identity(
        project,
        name=str(answers.get("author_name") or "tesler"),
        email=str(answers.get("author_email") or "tesler@localhost"),
    )
    message = _commit_message(answers, project)
    steps = [
        SetupStep("git init", ["git", "init", "--quiet", "--initial-branch=main"], "install git"),
        # Relocatable: the project moves into place after set-up and keeps this environment
        # (scripts find their interpreter relatively). Not compiled to bytecode here: the steps
        # below run without PYTHONDONTWRITEBYTECODE (`process.project_env`), so Python writes
        # the bytecode of what they import as they go. Compiling every file of the environment
        # (~9,500) took 10.4 s; the pipeline's first run compiles what it needs in 5.6 s.
        SetupStep(
            "uv venv",
            ["uv", "venv", "--quiet", "--relocatable"],
            "check that uv can find or install the project's Python",
        ),
        # `uv sync` writes uv.lock as it installs: one resolution, where `uv lock` then `uv sync`
        # read the index twice (these steps 5.0-5.4 s against 6.0-6.6 s, the same uv.lock; all
        # of `tesler new` 28.7-29.5 s against 28.6-29.9 s; 3 alternating runs, 2026-12-03).
        SetupStep("uv sync", ["uv", "sync"], "check that PyPI is reachable and uv is installed"),
    ]
    if data is not None:
        steps.append(
            SetupStep(
                "import your data",
                import_command(data, str(answers.get("package_name", ""))),
                "fix the answer the message names (--data data_path=FILE, --data target=COLUMN)",
            )
        )
    steps += _first_run(project, str(answers.get("package_name", "")))
    # A cloud remote exists only once infra/ is applied: pushing there now would fail.
    if local_remotes(project):
        steps.append(
            SetupStep(
                "dvc push",
                ["uv", "run", "--frozen", "dvc", "push"],
                "check the DVC remote in .dvc/config (`uv run dvc remote list`)",
            )
        )
    return [
        *steps,
        SetupStep("git add", ["git", "add", "--all"], "see git's message"),
        SetupStep(
            "first commit",
            [*("git", *identity), "commit", "--quiet", "--no-verify", "-m", message],
            "configure git (`git config --global user.email you@example.com`)",
        ),
    ]


def _first_run(project: Path, package: str) -> list[SetupStep]:
    """The pipeline's first run: in one process and recorded by DVC, or `dvc repro`."""
    fix = "run `uv run dvc repro` in the project to see which stage failed"
    stages = stages_in_one_process(project, package)
    if stages is None:
        return [SetupStep("dvc repro", ["uv", "run", "--frozen", "dvc", "repro"], fix)]
    return [
        SetupStep(
            PIPELINE_IN_ONE_PROCESS, ["uv", "run", "--frozen", package, "run-stages", *stages], fix
        ),
        SetupStep(
            "dvc commit", ["uv", "run", "--frozen", "dvc", "commit", "--force", "--quiet"], fix
        ),
    ]


def run_setup(
    project: Path, on_step: Callable[[str], None], data: DataImport | None = None
) -> None:
    """Run every set-up step in `project`, reporting each step's name before it runs.

    The warm-ups run beside the steps from the pipeline's first run to `git add`; a failed
    step stops them, so nothing keeps writing into a project that is being removed. mypy's
    warm-up starts from the cache the last set-up kept (tesler.mypy_cache), and keeps its own.
    """
    warm_ups: WarmUps | None = None
    restored: set[Path] = set()
    commands = warm_up_commands()
    warms_mypy = TYPECHECK_WARM_UP in commands
    try:
        for step in setup_steps(project, data):
            if step.name == _WARM_UP_BEFORE:
                if warm_ups is not None:
                    warm_ups.wait()
                    if warms_mypy:
                        mypy_cache.keep(project)
                # Everything that imports the libraries has run: keep what it compiled.
                bytecode_cache.keep(project / ".venv", restored)
            if step.name in _WARM_UP_START:
                if warms_mypy:
                    # An earlier project's cache: mypy then checks only what differs.
                    mypy_cache.restore(project)
                warm_ups = WarmUps(commands, project)
            on_step(step.name)
            if step.command[0] == "git":
                git.run(step.command[1:], project, step=step.name, fix=step.fix)
            else:
                run(step.command, project, step=step.name, fix=step.fix)
            if step.name == _ENVIRONMENT_READY:
                restored = bytecode_cache.restore(project / ".venv")
    finally:
        if warm_ups is not None:
            warm_ups.stop()


def _commit_message(answers: dict[str, object], project: Path) -> str:
    return (
        f"Generate {answers.get('project_name', project.name)} from the tesler template "
        f"({answers.get('_commit', 'unknown version')})"
    )


def local_remotes(project: Path) -> list[Path]:
    """Local directories the project's DVC config names as remotes (resolved like DVC does)."""
    parser = configparser.ConfigParser()
    parser.read(project / ".dvc" / "config", encoding="utf-8")
    remotes = []
    for section in parser.sections():
        url = parser[section].get("url", "")
        if section.startswith("'remote ") and url and "://" not in url:
            # DVC resolves a relative url against the directory of the config file.
            remotes.append((project / ".dvc" / url).resolve())
    return remotes
