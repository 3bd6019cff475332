"""The bytecode one set-up compiled is loaded by the next environment, and only when it is right.

Environments here are folders laid out as uv makes them (pyvenv.cfg, lib/pythonX.Y/
site-packages), and the bytecode is what this Python writes when it imports a module from
there; Python's own verbose import log (`python -v`) says which file it loaded code from.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tesler import bytecode_cache

pytestmark = pytest.mark.skipif(
    sys.implementation.name != "cpython", reason="the cache keeps CPython's bytecode only"
)

SOURCE = "VALUE = 41 + 1\n"


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's cache folder, under the test's own folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "tesler" / "bytecode"


def environment(root: Path, source: str = SOURCE, *, mtime: int = 1_700_000_000) -> Path:
    """A uv-like environment holding the library `lib_a` (its module `mod` holds `source`)."""
    (root / "pyvenv.cfg").parent.mkdir(parents=True)
    (root / "pyvenv.cfg").write_text("home = /usr/bin\nimplementation = CPython\n")
    package = site_packages(root) / "lib_a"
    package.mkdir(parents=True)
    for name, text in (("__init__.py", ""), ("mod.py", source)):
        (package / name).write_text(text)
        os.utime(package / name, (mtime, mtime))
    return root


def site_packages(root: Path) -> Path:
    return root / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"


def compiled(root: Path) -> Path:
    tag = sys.implementation.cache_tag
    return site_packages(root) / "lib_a" / "__pycache__" / f"mod.{tag}.pyc"


def import_module(root: Path, *, write: bool = True) -> subprocess.CompletedProcess[str]:
    """Import lib_a.mod from the environment, as its Python would; print VALUE."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    if not write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, "-v", "-c", "import lib_a.mod; print(lib_a.mod.VALUE)"],
        cwd=root,
        env={**env, "PYTHONPATH": str(site_packages(root))},
        capture_output=True,
        text=True,
        check=True,
    )


def test_bytecode_compiled_in_one_environment_is_loaded_by_the_next(tmp_path: Path) -> None:
    first = environment(tmp_path / "first")
    import_module(first)  # Python writes the bytecode, as the pipeline's first run does
    bytecode_cache.keep(first, set())

    # The same file, copied later: another mtime, which the header must now carry.
    second = environment(tmp_path / "second", mtime=1_800_000_000)
    restored = bytecode_cache.restore(second)

    assert compiled(second) in restored
    loaded = import_module(second, write=False)
    assert loaded.stdout == "42\n"
    assert f"# {compiled(second)} matches" in loaded.stderr  # Python used it, not the source
    assert "bytecode is stale" not in loaded.stderr


def test_a_file_with_other_content_at_the_same_path_gets_nothing(tmp_path: Path) -> None:
    first = environment(tmp_path / "first")
    import_module(first)
    bytecode_cache.keep(first, set())

    second = environment(tmp_path / "second", "VALUE = 7\n")
    restored = bytecode_cache.restore(second)

    assert compiled(second) not in restored
    assert not compiled(second).exists()
    assert import_module(second, write=False).stdout == "7\n"


def test_bytecode_older_than_its_source_is_not_kept(tmp_path: Path, private_cache: Path) -> None:
    first = environment(tmp_path / "first")
    import_module(first)
    (site_packages(first) / "lib_a" / "mod.py").write_text("VALUE = 0  # edited since\n")
    bytecode_cache.keep(first, set())

    kept = {path.name for path in private_cache.rglob("*.pyc")}
    assert len(kept) == 1  # lib_a/__init__.py only: mod's bytecode is of an older source


def test_a_cache_folder_others_can_write_is_not_used(tmp_path: Path, private_cache: Path) -> None:
    first = environment(tmp_path / "first")
    import_module(first)
    private_cache.mkdir(parents=True)
    private_cache.chmod(0o777)

    bytecode_cache.keep(first, set())
    second = environment(tmp_path / "second")

    assert list(private_cache.iterdir()) == []
    assert bytecode_cache.restore(second) == set()
    assert bytecode_cache.cache_directory() is None


def test_bytecode_python_wrote_is_never_replaced(tmp_path: Path) -> None:
    first = environment(tmp_path / "first")
    import_module(first)
    bytecode_cache.keep(first, set())
    second = environment(tmp_path / "second")
    import_module(second)
    before = compiled(second).read_bytes()

    assert bytecode_cache.restore(second) == set()
    assert compiled(second).read_bytes() == before


def test_an_environment_that_is_not_cpython_is_left_alone(tmp_path: Path) -> None:
    first = environment(tmp_path / "first")
    import_module(first)
    bytecode_cache.keep(first, set())
    second = environment(tmp_path / "second")
    (second / "pyvenv.cfg").write_text("home = /usr/bin\nimplementation = PyPy\n")

    assert bytecode_cache.restore(second) == set()
    assert not compiled(second).exists()


def test_past_the_limit_the_least_recently_used_bytecode_goes_first(
    tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bytecode_cache, "MAX_ENTRIES", 2)
    first = environment(tmp_path / "first")
    import_module(first)
    bytecode_cache.keep(first, set())  # lib_a/__init__.py and lib_a/mod.py
    # Both long unused, mod.py's the older: it would go first if using it did not count.
    for age, entry in enumerate(
        sorted(private_cache.rglob("*.pyc"), key=lambda p: -p.stat().st_size)
    ):
        os.utime(entry, (1_000_000_000 + age, 1_000_000_000 + age))
    # Only mod.py is used again: this environment's __init__.py differs.
    used = environment(tmp_path / "used")
    (site_packages(used) / "lib_a" / "__init__.py").write_text("# another version\n")
    assert bytecode_cache.restore(used) == {compiled(used)}
    other = environment(tmp_path / "other", "VALUE = 3\n")
    import_module(other)
    bytecode_cache.keep(other, set())  # one new entry (its mod.py): three kept, one must go

    fresh = environment(tmp_path / "fresh")
    restored = bytecode_cache.restore(fresh)

    assert len(list(private_cache.rglob("*.pyc"))) == 2
    assert restored == {compiled(fresh)}  # mod.py's, used last; __init__.py's was dropped
