"""A run killed outright (SIGKILL, no cleanup) leaves nothing behind for good.

Its temporary folders carry its process id: the next run finds them, sees the owner is
gone, and removes them. These tests kill real `tesler` processes mid-run: end-to-end, so
marked slow (CI runs them).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import git, tesler

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.update.conftest import MakeProject

pytestmark = pytest.mark.slow
TESLER = [sys.executable, "-c", "from tesler.cli import run; run()"]


def _start(*argv: str, temp: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "TMPDIR": str(temp)}
    return subprocess.Popen(
        [*TESLER, *argv], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _kill_when(process: subprocess.Popen[str], ready: Callable[[], bool]) -> None:
    """SIGKILL `process` as soon as `ready()` holds (it must still be running then)."""
    deadline = time.monotonic() + 300  # a guard against hanging, not a measurement
    while not ready():
        assert process.poll() is None, f"finished before it could be killed: {process.stderr}"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL


def test_a_killed_update_leaves_temporary_folders_that_the_next_run_removes(
    make_project: MakeProject, tmp_path: Path
) -> None:
    project = make_project("v0.1.0")
    temp = tmp_path / "tmp"
    temp.mkdir()
    first = _start("update", str(project), temp=temp)
    _kill_when(first, lambda: any(path.name.startswith("copier") for path in temp.rglob("*")))
    left = sorted(path.name for path in temp.iterdir())
    assert left, "the killed run left nothing to sweep: the test proves nothing"
    assert all(name.startswith(f"tesler-{first.pid}-") for name in left)
    assert git(project, "branch", "--list", "template-update/*") == ""
    second = _start("update", str(project), temp=temp)
    _, stderr = second.communicate(timeout=600)
    assert second.returncode == 0, stderr
    assert list(temp.iterdir()) == []
    assert "template-update/v0.2.0" in git(project, "branch", "--list", "template-update/*")


def test_a_killed_new_leaves_a_staging_folder_that_the_next_new_beside_it_removes(
    released_template: Path, tmp_path: Path
) -> None:
    parent = tmp_path / "projects"
    parent.mkdir()
    args = ("--template", str(released_template), "--vcs-ref", "v0.2.0", "--defaults", "--no-setup")
    first = _start("new", str(parent / "one"), *args, temp=tmp_path)

    def rendering() -> bool:
        return any(any(staging.iterdir()) for staging in parent.glob(".one.tesler-*"))

    _kill_when(first, rendering)
    (staging,) = parent.iterdir()
    assert staging.name.startswith(f".one.tesler-{first.pid}-")
    assert tesler("new", str(parent / "two"), *args) == 0
    assert sorted(path.name for path in parent.iterdir()) == ["two"]


def test_a_live_runs_folders_are_never_swept(released_template: Path, tmp_path: Path) -> None:
    parent = tmp_path / "projects"
    parent.mkdir()
    pid = os.getpid()
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    start = stat.rpartition(")")[2].split()[19]  # field 22: start time, in clock ticks
    live = parent / f".other.tesler-{pid}-{start}-abc123"
    live.mkdir()
    recycled = parent / f".old.tesler-{pid}-{int(start) + 1}-abc123"  # pid reused since
    recycled.mkdir()
    args = ("--template", str(released_template), "--vcs-ref", "v0.2.0", "--defaults", "--no-setup")
    assert tesler("new", str(parent / "two"), *args) == 0
    assert sorted(path.name for path in parent.iterdir()) == [live.name, "two"]
