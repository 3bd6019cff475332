"""mypy's cache of a project, kept between the projects tesler sets up.

A new project's first type check reads the standard library and every library's stubs from
nothing: 15.5-17.5 s for the demo project, the longest of the set-up's warm-ups, which the
set-up waits for (`tesler new` took 29.2 s with it and 18.4 s with no mypy warm-up at all,
2026-12-03). mypy knows a module in its cache by its source's hash, not by its path, so the
cache of an earlier project, in another folder and with another environment, serves a new one:
mypy checks again only what differs and reports the same errors (0.64-0.68 s instead of 15.5 s,
an error added after the copy still reported). So after a set-up's warm-up this module keeps the
project's `.mypy_cache`, and before the next set-up's warm-up it copies the kept one in.

Hand-written: mypy shares a cache between projects only through MYPY_CACHE_DIR, which would make
every project's `make typecheck` write into one folder at once. mypy trusts its cache, so the
folder must be the user's own (mode 0700, checked at each use, like tesler's bytecode). Best
effort: on any error nothing is kept or copied, and mypy starts cold as it would have.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from tesler.private_folder import user_cache_folder

PROJECT_CACHE = ".mypy_cache"  # mypy's default, which the template does not change
_KEPT = "cache"


def kept_folder() -> Path | None:
    """The user's private folder for the kept cache, created if missing; None if not private."""
    return user_cache_folder("mypy")


def restore(project: Path) -> bool:
    """Copy the kept cache into `project` unless it has a cache already; True if copied."""
    root = kept_folder()
    target = project / PROJECT_CACHE
    if root is None or not (root / _KEPT).is_dir() or target.exists():
        return False
    try:
        shutil.copytree(root / _KEPT, target, symlinks=True)
    except OSError:  # another set-up replaced the kept cache while this one copied it
        shutil.rmtree(target, ignore_errors=True)
        return False
    return True


def keep(project: Path) -> None:
    """Keep `project`'s cache for the next set-up, in place of the one kept before.

    Copied beside the kept one, then swapped in by renames: a set-up copying it at the same
    time sees the old cache or the new one, never half of one.
    """
    root = kept_folder()
    source = project / PROJECT_CACHE
    if root is None or not source.is_dir():
        return
    staging = Path(tempfile.mkdtemp(prefix=f"incoming-{os.getpid()}-", dir=root))
    try:
        shutil.copytree(source, staging / _KEPT, symlinks=True)
        current = root / _KEPT
        if current.exists():
            current.rename(staging / "retired")
        (staging / _KEPT).rename(current)
    except OSError:  # another set-up kept its cache at the same moment: theirs stays
        pass
    finally:
        shutil.rmtree(staging, ignore_errors=True)
