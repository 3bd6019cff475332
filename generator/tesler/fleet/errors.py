"""Errors of the fleet commands: each names the file, the line or the repository, and the fix."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tesler.errors import TeslerError

if TYPE_CHECKING:
    from pathlib import Path


class ManifestError(TeslerError):
    """The fleet manifest cannot be read or does not validate."""

    def __init__(self, path: Path, problems: list[str], *, fix: str) -> None:
        """List every problem, each prefixed with `file:line`, so one run shows them all."""
        self.path = path
        self.problems = problems
        listed = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"fleet manifest {path} is invalid:\n{listed}", fix=fix)


class ShardError(TeslerError):
    """A `--shard I/N` value is malformed."""


class MergeError(TeslerError):
    """Shard reports cannot be merged (different manifests, overlaps, missing shards)."""


class RemoteError(TeslerError):
    """A git remote could not be read."""


class FleetError(TeslerError):
    """A fleet command cannot run as configured (missing token, unusable state file...)."""
