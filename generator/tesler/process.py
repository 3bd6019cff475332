"""Run external commands (git, uv, dvc) with output captured for error messages."""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

from tesler.errors import CommandError

if TYPE_CHECKING:
    from pathlib import Path

# Variables that tie a child `uv` to tesler's own environment instead of the project's.
_PROJECT_ISOLATION = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONHOME")


def project_env() -> dict[str, str]:
    """Environment for commands run inside a generated project."""
    env = {key: value for key, value in os.environ.items() if key not in _PROJECT_ISOLATION}
    # DVC would otherwise try to send usage analytics: there is no network here.
    env.setdefault("DVC_NO_ANALYTICS", "1")
    return env


def run(
    command: list[str],
    cwd: Path,
    *,
    step: str,
    fix: str,
    env: dict[str, str] | None = None,
) -> str:
    """Run `command` in `cwd`; return its output or raise CommandError naming the step."""
    try:
        completed = subprocess.run(
            command,
            cwd=cwd,
            env=env if env is not None else project_env(),
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        raise CommandError(step, command, f"{command[0]}: command not found", fix=fix) from None
    if completed.returncode != 0:
        raise CommandError(step, command, completed.stdout + completed.stderr, fix=fix)
    return completed.stdout


def git(args: list[str], cwd: Path, *, step: str = "git", fix: str = "see git's message") -> str:
    """Run one git command."""
    return run(["git", *args], cwd, step=step, fix=fix)


def git_output(args: list[str], cwd: Path) -> str | None:
    """Output of a read-only git query, or None when git says no (not a repo, no such ref)."""
    completed = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    return completed.stdout.rstrip() if completed.returncode == 0 else None
