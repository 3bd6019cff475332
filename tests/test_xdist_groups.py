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


def _workers_that_ran(suite: Path, files: dict[str, str]) -> list[str]:
    """Write the suite's files, run it as CI runs tesler's, and list the process of each test."""
    for name, text in files.items():
        (suite / name).write_text(text, encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-p",
         "no:cacheprovider", "--rootdir", str(suite), str(suite)],
        cwd=suite,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return (suite / "workers.txt").read_text(encoding="utf-8").split()


def test_loadgroup_runs_a_group_in_one_process(tmp_path: Path) -> None:
    ran = _workers_that_ran(tmp_path, {"test_grouped.py": GROUPED, "test_free.py": FREE})
    assert len(ran) == 6
    assert len(set(ran)) == 1, f"one group ran in {sorted(set(ran))}"


def test_a_test_that_only_names_a_shared_project_joins_its_group(tmp_path: Path) -> None:
    """tests/conftest.py's hook marks it before xdist names its group: one project built."""
    suite = {
        "conftest.py": BY_FIXTURE_CONFTEST,
        "test_by_fixture.py": BY_FIXTURE,
        "test_free.py": FREE,
    }
    ran = _workers_that_ran(tmp_path, suite)
    assert len(ran) == 8
    assert len(set(ran)) == 1, f"the project was built in {sorted(set(ran))}"


def _collected(*options: str) -> list[str]:
    """The node ids of the repository's own tests, in the order pytest hands them out."""
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         *options, str(REPO_ROOT / "tests")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return [line for line in completed.stdout.splitlines() if "::" in line]


def test_slow_tests_are_handed_out_before_every_fast_test() -> None:
    """The longest work starts first, so no long test is left for the end of the run."""
    slow = set(_collected("-m", "slow"))
    order = _collected("-m", "")
    assert slow
    assert set(order[: len(slow)]) == slow
