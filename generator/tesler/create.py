"""`tesler new`: render a project beside its destination and move it in only on success.

Bad answers, an unusable destination or a failed set-up leave nothing behind: no
partial project directory, and no DVC storage folder that did not exist before.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from tesler import copier_adapter, template_source
from tesler.errors import DestinationError
from tesler.own_data import data_import
from tesler.process import run
from tesler.project_setup import ANSWERS_FILE, local_remotes, run_setup
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


def create_project(request: CreateRequest, on_step: Callable[[str], None]) -> CreateResult:
    """Render, optionally set up, and move the project into place."""
    destination = request.destination.expanduser().resolve()  # `..` folded: the path users see
    _check_destination(destination)
    source = template_source.resolve(request.template)
    if not request.allow_dirty_template:
        template_source.refuse_dirty_head(source, request.vcs_ref)
    data = {}
    if source.local_dir is not None:
        data = parse_data(template_source.questions_at(source, request.vcs_ref), request.data)
    elif request.data:
        # A remote template's questions are only known after Copier clones it; Copier
        # checks types and choices itself and the adapter translates its errors.
        data = dict(pair.partition("=")[::2] for pair in request.data)

    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.tesler-", dir=destination.parent))
    created_storage: list[Path] = []
    moved = False
    try:
        on_step("render")
        copier_adapter.render(
            source.location,
            staging,
            data,
            vcs_ref=request.vcs_ref,
            defaults=request.defaults,
        )
        if request.setup:
            answers = yaml.safe_load((staging / ANSWERS_FILE).read_text(encoding="utf-8"))
            own_data = data_import(answers, Path.cwd())
            created_storage = [path for path in local_remotes(staging) if not path.exists()]
            run_setup(staging, on_step, own_data)
        _move_into_place(staging, destination)
        moved = True
        if request.setup:
            # The environment is relocatable (set-up made it so); only the editable install of
            # the project itself records the staging path, so only it is reinstalled.
            on_step("uv sync")
            package = str(yaml.safe_load((destination / ANSWERS_FILE).read_text())["package_name"])
            run(
                ["uv", "sync", "--frozen", "--reinstall-package", package.replace("_", "-")],
                destination,
                step="uv sync",
                fix="run `make setup`",
            )
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if moved:
            shutil.rmtree(destination, ignore_errors=True)
        for storage in created_storage:
            shutil.rmtree(storage, ignore_errors=True)
        raise
    answers = yaml.safe_load((destination / ANSWERS_FILE).read_text(encoding="utf-8"))
    return CreateResult(destination=destination, template=source.location, answers=answers)


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
