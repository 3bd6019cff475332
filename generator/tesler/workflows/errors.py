"""Errors of the runner-free workflow run: each names the workflow, job and step."""

from __future__ import annotations

from tesler.errors import TeslerError


class WorkflowError(TeslerError):
    """A workflow cannot be run locally as written (unknown action, expression, shell...).

    Every problem found in the selected workflows is listed, so one run shows them all.
    """

    def __init__(self, problems: list[str], *, fix: str) -> None:
        """Keep the problems apart so tests and callers can read them one by one."""
        self.problems = problems
        listed = "\n".join(f"  {problem}" for problem in problems)
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(
            f"cannot run the workflows locally ({len(problems)} {noun}):\n{listed}", fix=fix
        )
