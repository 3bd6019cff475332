"""Read the questions of a template's copier.yml without importing Copier.

`tesler check` must answer quickly and `tesler new` must reject a typo'd or mistyped
`--data` answer before rendering, so this module parses copier.yml itself: the file is
plain YAML and the parts tesler needs (names, types, choices, defaults) are simple.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tesler import safe_yaml
from tesler.errors import AnswerError, TemplateError

if TYPE_CHECKING:
    from pathlib import Path

TEMPLATE_CONFIG = "copier.yml"


@dataclass(frozen=True)
class Question:
    """One question of the template, as declared in copier.yml."""

    name: str
    type: str
    help: str
    default: object
    choices: tuple[str | int | float, ...]
    computed: bool
    validator: str = ""
    conditional: bool = False
    secret: bool = False

    def parse(self, raw: str) -> object:
        """Turn a `--data` string into the question's type, or say what to type instead."""
        value: object = raw
        if self.type == "int":
            try:
                value = int(raw)
            except ValueError:
                raise AnswerError(
                    self.name, raw, "it is not a whole number", fix=f"pass {self.name}=<integer>"
                ) from None
        elif self.type == "float":
            try:
                value = float(raw)
            except ValueError:
                raise AnswerError(
                    self.name, raw, "it is not a number", fix=f"pass {self.name}=<number>"
                ) from None
        elif self.type == "bool":
            lowered = raw.strip().lower()
            if lowered not in {"true", "false", "yes", "no", "1", "0"}:
                raise AnswerError(
                    self.name,
                    raw,
                    "it is not a yes/no value",
                    fix=f"pass {self.name}=true or false",
                )
            value = lowered in {"true", "yes", "1"}
        if self.choices and value not in self.choices:
            allowed = ", ".join(str(choice) for choice in self.choices)
            raise AnswerError(
                self.name,
                raw,
                f"it is not one of the choices ({allowed})",
                fix=f"pick one of: {allowed}",
            )
        return value


def load_questions(template_dir: Path) -> tuple[Question, ...]:
    """Return the questions of the template at `template_dir`, in file order."""
    config_path = template_dir / TEMPLATE_CONFIG
    try:
        text = config_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TemplateError(
            f"{template_dir} has no {TEMPLATE_CONFIG}, so it is not a Copier template",
            fix="pass --template with the path or git URL of a tesler template",
        ) from None
    return parse_questions(text, str(config_path))


def load_config(text: str, origin: str) -> dict[str, object]:
    """Parse the text of a copier.yml (read from a file or from a git revision)."""
    config = safe_yaml.safe_load(text)
    if not isinstance(config, dict):
        raise TemplateError(f"{origin} is not a YAML mapping", fix="restore copier.yml")
    return config


def parse_questions(text: str, origin: str) -> tuple[Question, ...]:
    """The questions of a copier.yml given as text, in file order."""
    config = load_config(text, origin)
    questions = []
    for name, spec in config.items():
        if not isinstance(name, str) or name.startswith("_"):
            continue
        questions.append(_question(name, spec if isinstance(spec, dict) else {"default": spec}))
    return tuple(questions)


def _question(name: str, spec: dict[str, object]) -> Question:
    choices = spec.get("choices", ())
    values: tuple[str | int | float, ...]
    if isinstance(choices, dict):
        # Copier maps a label to a value: the value is what the answers file records.
        values = tuple(choices.values())
    elif isinstance(choices, list):
        values = tuple(choices)
    else:
        values = ()
    return Question(
        name=name,
        type=str(spec.get("type", "str")),
        help=str(spec.get("help", "")),
        default=spec.get("default"),
        choices=values,
        computed=spec.get("when") is False,
        validator=str(spec.get("validator", "")),
        # A Jinja `when` may skip the question, and Copier then records no answer for it.
        conditional=not isinstance(spec.get("when", True), bool),
        secret=spec.get("secret") is True,
    )


def parse_data(questions: tuple[Question, ...], pairs: list[str]) -> dict[str, object]:
    """Parse `KEY=VALUE` strings into typed answers, rejecting unknown questions."""
    by_name = {question.name: question for question in questions if not question.computed}
    answers: dict[str, object] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise AnswerError(
                key or pair, pair, "it is not of the form KEY=VALUE", fix="pass --data name=value"
            )
        if key not in by_name:
            known = ", ".join(sorted(by_name))
            raise AnswerError(
                key, raw, "the template has no such question", fix=f"use one of: {known}"
            )
        answers[key] = by_name[key].parse(raw)
    return answers
