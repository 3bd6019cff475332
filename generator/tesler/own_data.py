"""The team's own data at creation (answer `dataset: file`): find the file, import it in set-up.

Copier cannot read a file outside the template, so `tesler new` runs the project's own import
command (`<package> data FILE --target COLUMN`, the one `make data` runs after plain Copier) as a
set-up step: one code path, whichever way the project was made.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tesler.errors import AnswerError

if TYPE_CHECKING:
    from collections.abc import Mapping

FIX = "give the path of your CSV or Parquet file, relative to where you run tesler"


@dataclass(frozen=True)
class DataImport:
    """The file to import, the column to predict and, if the answers gave it, the task."""

    path: Path
    target: str
    task: str


def data_import(answers: Mapping[str, object], cwd: Path) -> DataImport | None:
    """The import the answers ask for, or None for a demo dataset; a missing file is an error."""
    if answers.get("dataset") != "file":
        return None
    given = str(answers.get("data_path", ""))
    path = Path(given).expanduser()
    path = (path if path.is_absolute() else cwd / path).resolve()
    if not path.is_file():
        problem = "is a folder, not a file" if path.is_dir() else f"does not exist ({path})"
        raise AnswerError("data_path", given, problem, fix=FIX)
    return DataImport(path, str(answers.get("target", "")), str(answers.get("task", "") or ""))


def import_command(request: DataImport, package: str) -> list[str]:
    """The project's import command; the file name goes after `--`, never as an option."""
    task = [f"--task={request.task}"] if request.task else []
    return [
        "uv",
        "run",
        "--frozen",
        package,
        "data",
        f"--target={request.target}",
        *task,
        "--",
        str(request.path),
    ]
