"""Run external commands (uv, dvc, make) with output captured for error messages.

git has its own runner (`tesler.git`), which also vets the values that reach git.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import TYPE_CHECKING

from tesler.errors import CommandError

if TYPE_CHECKING:
    from pathlib import Path

# Left out of a project's commands: the variables that tie a child `uv` to tesler's own
# environment instead of the project's, and, as the project's Makefile leaves it out,
# PYTHONDONTWRITEBYTECODE: the project's processes write the bytecode of what they import once
# instead of recompiling it in every process (see `project_setup`).
_LEFT_OUT = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE")


def project_env() -> dict[str, str]:
    """Environment for commands run inside a generated project."""
    env = {key: value for key, value in os.environ.items() if key not in _LEFT_OUT}
    # DVC would otherwise try to send usage analytics: there is no network here.
    env.setdefault("DVC_NO_ANALYTICS", "1")
    return env


def uv_executable() -> str:
    """The uv that runs tesler, else `uv` on PATH.

    `python3 -m pip install uv` can put uv where PATH does not reach it yet (a pyenv shim
    exists only after `pyenv rehash`); `python3 -m uv run tesler` still works, and uv tells
    its children where it is in `UV`.
    """
    running = os.environ.get("UV")
    if running and shutil.which(running):
        return running
    return "uv"


def _with_uv_resolved(command: list[str]) -> list[str]:
    """`command`, with a leading `uv` replaced by the uv that runs tesler (`uv_executable`)."""
    return [uv_executable(), *command[1:]] if command[0] == "uv" else command


def start_quietly(command: list[str], cwd: Path) -> subprocess.Popen[bytes] | None:
    """Start `command` in the background with its output discarded; None if it cannot start.

    For work whose only product is a cache (a warm-up): the caller never fails on it.
    """
    try:
        return subprocess.Popen(
            _with_uv_resolved(command),
            cwd=cwd,
            env=project_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return None


def run(
    command: list[str],
    cwd: Path,
    *,
    step: str,
    fix: str,
    env: dict[str, str] | None = None,
) -> str:
    """Run `command` in `cwd`; return its output or raise CommandError naming the step."""
    command = _with_uv_resolved(command)
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
