"""Temporary directories that name their owner, so the next run can sweep a killed one's.

A run killed with SIGKILL runs no cleanup: its staging directory beside DEST, its clones
and Copier's own `copier.*` folders would stay forever. Every directory tesler creates
for a run is therefore named `<label>tesler-<pid>-<start>-<random>` (`start` is when
that process started, read from /proc, so a recycled pid is told apart), and Copier and
git are pointed at one of them through TMPDIR. A later run removes a directory of that
shape only when its owner process is gone and the directory is older than the later run.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

_OWNER = r"tesler-(?P<pid>\d+)-(?P<start>\d+)-[a-z0-9_]+"
RUN = re.compile(_OWNER)  # a run's temporary directory, in the system's
STAGING = re.compile(rf"\..+\.{_OWNER}")  # `tesler new`'s `.DEST.tesler-...`, beside DEST


def owned_dir(parent: Path, label: str = "") -> Path:
    """A new directory in `parent` whose name says this process owns it."""
    pid = os.getpid()
    return Path(tempfile.mkdtemp(prefix=f"{label}tesler-{pid}-{_start_time(pid)}-", dir=parent))


def sweep(parent: Path, kind: re.Pattern[str] = RUN) -> list[Path]:
    """Remove the directories in `parent` named like `kind` whose runs are gone."""
    started = time.time()
    removed: list[Path] = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = kind.fullmatch(entry.name)
        if match is None or entry.is_symlink() or not entry.is_dir():
            continue
        if _alive(int(match["pid"]), int(match["start"])) or not _older(entry, started):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


@contextmanager
def run_tempdir() -> Iterator[Path]:
    """A temporary directory for the whole run, used by Copier, git and tesler alike.

    Stale ones of killed runs are swept first; this one is removed afterwards, whatever
    happened in between.
    """
    system = Path(tempfile.gettempdir())
    sweep(system)
    directory = owned_dir(system)
    saved_tempdir, saved_env = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir = str(directory)
    os.environ["TMPDIR"] = str(directory)
    try:
        yield directory
    finally:
        tempfile.tempdir = saved_tempdir
        if saved_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved_env
        shutil.rmtree(directory, ignore_errors=True)


def _start_time(pid: int) -> int:
    """Clock ticks after boot at which `pid` started (0 where /proc does not say)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return 0
    # The command name (field 2) is in parentheses and may hold spaces: count after it.
    fields = stat.rpartition(")")[2].split()
    return int(fields[19]) if len(fields) > 19 and fields[19].isdigit() else 0  # noqa: PLR2004


def _alive(pid: int, start: int) -> bool:
    """Whether the process that made a directory still runs (a recycled pid does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's live process
    return start == 0 or _start_time(pid) in {start, 0}


def _older(entry: Path, started: float) -> bool:
    try:
        return entry.stat().st_mtime < started
    except OSError:
        return False
