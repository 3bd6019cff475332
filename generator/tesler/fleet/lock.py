"""One `fleet apply` at a time per state file: a second run refuses instead of racing.

Two applies of one manifest would update the same repositories, push over each other's
branches and each rewrite the state file with half the rows. The lock is an advisory
`flock` on `<state file>.lock`: the kernel releases it when its process ends, however it
ends, so a killed run never leaves a stale lock (the small file itself stays, naming
the last holder).
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from typing import TYPE_CHECKING

from tesler.fleet.errors import FleetError
from tesler.fleet.report import now

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def lock_path(state_file: Path) -> Path:
    """The lock file that guards `state_file`."""
    return state_file.with_name(f"{state_file.name}.lock")


@contextmanager
def fleet_lock(state_file: Path, manifest: Path) -> Iterator[None]:
    """Hold the fleet's lock for the block, or raise FleetError naming its holder."""
    path = lock_path(state_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 4096, 0).decode(errors="replace").strip()
            raise FleetError(
                f"another `tesler fleet apply` is running on this fleet ({holder or 'unknown'}); "
                f"it holds {path}",
                fix="wait for it to finish (its results go to the same state file), then run "
                "apply again: a repeated apply changes nothing it already did",
            ) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"pid {os.getpid()}, since {now()}, {manifest}\n".encode(), 0)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock
