"""The only module that imports Copier: a Copier upgrade touches this file alone.

Copier reports a failed validator or a bad choice as a bare ValueError with a traceback;
this adapter turns those into tesler errors that name the question and the fix.
"""

from __future__ import annotations

import re
import warnings
from typing import TYPE_CHECKING

from tesler.errors import AnswerError, TemplateError

if TYPE_CHECKING:
    from pathlib import Path

_VALIDATION = re.compile(
    r"Validation error for question '(?P<field>[^']+)': (?P<message>.*)", re.DOTALL
)
_CHOICE = re.compile(r"Invalid choice for '(?P<field>[^']+)': (?P<message>.*)", re.DOTALL)


def render(
    template: str,
    destination: Path,
    data: dict[str, object],
    *,
    vcs_ref: str | None,
    defaults: bool,
) -> None:
    """Render `template` into `destination` with Copier (no tasks, no trust needed)."""
    import copier  # noqa: PLC0415  (import copier costs ~0.6 s; only commands that render pay it)
    from copier.errors import CopierError  # noqa: PLC0415

    with warnings.catch_warnings():
        # Dirty-template warnings are handled (refused or allowed) before rendering.
        warnings.simplefilter("ignore")
        try:
            copier.run_copy(
                template,
                destination,
                data=data,
                vcs_ref=vcs_ref,
                defaults=defaults,
                quiet=True,
                unsafe=False,
                cleanup_on_error=True,
            )
        except ValueError as error:
            raise _answer_error(error, data) from error
        except CopierError as error:
            raise TemplateError(
                f"Copier could not render {template}: {error}",
                fix="check the template source and --vcs-ref",
            ) from error


def _answer_error(error: ValueError, data: dict[str, object]) -> AnswerError | TemplateError:
    text = str(error).strip()
    for pattern in (_VALIDATION, _CHOICE):
        match = pattern.match(text)
        if match:
            field = match.group("field")
            message = " ".join(match.group("message").split())
            value = data.get(field, "<default>")
            problem, _, fix = message.partition(": ")
            # Validators open with "<field> '<value>'", which the AnswerError already says.
            problem = re.sub(rf"^{re.escape(field)} ('[^']*'|\S+) ", "", problem)
            return AnswerError(field, value, problem or message, fix=fix or "see copier.yml")
    return TemplateError(
        f"Copier rejected the answers: {text}",
        fix="check every --data value against docs/answers.md",
    )
