"""One hierarchy of errors; each names what went wrong, where, and the fix.

The CLI prints `str(error)` without a traceback and exits with `error.exit_code`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tesler.exit_codes import ExitCode

if TYPE_CHECKING:
    from pathlib import Path

_SHOWN = 10  # files named in a one-line message; the rest are counted


class TeslerError(Exception):
    """Base class: a message a user can act on, and the exit code that goes with it."""

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str, *, fix: str = "") -> None:
        """Keep the fix apart so the CLI can print it on its own line."""
        self.message = message
        self.fix = fix
        super().__init__(f"{message}\n  fix: {fix}" if fix else message)


class AnswerError(TeslerError):
    """An answer to a template question is invalid."""

    def __init__(self, field: str, value: object, problem: str, *, fix: str) -> None:
        """Name the question, the rejected value and what to type instead."""
        self.field = field
        self.value = value
        super().__init__(f"answer {field}={value!r} is invalid: {problem}", fix=fix)


class DestinationError(TeslerError):
    """The destination directory cannot receive a new project."""

    def __init__(self, path: Path, problem: str, *, fix: str) -> None:
        """Name the directory and why it cannot be used."""
        self.path = path
        super().__init__(f"destination {path}: {problem}", fix=fix)


class TemplateError(TeslerError):
    """The template source cannot be used (missing, not a template, dirty HEAD...)."""


class CommandError(TeslerError):
    """An external command (git, uv, dvc, make) failed during set-up or an update."""

    def __init__(self, step: str, command: list[str], output: str, *, fix: str) -> None:
        """Keep the last lines of the command's output: they usually name the cause."""
        self.step = step
        self.command = command
        tail = "\n".join(output.strip().splitlines()[-15:])
        super().__init__(
            f"{step} failed: `{' '.join(command)}` exited non-zero\n{tail}",
            fix=fix,
        )


class ProjectError(TeslerError):
    """A generated project cannot be updated, checked or adopted as it stands."""


class AnswersFileError(ProjectError):
    """An answers file cannot be read: missing, not UTF-8, not YAML, or missing a key."""

    def __init__(self, path: str, problem: str, *, fix: str) -> None:
        """Name the file, so the user knows which one to restore."""
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}", fix=fix)


class UnsafeValueError(TeslerError):
    """A value from a file or a user would reach git as an option or cannot be a git name."""

    def __init__(self, what: str, value: str, problem: str, *, fix: str) -> None:
        """Name where the value came from, the value, and why git must not see it."""
        self.what = what
        self.value = value
        super().__init__(f"{what} is {value!r}: {problem}", fix=fix)


class DirtyTreeError(ProjectError):
    """The project has uncommitted changes that an update would not carry."""

    def __init__(self, project: Path, files: list[str]) -> None:
        """Name the files, so the user knows what to commit or stash."""
        self.project = project
        self.files = files
        shown = ", ".join(files[:_SHOWN]) + (
            f" and {len(files) - _SHOWN} more" if len(files) > _SHOWN else ""
        )
        super().__init__(
            f"{project} has uncommitted changes: {shown}",
            fix="commit or stash them (`git stash --include-untracked`), then run tesler again",
        )


class UntrustedTemplateError(TemplateError):
    """The template needs Copier's trust (migrations, tasks or Jinja extensions)."""

    def __init__(self, source: str, features: list[str], *, fix: str) -> None:
        """Name the unsafe features the template uses."""
        self.features = features
        super().__init__(
            f"template {source} runs code on this update ({', '.join(features)})", fix=fix
        )
