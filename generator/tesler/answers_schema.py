"""The answers JSON Schema: the contract between the template and every generated repository.

It is derived from copier.yml (through `questions.py`, so without Copier): types, choices,
required answers, and the bounds and patterns that simple validators express. A project's
CI can validate `.copier-answers.yml` against it with any JSON Schema tool.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tesler.questions import Question

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_JSON_TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}
_NUMBER = r"-?\d+(?:\.\d+)?"
# A validator's `{% if ... %}` condition says when the answer is INVALID.
_IF = re.compile(r"\{%-?\s*(?:el)?if\s+(?P<condition>.*?)\s*-?%\}", re.DOTALL)
_LIST = re.compile(r"\{%-?\s*set\s+(?P<name>\w+)\s*=\s*\[(?P<items>.*?)\]\s*-?%\}", re.DOTALL)
_STRING = re.compile(r"'((?:[^'\\]|\\.)*)'")
# Invalid when `x < n` means the schema's minimum is n, and so on.
_BOUND_KEYWORDS = {
    "<": "minimum",
    "<=": "exclusiveMinimum",
    ">": "maximum",
    ">=": "exclusiveMaximum",
}


def answers_schema(
    questions: Iterable[Question], *, title: str = "tesler answers"
) -> dict[str, object]:
    """A JSON Schema (draft 2020-12) that `.copier-answers.yml` files must satisfy."""
    properties: dict[str, object] = {
        "_src_path": {"type": "string", "description": "Where the template comes from."},
        "_commit": {"type": "string", "description": "Template version the project is at."},
    }
    required = ["_commit", "_src_path"]
    for question in questions:
        if question.computed or question.secret:
            continue  # Copier records neither computed values nor secrets in the answers file
        properties[question.name] = question_schema(question)
        if not question.conditional:
            required.append(question.name)
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": title,
        "type": "object",
        "properties": properties,
        "required": required,
        # Copier may add private keys (`_`-prefixed); any other key is an answer to a
        # question the template does not ask (a typo, or a renamed question).
        "patternProperties": {"^_": {}},
        "additionalProperties": False,
    }


def question_schema(question: Question) -> dict[str, object]:
    """The schema of one answer: type, choices, default, and what its validator bounds."""
    schema: dict[str, object] = {}
    if question.type in _JSON_TYPES:
        schema["type"] = _JSON_TYPES[question.type]
    if question.help:
        schema["description"] = " ".join(question.help.split())
    if question.choices:
        schema["enum"] = list(question.choices)
    if question.default is not None and not _is_template(question.default):
        schema["default"] = question.default
    if question.type in {"int", "float"}:
        schema.update(_bounds(question))
    if question.type == "str":
        schema.update(_string_rules(question))
    return schema


def _is_template(value: object) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def _conditions(question: Question) -> list[str]:
    return [match["condition"] for match in _IF.finditer(question.validator)]


def _bounds(question: Question) -> dict[str, object]:
    name = re.escape(question.name)
    comparison = re.compile(rf"\b{name}\s*(?P<op><=|>=|<|>)\s*(?P<value>{_NUMBER})\b")
    bounds: dict[str, object] = {}
    for condition in _conditions(question):
        if condition.lstrip().startswith("not"):
            continue  # a negated condition bounds the other way; not worth guessing
        for match in comparison.finditer(condition):
            value = float(match["value"])
            bounds[_BOUND_KEYWORDS[match["op"]]] = int(value) if value.is_integer() else value
    return bounds


def _string_rules(question: Question) -> dict[str, object]:
    """What a str validator refuses, as schema keywords (see `_StringRules`)."""
    lists = {
        match["name"]: _STRING.findall(match["items"])
        for match in _LIST.finditer(question.validator)
    }
    found = _StringRules(question.name, lists)
    for condition in _conditions(question):
        found.read(condition.strip())
    return found.schema()


_LITERAL = r"'(?P<pattern>(?:[^'\\]|\\.)*)'"


@dataclass
class _StringRules:
    """The conditions of one str validator, read one by one.

    `not (x | regex_search('P'))` requires P; `x | regex_search('P')` forbids it (control
    characters); `x != x.strip()` forbids edge whitespace; `x | length > N` bounds the
    length; `not x.strip()` requires a non-space; `x in list` excludes the list's values.
    Forbidden patterns are searched unanchored, so every JSON Schema engine reads them
    alike (Python's `$` also matches before a final newline, ECMA's does not).
    """

    name: str
    lists: dict[str, list[str]]
    pattern: str | None = None
    max_length: int | None = None
    refused: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    def read(self, condition: str) -> None:
        name = re.escape(self.name)
        if match := re.match(rf"^not\s*\(\s*{name}\s*\|\s*regex_search\(\s*{_LITERAL}", condition):
            self.pattern = _jinja_unescape(match["pattern"])
        elif match := re.match(rf"^{name}\s*\|\s*regex_search\(\s*{_LITERAL}\s*\)$", condition):
            self.refused.append(_jinja_unescape(match["pattern"]))
        elif match := re.match(rf"^{name}\s*\|\s*length\s*>\s*(?P<limit>\d+)$", condition):
            self.max_length = int(match["limit"])
        elif condition == f"not {self.name}.strip()":
            self.pattern = r"\S"
        elif condition == f"{self.name} != {self.name}.strip()":
            self.refused.append(r"^\s|\s$")
        elif match := re.fullmatch(rf"{name}\s+in\s+(?P<list>\w+)", condition):
            self.excluded.extend(self.lists.get(match["list"], ()))

    def schema(self) -> dict[str, object]:
        rules: dict[str, object] = {}
        if self.pattern is not None and _compiles(self.pattern):
            rules["pattern"] = self.pattern
        if self.max_length is not None:
            rules["maxLength"] = self.max_length
        if self.excluded:
            rules["not"] = {"enum": sorted(set(self.excluded))}
        refused = [pattern for pattern in self.refused if _compiles(pattern)]
        if refused:
            rules["allOf"] = [{"not": {"pattern": pattern}} for pattern in refused]
        return rules


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def _jinja_unescape(text: str) -> str:
    """Undo the escapes of a Jinja string literal: a doubled backslash in copier.yml is one."""
    return re.sub(r"\\(.)", lambda match: match[1] if match[1] in "\\'\"" else match[0], text)
