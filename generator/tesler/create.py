"""`tesler new`: render a project beside its destination and move it in only on success.

Bad answers, an unusable destination or a failed set-up leave nothing behind: no
partial project directory, and no DVC storage folder that did not exist before.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tesler import answers_file, copier_adapter, template_source
from tesler.errors import DestinationError
from tesler.locations import portability_warning
from tesler.process import run
from tesler.project_setup import local_remotes, run_setup
from tesler.questions import parse_data

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(frozen=True)
class CreateRequest:
    """Everything `tesler new` was asked for."""

    destination: Path
    template: str | None = None
    vcs_ref: str | None = None
    data: list[str] = field(default_factory=list)
    defaults: bool = False
    setup: bool = True
    allow_dirty_template: bool = False


@dataclass(frozen=True)
class CreateResult:
    """What was created."""

    destination: Path
    template: str
    answers: dict[str, object]
    warnings: tuple[str, ...] = ()


def create_project(request: CreateRequest, on_step: Callable[[str], None]) -> CreateResult:
    """Render, optionally set up, and move the project into place."""
    destination = request.destination.expanduser().resolve()  # `..` folded: the path users see
    _check_destination(destination)
    source = template_source.resolve(request.template)
    version = template_source.version_to_render(source, request.vcs_ref)
    if not request.allow_dirty_template:
        template_source.refuse_dirty_head(version)
    data = parse_data(template_source.questions_at(version), request.data)

    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.tesler-", dir=destination.parent))
    created_storage: list[Path] = []
    moved = False
    try:
        on_step("render")
        copier_adapter.render(
            source.copier, staging, data, vcs_ref=version.ref, defaults=request.defaults
        )
        # mkdtemp made the directory private (0700); a project gets what the umask gives,
        # as with plain `copier copy`.
        staging.chmod(0o777 & ~_umask())
        if request.setup:
            created_storage = [path for path in local_remotes(staging) if not path.exists()]
            run_setup(staging, on_step)
            # A virtual environment's scripts hold absolute paths: rebuild it after the move.
            shutil.rmtree(staging / ".venv", ignore_errors=True)
        _move_into_place(staging, destination)
        moved = True
        if request.setup:
            on_step("uv sync")
            run(["uv", "sync", "--frozen"], destination, step="uv sync", fix="run `make setup`")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if moved:
            shutil.rmtree(destination, ignore_errors=True)
        for storage in created_storage:
            shutil.rmtree(storage, ignore_errors=True)
        raise
    warning = portability_warning(source)
    return CreateResult(
        destination=destination,
        template=source.copier,
        answers=answers_file.load_mapping(destination),
        warnings=(warning,) if warning else (),
    )


def _umask() -> int:
    """The process's umask (Python 3.11 can read it only by setting it)."""
    current = os.umask(0o022)
    os.umask(current)
    return current


def _check_destination(destination: Path) -> None:
    if destination.exists() and not destination.is_dir():
        raise DestinationError(
            destination, "it is a file", fix="choose a new directory name for the project"
        )
    if destination.is_dir() and any(destination.iterdir()):
        raise DestinationError(
            destination,
            "it exists and is not empty",
            fix="choose a new directory, or use `tesler update` to update an existing project",
        )


def _move_into_place(staging: Path, destination: Path) -> None:
    if destination.is_dir():
        destination.rmdir()  # empty, checked above; rename() needs it gone
    staging.replace(destination)
