"""The bytecode of a project's libraries, kept between the projects tesler sets up.

The pipeline's first run at set-up spends most of its time compiling the libraries it imports
(pandas, scikit-learn, SciPy, DVC: ~1,700 files; `run-stages` of the demo took 11.0-11.6 s
without their bytecode and 4.1 s with it, 2026-12-03), and every new environment compiles them
again: uv links the same files into each environment but keeps no bytecode (astral-sh/uv#18668,
open), and Python writes it beside each copy. Compiled code does not depend on where its source
lives (Python puts the file name right when it loads it), so after a set-up this module keeps
the bytecode of every library file that was compiled, keyed by the file's path in
site-packages and the SHA-256 of its source, and before the next set-up's first run puts it
back beside each file with the same path and content, its header (the source's mtime and size,
which Python checks) written for the new copy. Hand-written: neither uv nor Python offers it.

Bytecode is code Python runs, so the folder must be the user's own (mode 0700, checked at each
use, like uv's cache it is trusted as the user's). Everything here is best effort: on any
error nothing is restored or kept, and Python compiles as it would have.
"""

# os functions on plain strings where a walk visits every library file: pathlib took half of
# the time of a restore over ~9,500 files (2026-12-03).
# ruff: noqa: PTH103, PTH116, PTH118, PTH123, PTH208

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import struct
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from tesler.private_folder import user_cache_folder

if TYPE_CHECKING:
    from collections.abc import Iterator

# Entries kept per Python version; the least recently used go first (~1,700 per environment).
MAX_ENTRIES = 30_000
_HEADER = struct.Struct("<4sIII")  # magic, flags (0: checked by mtime and size), mtime, size
_SITE_PACKAGES = re.compile(r"^python(\d+)\.(\d+)$")


def cache_directory() -> Path | None:
    """The user's private folder of bytecode, created if missing; None if it is not private."""
    return user_cache_folder("bytecode")


def site_packages(venv: Path) -> tuple[Path, str] | None:
    """The environment's site-packages and its Python's cache tag (`cpython-311`), if CPython."""
    config = venv / "pyvenv.cfg"
    try:
        lines = config.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    settings = {
        key.strip(): value.strip() for key, _, value in (line.partition("=") for line in lines)
    }
    if settings.get("implementation") != "CPython":
        return None
    for candidate in sorted((venv / "lib").glob("python*/site-packages")):
        version = _SITE_PACKAGES.match(candidate.parent.name)
        if version:
            return candidate, f"cpython-{version[1]}{version[2]}"
    return None


def restore(venv: Path) -> set[Path]:
    """Put kept bytecode beside the environment's library files; return the files written."""
    found = site_packages(venv)
    root = cache_directory()
    if found is None or root is None:
        return set()
    packages, tag = found
    kept: dict[str, set[str]] = {}
    with contextlib.suppress(OSError):
        for entry in (root / tag).iterdir():
            path_key, _, rest = entry.name.partition("-")
            kept.setdefault(path_key, set()).add(rest.removesuffix(".pyc"))
    written: set[Path] = set()
    if not kept:
        return written
    folder = str(root / tag)
    made: set[str] = set()
    for directory, relative, name in _sources(str(packages)):
        path_key = _path_key(relative)
        if path_key not in kept:
            continue
        source = os.path.join(directory, name)
        with contextlib.suppress(OSError), open(source, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
            if digest in kept[path_key]:
                cache = os.path.join(directory, "__pycache__")
                if cache not in made:
                    os.makedirs(cache, exist_ok=True)
                    made.add(cache)
                target = os.path.join(cache, f"{name[:-3]}.{tag}.pyc")
                stored = os.path.join(folder, f"{path_key}-{digest}.pyc")
                if _write_for(stored, source, target):
                    os.utime(stored)  # used now: `_prune` drops the least recently used first
                    written.add(Path(target))
    return written


def keep(venv: Path, restored: set[Path]) -> None:
    """Keep the bytecode compiled in the environment since `restore` (see the module)."""
    found = site_packages(venv)
    root = cache_directory()
    if found is None or root is None:
        return
    packages, tag = found
    folder = root / tag
    suffix = f".{tag}.pyc"
    with contextlib.suppress(OSError):
        folder.mkdir(mode=0o700, exist_ok=True)
        known = {entry.name for entry in folder.iterdir()}
        listings: dict[str, frozenset[str]] = {}
        for directory, relative, name in _sources(str(packages)):
            compiled = Path(directory, "__pycache__", name[:-3] + suffix)
            if compiled in restored or name[:-3] + suffix not in _listing(directory, listings):
                continue
            with contextlib.suppress(OSError):
                entry = _entry_name(compiled, Path(directory, name), _path_key(relative))
                if entry is not None and entry not in known:
                    _write_atomically(folder, entry, compiled.read_bytes())
                    known.add(entry)
        _prune(folder, known)


def _sources(packages: str) -> Iterator[tuple[str, str, str]]:
    """Each `.py` file under `packages`: its folder, its path from `packages`, its name."""
    start = len(packages) + 1
    for directory, folders, files in os.walk(packages):
        folders[:] = [folder for folder in folders if folder != "__pycache__"]
        prefix = directory[start:] + "/" if len(directory) >= start else ""
        for name in files:
            if name.endswith(".py"):
                yield directory, prefix + name, name


def _listing(directory: str, listings: dict[str, frozenset[str]]) -> frozenset[str]:
    """The names in `directory`'s __pycache__, listed once."""
    if directory not in listings:
        try:
            listings[directory] = frozenset(os.listdir(os.path.join(directory, "__pycache__")))
        except OSError:
            listings[directory] = frozenset()
    return listings[directory]


def _path_key(relative: str) -> str:
    return hashlib.sha256(relative.encode()).hexdigest()[:32]


def _entry_name(compiled: Path, source: Path, path_key: str) -> str | None:
    """The entry of `compiled`, if it is checked by timestamp and current for `source`."""
    with compiled.open("rb") as handle:
        header = handle.read(_HEADER.size)
    if len(header) != _HEADER.size:
        return None
    _, flags, mtime, size = _HEADER.unpack(header)
    status = source.stat()
    current = (int(status.st_mtime) & 0xFFFFFFFF, status.st_size & 0xFFFFFFFF)
    if flags != 0 or (mtime, size) != current:
        return None  # hash-based, or compiled from another version of the file
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    return f"{path_key}-{digest}.pyc"


def _write_for(entry: str, source: str, target: str) -> bool:
    """Write `entry` to `target` with the header Python checks against `source`, if absent."""
    with open(entry, "rb") as handle:
        data = handle.read()
    magic, flags, _, _ = _HEADER.unpack_from(data)
    if flags != 0:
        return False
    status = os.stat(source)
    header = _HEADER.pack(magic, 0, int(status.st_mtime) & 0xFFFFFFFF, status.st_size & 0xFFFFFFFF)
    try:
        with open(target, "xb") as handle:  # "x": never over Python's own
            handle.write(header + data[_HEADER.size :])
    except FileExistsError:
        return False
    return True


def _write_atomically(folder: Path, name: str, data: bytes) -> None:
    """Two set-ups may keep the same file at once: each writes a whole file, then renames."""
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        Path(temporary).replace(folder / name)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        raise


def _prune(folder: Path, names: set[str]) -> None:
    """Drop the least recently used entries past MAX_ENTRIES."""
    if len(names) <= MAX_ENTRIES:
        return
    used = []
    for name in names:
        with contextlib.suppress(OSError):
            used.append(((folder / name).stat().st_mtime, name))
    for _, name in sorted(used)[: len(used) - MAX_ENTRIES]:
        with contextlib.suppress(OSError):
            (folder / name).unlink()
