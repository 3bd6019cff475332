"""Which steps need a service a local run has not, read from the steps themselves.

A workflow carries no runner-specific markers: a job is skipped when one of its steps
uses an action that needs a login or an API (`actions.py`), is handed the job's GitHub
token, or runs a command that only works online, in its own text or in the recipe of
the `make` target it calls (read from the Makefile, never run). docs/workflows.md lists
these rules; the report names the step and the rule that matched.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tesler.workflows.makefile import make_targets

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tesler.workflows.makefile import Rules
    from tesler.workflows.model import Step

_TOKEN = re.compile(r"\$\{\{\s*(?:github\.token|secrets\.GITHUB_TOKEN)\s*\}\}")
# Commands that reach a service whatever their arguments, and what each one needs.
ONLINE_COMMANDS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("pip-audit", re.compile(r"(?<![\w-])pip-audit\b"), "queries a vulnerability database"),
    ("gh", re.compile(r"(?<![\w-])gh\s+\w"), "calls the GitHub API"),
    ("git push", re.compile(r"(?<![\w-])git\s+(?:-\S+\s+)*push\b"), "pushes to a git remote"),
    (
        "docker/podman/buildah push or login",
        re.compile(r"(?<![\w-])(?:docker|podman|buildah)\s+(?:\S+\s+)*?(?:push|login)\b"),
        "talks to a container registry",
    ),
    (
        "twine upload, uv publish",
        re.compile(r"(?<![\w-])(?:twine\s+upload|uv\s+publish)\b"),
        "publishes to a package index",
    ),
)


def token_reason(env: Mapping[str, str], where: str) -> str | None:
    """Why a step or job handed the GitHub token cannot run here (None when none is)."""
    for name, value in env.items():
        if _TOKEN.search(value):
            return f"{where} is given the GitHub token ({name}): it acts on GitHub"
    return None


def step_reason(step: Step, rules: Rules) -> str | None:
    """Why `step` needs a service (None when it runs offline)."""
    reason = token_reason({**step.env, **step.with_args}, f"step {step.index} ({step.label})")
    if reason is not None or step.run is None:
        return reason
    sources = [("", step.run)] + [
        (f" (in the recipe of `make {target}`)", rules.recipe_text(target))
        for target in make_targets(step.run)
    ]
    for where, text in sources:
        for name, pattern, need in ONLINE_COMMANDS:
            if pattern.search(text):
                return f"step {step.index} ({step.label}) runs {name}{where}, which {need}"
    return None
