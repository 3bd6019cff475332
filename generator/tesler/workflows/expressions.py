"""The few `${{ ... }}` expressions a local run can answer, and nothing else.

Supported: `github.workspace` (the project), `runner.temp` (a temporary directory of the
run), `runner.os` (Linux), `matrix.<key>` of a single-combination matrix, `env.<NAME>`
(the workflow, job and step `env` plus `$GITHUB_ENV`), and `secrets.<NAME>`, which is
empty locally and reported as a warning. Any other expression (the event, step outputs,
functions) is refused: guessing its value would make a green run meaningless.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

_EXPRESSION = re.compile(r"\$\{\{\s*(?P<body>.*?)\s*\}\}", re.DOTALL)
_CONTEXT_KEY = re.compile(
    r"^(?P<context>github|runner|matrix|env|secrets)\.(?P<key>[A-Za-z_][\w-]*)$"
)
_STATUS = {"success()": True, "always()": True, "!cancelled()": True}
_STATUS_ON_FAILURE = {"failure()": True, "always()": True, "!cancelled()": True}


@dataclass(frozen=True)
class Context:
    """What the supported expressions resolve to in one step."""

    workspace: str
    temp: str
    matrix: Mapping[str, str]
    env: Mapping[str, str]


@dataclass(frozen=True)
class Rendered:
    """Text with its expressions substituted, and the warnings the substitution raised."""

    text: str
    warnings: tuple[str, ...] = field(default_factory=tuple)


def unsupported(text: str, matrix_keys: set[str]) -> list[str]:
    """Every expression in `text` that a local run cannot answer."""
    refused = []
    for match in _EXPRESSION.finditer(text):
        body = match.group("body")
        parsed = _CONTEXT_KEY.match(body)
        if parsed is None:
            refused.append(match.group(0))
            continue
        context, key = parsed.group("context"), parsed.group("key")
        if (
            (context == "github" and key != "workspace")
            or (context == "runner" and key not in {"temp", "os"})
            or (context == "matrix" and key not in matrix_keys)
        ):
            refused.append(match.group(0))
    return refused


def render(text: str, context: Context) -> Rendered:
    """Substitute the supported expressions; call `unsupported` first to refuse the rest."""
    warnings: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        parsed = _CONTEXT_KEY.match(match.group("body"))
        if parsed is None:  # pragma: no cover - `unsupported` refused it already
            return match.group(0)
        name, key = parsed.group("context"), parsed.group("key")
        if name == "secrets":
            warnings.append(f"secrets.{key} is empty in a local run")
            return ""
        values = {
            "github": {"workspace": context.workspace},
            "runner": {"temp": context.temp, "os": "Linux"},
            "matrix": context.matrix,
            "env": context.env,
        }[name]
        return values.get(key, "")

    return Rendered(_EXPRESSION.sub(substitute, text), tuple(warnings))


def condition_holds(condition: str | None, *, failed: bool) -> bool | None:
    """Whether an `if:` holds, or None when it depends on what only GitHub knows.

    Only the status functions and literal booleans are answered; a condition on the
    event, the branch or step outputs returns None and the caller skips with a reason.
    """
    if condition is None:
        return not failed
    body = condition.strip()
    match = _EXPRESSION.fullmatch(body)
    if match is not None:
        body = match.group("body").strip()
    if body in {"true", "false"}:
        return body == "true" and not failed
    table = _STATUS_ON_FAILURE if failed else _STATUS
    if body in _STATUS or body in _STATUS_ON_FAILURE or body == "cancelled()":
        return table.get(body, False)
    return None
