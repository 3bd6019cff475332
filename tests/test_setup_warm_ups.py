"""The set-up's warm-ups: cache-building commands run side by side, beside its steps."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

from tesler.project_setup import SECRETS_WARM_UP, TYPECHECK_WARM_UP, WarmUps, warm_up_commands

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def _append(line: str) -> list[str]:
    code = f"open('log', 'a').write({line!r} + '\\n')"
    return [sys.executable, "-c", code]


def test_a_failed_warm_up_does_not_stop_the_others(tmp_path: Path) -> None:
    failing = [sys.executable, "-c", "raise SystemExit(3)"]
    warm_ups = WarmUps([_append("first"), failing, _append("second")], tmp_path)

    warm_ups.wait()

    assert sorted((tmp_path / "log").read_text().splitlines()) == ["first", "second"]


def test_warm_ups_run_side_by_side(tmp_path: Path) -> None:
    # The first ends when it sees the second start: one after another it would wait 30 s alone.
    waits = (
        "import pathlib, time\n"
        "deadline = time.monotonic() + 30\n"
        "while not pathlib.Path('second-started').exists() and time.monotonic() < deadline:\n"
        "    time.sleep(0.01)\n"
        "open('log', 'a').write('first saw the second\\n' if pathlib.Path('second-started')"
        ".exists() else 'first ran alone\\n')\n"
    )
    second = [sys.executable, "-c", "open('second-started', 'w')"]
    warm_ups = WarmUps([[sys.executable, "-c", waits], second], tmp_path)

    warm_ups.wait()

    assert (tmp_path / "log").read_text() == "first saw the second\n"


def test_stopping_kills_every_running_warm_up(tmp_path: Path) -> None:
    sleepers = [
        [
            sys.executable,
            "-c",
            f"open('{name}', 'w'); import time; time.sleep(60); open('done', 'w')",
        ]
        for name in ("one", "two")
    ]
    warm_ups = WarmUps(sleepers, tmp_path)
    deadline = time.monotonic() + 60
    while not ((tmp_path / "one").exists() and (tmp_path / "two").exists()):
        assert time.monotonic() < deadline, "the warm-ups never started"
        time.sleep(0.01)

    warm_ups.stop()

    assert not (tmp_path / "done").exists()


def test_the_secrets_scan_is_warmed_up_and_mypy_only_without_a_shared_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MYPY_CACHE_DIR", raising=False)
    assert warm_up_commands() == [SECRETS_WARM_UP, TYPECHECK_WARM_UP]
    monkeypatch.setenv("MYPY_CACHE_DIR", str(tmp_path / "shared-mypy-cache"))
    assert warm_up_commands() == [SECRETS_WARM_UP]
