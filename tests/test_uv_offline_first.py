"""The tests' `uv` shim: cache first for resolutions, the index when the cache lacks something."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

import pytest

from tests.support.uv_offline_first import REAL_UV, variables, write_shim

if TYPE_CHECKING:
    from pathlib import Path

# A stand-in for uv that records its arguments and fails offline when told to (its cache lacks
# something): the shim's decisions are what is under test, not uv's.
FAKE_UV = """#!/bin/sh
echo "$*" >> "$CALLS"
case " $* " in
    *" --offline "*) [ -n "$CACHE_LACKS" ] && { echo "offline: not cached" >&2; exit 2; } ;;
esac
echo "done: $*" >&2
"""


def run_shim(tmp_path: Path, *argv: str, cache_lacks: bool) -> tuple[list[str], str]:
    fake = tmp_path / "real-uv"
    fake.write_text(FAKE_UV)
    fake.chmod(0o755)
    shim = write_shim(tmp_path / "bin", str(fake))
    calls = tmp_path / "calls"
    completed = subprocess.run(
        [str(shim), *argv],
        env={"CALLS": str(calls), "CACHE_LACKS": "x" * cache_lacks, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return calls.read_text().splitlines(), completed.stderr


@pytest.mark.parametrize("subcommand", ["sync", "lock"])
def test_a_resolution_the_cache_holds_runs_once_offline(tmp_path: Path, subcommand: str) -> None:
    calls, stderr = run_shim(tmp_path, subcommand, "-q", cache_lacks=False)
    assert calls == [f"{subcommand} --offline -q"]
    assert stderr == f"done: {subcommand} --offline -q\n"


def test_a_resolution_the_cache_lacks_runs_again_online_and_hides_the_offline_error(
    tmp_path: Path,
) -> None:
    calls, stderr = run_shim(tmp_path, "sync", "--frozen", cache_lacks=True)
    assert calls == ["sync --offline --frozen", "sync --frozen"]
    assert stderr == "done: sync --frozen\n"


def test_other_commands_go_straight_to_uv(tmp_path: Path) -> None:
    calls, _ = run_shim(tmp_path, "run", "--frozen", "sync", cache_lacks=True)
    assert calls == ["run --frozen sync"]


def test_a_pytest_started_by_a_test_keeps_the_real_uv(tmp_path: Path) -> None:
    first = variables(tmp_path / "one", {"UV": "/opt/uv/bin/uv", "PATH": "/usr/bin"})
    second = variables(tmp_path / "two", first)
    assert second[REAL_UV] == "/opt/uv/bin/uv"
    assert "/opt/uv/bin/uv" in (tmp_path / "two" / "uv").read_text()
    assert second["PATH"].split(":")[:2] == [str(tmp_path / "two"), str(tmp_path / "one")]
