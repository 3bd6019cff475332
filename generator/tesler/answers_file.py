"""The answers file Copier writes into every project: its name and its one reader.

An answers file is input: a team edits it, a pull request can change it, and a fleet reads
other people's. Every way it can be unusable (not UTF-8, not YAML, aliases, too large, not
a mapping, no template recorded) is an AnswersFileError naming the file, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import yaml

from tesler import safe_yaml
from tesler.errors import AnswersFileError
from tesler.git import checked_ref
from tesler.locations import TemplateLocation
from tesler.locations import parse as parse_location
from tesler.questions import TEMPLATE_CONFIG

if TYPE_CHECKING:
    from pathlib import Path

ANSWERS_FILE = ".copier-answers.yml"
# Copier writes a few hundred bytes; a megabyte is not an answers file.
MAX_BYTES = 1_000_000
_RESTORE = f"restore {ANSWERS_FILE} from git (`git log -p -- {ANSWERS_FILE}` shows its history)"


@dataclass(frozen=True)
class Answers:
    """A parsed answers file: the template it records, its version, and every answer."""

    origin: str
    src_path: str
    commit: str
    values: dict[str, object]

    def template(self) -> tuple[TemplateLocation, str]:
        """The template and version recorded, vetted before git sees them.

        A relative `_src_path` is resolved against the current directory, as Copier does.
        """
        location = parse_location(
            self.src_path, what=f"`_src_path` in {self.origin}", record_absolute=False
        )
        version = checked_ref(
            self.commit,
            f"`_commit` in {self.origin}",
            fix=f"restore {ANSWERS_FILE} from git: `_commit` names a version of the template",
        )
        return location, version

    def public(self) -> dict[str, object]:
        """The answers to questions (Copier's private `_` keys left out)."""
        return {key: value for key, value in self.values.items() if not key.startswith("_")}


def parse_mapping(data: bytes | str, origin: str) -> dict[str, object]:
    """The answers in `data` as a mapping, or AnswersFileError saying what is wrong."""
    if len(data) > MAX_BYTES:
        raise AnswersFileError(
            origin, f"it is {len(data):,} bytes, more than {MAX_BYTES:,}", fix=_RESTORE
        )
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise AnswersFileError(
                origin,
                f"it is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})",
                fix=_RESTORE,
            ) from None
    try:
        # Copier never writes anchors or aliases; a billion-laughs file is made of them.
        line = safe_yaml.first_alias_line(data)
        if line is not None:
            raise AnswersFileError(
                origin, f"YAML aliases are not allowed (line {line})", fix=_RESTORE
            )
        loaded = safe_yaml.load(data)  # nesting and size within limits too
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "it cannot be parsed"
        raise AnswersFileError(origin, f"not valid YAML{where}: {problem}", fix=_RESTORE) from None
    if not isinstance(loaded, dict):
        raise AnswersFileError(origin, "it is not a mapping of answers", fix=_RESTORE)
    return {str(key): value for key, value in loaded.items()}


def parse(data: bytes | str, origin: str) -> Answers:
    """A usable answers file: one that records the template's location and version."""
    values = parse_mapping(data, origin)
    fields = {}
    for key, meaning in (("_src_path", "template source"), ("_commit", "template version")):
        value = values.get(key)
        if not isinstance(value, str) or not value:
            raise AnswersFileError(
                origin,
                f"no `{key}` ({meaning}) recorded",
                fix=f"{_RESTORE}, or re-adopt the project with `tesler adopt`",
            )
        fields[key] = value
    return Answers(origin, fields["_src_path"], fields["_commit"], values)


@dataclass(frozen=True)
class Inspection:
    """What a report needs from an answers file it must not fail on: the version or a problem."""

    version: str | None
    answers: dict[str, object]
    problem: str | None = None


def inspect(data: bytes | str, origin: str = ANSWERS_FILE) -> Inspection:
    """Parse an answers file read from a remote; an unusable one yields a `problem`."""
    try:
        parsed = parse(data, origin)
    except AnswersFileError as error:
        try:
            values = parse_mapping(data, origin)
        except AnswersFileError:
            values = {}
        commit = values.get("_commit")
        version = commit if isinstance(commit, str) and commit else None
        return Inspection(version, values, f"invalid answers file: {error.problem}")
    return Inspection(parsed.commit, parsed.values)


def load(project: Path) -> Answers:
    """The answers file of the project at `project`."""
    path = project / ANSWERS_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        problem, fix = _missing(project)
        raise AnswersFileError(str(path), problem, fix=fix) from None
    except OSError as error:
        raise AnswersFileError(
            str(path), f"cannot read it: {error.strerror}", fix=_RESTORE
        ) from None
    return parse(data, str(path))


def load_mapping(project: Path) -> dict[str, object]:
    """Every answer of a freshly rendered project (for set-up: names, author)."""
    path = project / ANSWERS_FILE
    return parse_mapping(path.read_bytes(), str(path))


def _missing(project: Path) -> tuple[str, str]:
    if (project / TEMPLATE_CONFIG).is_file():
        # A template is not a project: adopting it would render the template over itself.
        problem = (
            f"no such file: {project} is a Copier template (it has {TEMPLATE_CONFIG}), "
            "not a project generated from one"
        )
        return problem, "pass the directory of a generated project (`tesler check PATH`)"
    return (
        "no such file, so the project was not generated from a Copier template",
        "bring it under the template first with `tesler adopt`",
    )
