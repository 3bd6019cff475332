"""Read what a `make` target runs, from the Makefile's text: make itself is never run.

Workflows call `make <target>`; whether a step needs a service (the GitHub API, a
registry, the network) is in the target's recipe. Reading the rules and their
prerequisites statically is enough for that and runs nothing of the project: even
`make -n` evaluates `$(shell ...)`. Hand-written because no maintained library parses
Makefiles; it understands rules, prerequisites, recipes with continuation lines, and
`include` of literal paths and `$(wildcard ...)` globs, which is what projects write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

_MAKEFILES = ("GNUmakefile", "makefile", "Makefile")
_RULE = re.compile(r"^(?P<targets>[^\s:=#][^:=#]*?)\s*::?(?!=)(?P<prerequisites>[^=#;]*)")
_INCLUDE = re.compile(r"^-?include\s+(?P<files>.+)$")
_WILDCARD = re.compile(r"\$\(wildcard\s+([^)]*)\)")
# `make ...`, and `$(MAKE) ...` / `${MAKE} ...` as recipes call make again.
_MAKE_CALL = re.compile(
    r"(?:^|[;&|(@]\s*|\s)(?:make|\$\(MAKE\)|\$\{MAKE\})\s+(?P<arguments>[^;&|\n]*)"
)
_MAX_INCLUDES = 50  # included files followed, against include cycles and globs run wild


@dataclass
class Rules:
    """Target -> its prerequisites and recipe lines, across the Makefile and its includes."""

    prerequisites: dict[str, list[str]] = field(default_factory=dict)
    recipes: dict[str, list[str]] = field(default_factory=dict)

    def recipe_text(self, target: str) -> str:
        """Every recipe line `make target` would run: prerequisites and `$(MAKE) x` included."""
        lines: list[str] = []
        seen: set[str] = set()
        pending = [target]
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            recipe = self.recipes.get(name, [])
            lines.extend(recipe)
            pending.extend(self.prerequisites.get(name, ()))
            pending.extend(called for line in recipe for called in make_targets(line))
        return "\n".join(lines)


def read_rules(project: Path) -> Rules:
    """The rules of the project's Makefile (empty when there is none)."""
    rules = Rules()
    makefile = next((project / name for name in _MAKEFILES if (project / name).is_file()), None)
    queue = [makefile] if makefile is not None else []
    read: set[Path] = set()
    while queue and len(read) < _MAX_INCLUDES:
        path = queue.pop(0)
        if path in read or not path.is_file():
            continue
        read.add(path)
        queue.extend(_parse(path.read_text(encoding="utf-8", errors="replace"), project, rules))
    return rules


def make_targets(command: str) -> list[str]:
    """The targets of each `make ...` call in a shell command (no options, no VAR=value)."""
    targets: list[str] = []
    for call in _MAKE_CALL.finditer(command):
        for word in call["arguments"].split():
            if word.startswith("-") or "=" in word or "$" in word:
                continue
            targets.append(word)
    return targets


def _parse(text: str, project: Path, rules: Rules) -> list[Path]:
    """Add `text`'s rules to `rules`; return the files it includes."""
    includes: list[Path] = []
    current: list[str] = []
    logical = text.replace("\\\n", " ").splitlines()
    for line in logical:
        if line.startswith("\t"):
            for target in current:
                rules.recipes.setdefault(target, []).append(line.strip())
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        include = _INCLUDE.match(line.strip())
        if include is not None:
            includes.extend(_included(include["files"], project))
            current = []
            continue
        rule = _RULE.match(line)
        if rule is None:
            current = []  # a variable assignment or a directive ends the recipe
            continue
        current = [target for target in rule["targets"].split() if not target.startswith(".")]
        for target in current:
            rules.prerequisites.setdefault(target, []).extend(rule["prerequisites"].split())
    return includes


def _included(files: str, project: Path) -> list[Path]:
    found: list[Path] = []
    for pattern in _WILDCARD.findall(files):
        words = [word for word in pattern.split() if not word.startswith("/")]
        found.extend(sorted(path for word in words for path in project.glob(word)))
    found.extend(project / word for word in _WILDCARD.sub(" ", files).split() if "$" not in word)
    return [path for path in found if path.resolve().is_relative_to(project.resolve())]
