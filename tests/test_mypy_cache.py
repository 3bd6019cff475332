"""mypy's cache of one set-up serves the next project, which mypy still checks in full.

The projects here are folders with one module each, checked by the mypy of tesler's own
environment; its verbose log (`-v`) says which modules it took from the cache ("Metadata fresh").
"""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from tesler import mypy_cache

if TYPE_CHECKING:
    from pathlib import Path

GOOD = "def double(value: int) -> int:\n    return 2 * value\n"
BAD = 'def label() -> int:\n    return "text"\n'
FROM_CACHE = "Metadata fresh for builtins"


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's cache folder, under the test's own folder; mypy's cache in each project."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.delenv("MYPY_CACHE_DIR", raising=False)  # tests/conftest.py shares one
    return tmp_path / "user-cache" / "tesler" / "mypy"


def project(root: Path, source: str) -> Path:
    root.mkdir(parents=True)
    (root / "module.py").write_text(source, encoding="utf-8")
    return root


def with_marked_cache(root: Path, mark: str) -> Path:
    """`root` holding a mypy cache folder whose file `mark` says which project made it."""
    (root / ".mypy_cache").mkdir()
    (root / ".mypy_cache" / "mark").write_text(mark, encoding="utf-8")
    return root


def mypy(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "-v", "module.py"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_next_project_starts_from_the_kept_cache_and_its_errors_are_still_reported(
    tmp_path: Path,
) -> None:
    first = project(tmp_path / "first", GOOD)
    checked = mypy(first)
    assert checked.returncode == 0, checked.stdout
    assert FROM_CACHE not in checked.stderr  # the first project starts cold
    mypy_cache.keep(first)

    second = project(tmp_path / "second", BAD)
    assert mypy_cache.restore(second)

    checked = mypy(second)
    assert FROM_CACHE in checked.stderr
    assert checked.returncode == 1
    assert 'module.py:2: error: Incompatible return value type (got "str", expected "int")' in (
        checked.stdout
    )


def test_a_project_with_a_cache_of_its_own_keeps_it(tmp_path: Path) -> None:
    mypy_cache.keep(with_marked_cache(project(tmp_path / "first", GOOD), "first"))
    second = with_marked_cache(project(tmp_path / "second", GOOD), "second")

    assert not mypy_cache.restore(second)

    assert (second / ".mypy_cache" / "mark").read_text(encoding="utf-8") == "second"


def test_the_last_kept_cache_is_the_one_restored(tmp_path: Path, private_cache: Path) -> None:
    for name in ("first", "second"):
        mypy_cache.keep(with_marked_cache(project(tmp_path / name, GOOD), name))
    third = project(tmp_path / "third", GOOD)

    assert mypy_cache.restore(third)

    assert (third / ".mypy_cache" / "mark").read_text(encoding="utf-8") == "second"
    assert [path.name for path in private_cache.iterdir()] == ["cache"]  # nothing left over


def test_nothing_kept_restores_nothing(tmp_path: Path) -> None:
    second = project(tmp_path / "second", GOOD)
    assert not mypy_cache.restore(second)
    assert not (second / ".mypy_cache").exists()


def test_a_cache_folder_others_can_write_is_not_used(tmp_path: Path, private_cache: Path) -> None:
    mypy_cache.keep(with_marked_cache(project(tmp_path / "first", GOOD), "first"))
    private_cache.chmod(0o777)
    second = project(tmp_path / "second", GOOD)

    assert not mypy_cache.restore(second)
    mypy_cache.keep(second)

    assert not (second / ".mypy_cache").exists()
    assert (private_cache / "cache" / "mark").read_text(encoding="utf-8") == "first"
