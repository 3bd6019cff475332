"""Who owns a generated file: the team (project-owned) or the template (template-owned).

The template declares the team's files once, as Copier's `_skip_if_exists` patterns (Copier never
overwrites them in an update). `tesler check` must read that declaration exactly as Copier reads
it, or it would report a team's file as an edited template file: the patterns are Jinja (they
name `{{ package_name }}`) rendered with the project's answers, then matched as Copier matches
them, gitignore-style with pathspec (`tests/*.py` is the top of `tests/` only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import jinja2
import jinja2.sandbox
import pathspec

if TYPE_CHECKING:
    from collections.abc import Mapping


class Ownership:
    """The project-owned patterns of one template version, rendered for one project."""

    def __init__(self, patterns: list[str], answers: Mapping[str, object]) -> None:
        """Render each pattern with the answers (a sandbox: patterns are text, not code)."""
        environment = jinja2.sandbox.SandboxedEnvironment(undefined=jinja2.StrictUndefined)
        self.patterns = tuple(
            environment.from_string(pattern).render(dict(answers)) for pattern in patterns
        )
        self._spec = pathspec.PathSpec.from_lines("gitignore", self.patterns)

    def is_project_owned(self, relative: str) -> bool:
        """Whether the file at `relative` (a POSIX path in the project) is the team's."""
        return self._spec.match_file(relative)
