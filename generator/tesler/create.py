"""`tesler new`: render a project beside its destination and move it in only on success.

Bad answers, an unusable destination or a failed set-up leave nothing behind: no
partial project directory, no parent folder created for it, and no DVC storage folder
that did not exist before. A run killed outright leaves its staging folder, named after
its process (`tesler.leftovers`): the next `tesler new` beside it removes it.
"""

from __future__ import annotations

import errno
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tesler import answers_file, copier_adapter, leftovers, template_source
from tesler.errors import DestinationError
from tesler.locations import portability_warning
from tesler.own_data import data_import
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
    _check_outside(destination, source.local_dir)
    version = template_source.version_to_render(source, request.vcs_ref)
    if not request.allow_dirty_template:
        template_source.refuse_dirty_head(version)
    data = parse_data(template_source.questions_at(version), request.data)

    created_parents = _make_parents(destination)
    created_storage: list[Path] = []
    moved = False
    try:
        leftovers.sweep(destination.parent, leftovers.STAGING)
        staging = _staging(destination)
    except BaseException:
        _remove_empty(created_parents)
        raise
    try:
        on_step("render")
        copier_adapter.render(
            source.copier, staging, data, vcs_ref=version.ref, defaults=request.defaults
        )
        # mkdtemp made the directory private (0700); a project gets what the umask gives,
        # as with plain `copier copy`.
        staging.chmod(0o777 & ~_umask())
        if request.setup:
            own_data = data_import(answers_file.load_mapping(staging), Path.cwd())
            created_storage = [path for path in local_remotes(staging) if not path.exists()]
            run_setup(staging, on_step, own_data)
        _move_into_place(staging, destination)
        moved = True
        if request.setup:
            # The environment is relocatable (set-up made it so); only the editable install of
            # the project itself records the staging path, so only it is reinstalled.
            on_step("uv sync")
            package = str(answers_file.load_mapping(destination)["package_name"])
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
        _remove_empty(created_parents)
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
    existing = next(path for path in (destination, *destination.parents) if path.exists())
    if existing != destination and not existing.is_dir():
        raise DestinationError(
            destination,
            f"{existing} is a file, so no folder can be made under it",
            fix="choose a path whose parent folders are directories (or do not exist yet)",
        )
    if existing.is_dir() and not os.access(existing, os.W_OK | os.X_OK):
        raise DestinationError(
            destination,
            f"{existing} is not writable (a read-only file system, or not yours)",
            fix="choose a directory on a disk you can write to, e.g. under your home directory",
        )
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


def _check_outside(destination: Path, template: Path | None) -> None:
    if template is not None and destination.is_relative_to(template):
        raise DestinationError(
            destination,
            f"it is inside the template checkout {template}: the project would be rendered "
            "into the template, and its files picked up by the template's next render",
            fix=f"choose a directory outside it, e.g. {template.parent / destination.name}",
        )


def _make_parents(destination: Path) -> list[Path]:
    """Create DEST's missing parent folders; return them, deepest first, for an undo."""
    missing = [path for path in destination.parents if not path.exists()]
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        _remove_empty(missing)
        raise _unwritable(destination, error) from None
    return missing


def _staging(destination: Path) -> Path:
    try:
        return leftovers.owned_dir(destination.parent, label=f".{destination.name}.")
    except OSError as error:
        raise _unwritable(destination, error) from None


def _unwritable(destination: Path, error: OSError) -> DestinationError:
    reason = {
        errno.EROFS: "it is on a read-only file system",
        errno.ENOTDIR: "a folder on its path is a file",
        errno.EACCES: "permission denied",
        errno.EPERM: "the operating system does not allow it",
        errno.ENOENT: "its parent cannot hold folders (a virtual file system such as /proc?)",
        errno.ENOSPC: "the disk is full",
    }.get(error.errno or 0, error.strerror or str(error))
    return DestinationError(
        destination,
        f"cannot create it: {reason}",
        fix="choose a directory on a disk you can write to, e.g. under your home directory",
    )


def _remove_empty(folders: list[Path]) -> None:
    """Remove the folders `_make_parents` created, deepest first, if they are still empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _move_into_place(staging: Path, destination: Path) -> None:
    if destination.is_dir():
        destination.rmdir()  # empty, checked above; rename() needs it gone
    staging.replace(destination)
