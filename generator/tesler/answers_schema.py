"""The answers JSON Schema: the contract between the template and every generated repository.

It is derived from copier.yml (through `questions.py`, so without Copier): types, choices,
required answers, and the bounds and patterns that simple validators express. A project's
CI can validate `.copier-answers.yml` against it with any JSON Schema tool.
"""

from __future__ import annotations

import re
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
    name = re.escape(question.name)
    search = re.compile(
        rf"^not\s*\(\s*{name}\s*\|\s*regex_search\(\s*'(?P<pattern>(?:[^'\\]|\\.)*)'"
    )
    rules: dict[str, object] = {}
    excluded: list[str] = []
    lists = {
        match["name"]: _STRING.findall(match["items"])
        for match in _LIST.finditer(question.validator)
    }
    for condition in _conditions(question):
        stripped = condition.strip()
        pattern = search.match(stripped)
        if pattern:
            rules["pattern"] = _jinja_unescape(pattern["pattern"])
        elif stripped == f"not {question.name}.strip()":
            rules["pattern"] = r"\S"
        else:
            member = re.fullmatch(rf"{name}\s+in\s+(?P<list>\w+)", stripped)
            if member and member["list"] in lists:
                excluded.extend(lists[member["list"]])
    if excluded:
        rules["not"] = {"enum": sorted(set(excluded))}
    if "pattern" in rules:
        try:
            re.compile(str(rules["pattern"]))
        except re.error:
            del rules["pattern"]
    return rules


def _jinja_unescape(text: str) -> str:
    """Undo the escapes of a Jinja string literal: a doubled backslash in copier.yml is one."""
    return re.sub(r"\\(.)", lambda match: match[1] if match[1] in "\\'\"" else match[0], text)
