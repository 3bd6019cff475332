"""The fleet state file: the last apply outcome of each repository, for `status`.

Apply writes it atomically (a temporary file renamed over the old one), so an
interrupted run leaves the previous state intact.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from tesler.errors import TeslerError
from tesler.fleet.report import ApplyReport, LastResult
from tesler.redact import json_text


class FleetState(BaseModel):
    """Repository name -> its last apply outcome."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    results: dict[str, LastResult] = {}


def load_state(path: Path) -> FleetState:
    """The state at `path`; an absent file is an empty state, a corrupt one an error."""
    try:
        return FleetState.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return FleetState()
    except ValidationError as error:
        raise TeslerError(
            f"fleet state file {path} is corrupt: {error.error_count()} problem(s)",
            fix="delete it (it only records the last apply results) and run apply again",
        ) from None


def record(path: Path, report: ApplyReport) -> FleetState:
    """Merge the outcomes of `report` into the state at `path` and save it."""
    results = dict(load_state(path).results)
    for row in report.rows:
        results[row.name] = LastResult(
            outcome=row.outcome,
            at=report.generated_at,
            to_version=row.to_version,
            branch=row.branch,
            pull_request=row.pull_request,
            message=row.message,
        )
    state = FleetState(results=dict(sorted(results.items())))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        # Messages quote git and remotes; no credential they echo is kept on disk.
        stream.write(json_text(state.model_dump_json(indent=2)) + "\n")
    Path(temporary).replace(path)
    return state
