"""The set-up's warm-ups: cache-building commands run one after another beside its steps."""

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


def test_warm_ups_run_in_order_and_a_failed_one_does_not_stop_the_next(tmp_path: Path) -> None:
    failing = [sys.executable, "-c", "raise SystemExit(3)"]
    warm_ups = WarmUps([_append("first"), failing, _append("second")], tmp_path)

    warm_ups.wait()

    assert (tmp_path / "log").read_text() == "first\nsecond\n"


def test_stopping_kills_the_running_warm_up_and_starts_no_other(tmp_path: Path) -> None:
    code = "open('started', 'w'); import time; time.sleep(60); open('finished', 'w')"
    started = [sys.executable, "-c", code]
    warm_ups = WarmUps([started, _append("after")], tmp_path)
    deadline = time.monotonic() + 60
    while not (tmp_path / "started").exists():
        assert time.monotonic() < deadline, "the first warm-up never started"
        time.sleep(0.01)

    warm_ups.stop()

    assert not (tmp_path / "finished").exists()
    assert not (tmp_path / "log").exists()


def test_the_secrets_scan_is_warmed_up_and_mypy_only_without_a_shared_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MYPY_CACHE_DIR", raising=False)
    assert warm_up_commands() == [SECRETS_WARM_UP, TYPECHECK_WARM_UP]
    monkeypatch.setenv("MYPY_CACHE_DIR", str(tmp_path / "shared-mypy-cache"))
    assert warm_up_commands() == [SECRETS_WARM_UP]
