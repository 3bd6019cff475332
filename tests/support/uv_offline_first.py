"""In tesler's own tests, `uv sync` and `uv lock` resolve from uv's cache before asking PyPI.

uv revalidates every package's index page with PyPI on each resolution, even when its cache
holds them all: a set-up project's `uv sync` waits on ~100 requests. The tests make about a dozen
projects from the same template, so after the first each could resolve from the cache alone.
`variables` puts a `uv` in front of the real one (on PATH, and in `$UV`, which tesler's set-up
uses) that runs `uv sync` and `uv lock` with `--offline` first and, when the cache lacks
anything, again as asked: on a machine whose cache is empty the tests still resolve online.
Every other uv command goes straight to the real uv. The newcomer's test builds its own PATH
without it, and stays online. A user's `tesler new` never sees this: it is for tests only.

A shell script, not a Python one: it runs before every `uv` call of the tests' projects, and a
Python interpreter would add its start-up to each.
"""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

# Subcommands that resolve, and that are safe to run twice: `uv lock` writes uv.lock, `uv sync`
# uv.lock and the environment, each whole from what the index offers, so a failed offline attempt
# leaves nothing the second attempt would not redo.
RESOLVING = ("sync", "lock")
# The real uv, for a pytest started by a test (it would otherwise put its shim before this one).
REAL_UV = "TESLER_TESTS_REAL_UV"

SHIM = """#!/bin/sh
# tesler's tests only (tests/support/uv_offline_first.py): resolve from uv's cache first.
real={real}
case "$1" in
{cases})
    sub=$1
    shift
    log=$(mktemp) || exit 1
    if "$real" "$sub" --offline "$@" 2>"$log"; then
        cat "$log" >&2
        rm -f "$log"
        exit 0
    fi
    rm -f "$log"
    exec "$real" "$sub" "$@"
    ;;
esac
exec "$real" "$@"
"""


def write_shim(directory: Path, real: str) -> Path:
    """Write the `uv` shim into `directory` (made if missing), calling `real`; return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    shim = directory / "uv"
    shim.write_text(SHIM.format(real=shlex.quote(real), cases="|".join(RESOLVING)))
    shim.chmod(0o755)
    return shim


def variables(directory: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """Write the shim into `directory`; return the variables that put it before the real uv.

    The real uv is the one `$UV` names (uv sets it for what `uv run` starts), else the first
    `uv` on PATH; a pytest that a test starts inherits it from REAL_UV and keeps it.
    """
    real = environ.get(REAL_UV) or environ.get("UV") or shutil.which("uv", path=environ.get("PATH"))
    if not real:
        raise FileNotFoundError("no uv to put the offline-first shim in front of")
    shim = write_shim(directory, real)
    return {
        REAL_UV: real,
        "UV": str(shim),
        "PATH": os.pathsep.join([str(directory), environ.get("PATH", "")]),
    }
