"""The installed pytest and pytest-xdist keep an `xdist_group` on one process, and so a project.

A test that only names a shared set-up project's fixture joins that project's group through
tests/conftest.py's hook, which must mark it before xdist reads the marks.

`.ci/run` runs `pytest -n 2 --dist loadgroup` and relies on the groups to build each set-up
project once. pytest-xdist 3.8 stops grouping, silently, on pytest 9.2's node ids
(pytest-dev/pytest-xdist#1386); this runs a small suite the way CI runs tesler's and reads
which process ran each test. A pytest session of its own on two processes: marked slow, as it
guards the full run, not the inner loop.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from tests.conftest import REPO_ROOT

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
# A suite whose start-up conftest holds tesler's own grouping hook and a project fixture of
# the same name as tesler's: its tests carry no mark, only the fixture.
BY_FIXTURE_CONFTEST = """
import os
import pathlib

import pytest

from tests.conftest import pytest_collection_modifyitems  # noqa: F401 (the hook under test)


@pytest.fixture(scope="session")
def classification_project():
    return os.environ["PYTEST_XDIST_WORKER"]
"""
BY_FIXTURE = """
import pathlib

import pytest


@pytest.mark.parametrize("case", range(8))
def test_uses_the_project(classification_project, case):
    with pathlib.Path(__file__).with_name("workers.txt").open("a") as ran:
        ran.write(classification_project + "\\n")
"""
FREE = """
import pytest


@pytest.mark.parametrize("case", range(6))
def test_free(case):
    pass
"""


def _run_on_two_processes(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-p",
         "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )  # fmt: skip


def test_loadgroup_runs_a_group_in_one_process(tmp_path: Path) -> None:
    (tmp_path / "test_grouped.py").write_text(GROUPED, encoding="utf-8")
    (tmp_path / "test_free.py").write_text(FREE, encoding="utf-8")
    completed = _run_on_two_processes(tmp_path)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    ran = (tmp_path / "workers.txt").read_text(encoding="utf-8").split()
    assert len(ran) == 6
    assert len(set(ran)) == 1, f"one group ran in {sorted(set(ran))}"


def test_a_test_that_only_names_a_shared_project_joins_its_group(tmp_path: Path) -> None:
    """tests/conftest.py's hook marks it before xdist names its group: one project built."""
    (tmp_path / "conftest.py").write_text(BY_FIXTURE_CONFTEST, encoding="utf-8")
    (tmp_path / "test_by_fixture.py").write_text(BY_FIXTURE, encoding="utf-8")
    (tmp_path / "test_free.py").write_text(FREE, encoding="utf-8")
    completed = _run_on_two_processes(tmp_path)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    ran = (tmp_path / "workers.txt").read_text(encoding="utf-8").split()
    assert len(ran) == 8
    assert len(set(ran)) == 1, f"the project was built in {sorted(set(ran))}"
