"""The installed pytest and pytest-xdist keep an `xdist_group` on one process.

`.ci/run` runs `pytest -n 2 --dist loadgroup` and relies on the groups to build each set-up
project once. pytest-xdist 3.8 stops grouping, silently, on pytest 9.2's node ids
(pytest-dev/pytest-xdist#1386); this runs a small suite the way CI runs tesler's and reads
which process ran each test. A pytest session of its own on two processes: marked slow, as it
guards the full run, not the inner loop.
"""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.slow

GROUPED = """
import os
import pathlib

import pytest

pytestmark = pytest.mark.xdist_group("one-project")


@pytest.mark.parametrize("case", range(6))
def test_grouped(case):
    with pathlib.Path(__file__).with_name("workers.txt").open("a") as ran:
        ran.write(os.environ["PYTEST_XDIST_WORKER"] + "\\n")
"""
FREE = """
import pytest


@pytest.mark.parametrize("case", range(6))
def test_free(case):
    pass
"""


def test_loadgroup_runs_a_group_in_one_process(tmp_path: Path) -> None:
    (tmp_path / "test_grouped.py").write_text(GROUPED, encoding="utf-8")
    (tmp_path / "test_free.py").write_text(FREE, encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-p",
         "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    ran = (tmp_path / "workers.txt").read_text(encoding="utf-8").split()
    assert len(ran) == 6
    assert len(set(ran)) == 1, f"one group ran in {sorted(set(ran))}"
