"""Read the template version a repository records in its answers file, or say why not."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from tesler import safe_yaml


@dataclass(frozen=True)
class RecordedAnswers:
    """The parts of `.copier-answers.yml` the fleet needs, or the reason it is unusable."""

    version: str | None
    answers: dict[str, object]
    problem: str | None = None


def parse_answers(text: str) -> RecordedAnswers:
    """Parse an answers file; an unusable one yields a `problem` instead of raising."""
    try:
        loaded = safe_yaml.load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        if isinstance(error, safe_yaml.YamlLimitError):
            return RecordedAnswers(None, {}, f"answers file refused{where}: {error.problem}")
        return RecordedAnswers(None, {}, f"invalid answers file: not valid YAML{where}")
    if not isinstance(loaded, dict):
        return RecordedAnswers(None, {}, "invalid answers file: not a mapping of answers")
    answers = {str(key): value for key, value in loaded.items()}
    version = answers.get("_commit")
    if not isinstance(version, str) or not version:
        return RecordedAnswers(
            None, answers, "invalid answers file: no `_commit` (template version) recorded"
        )
    if not isinstance(answers.get("_src_path"), str):
        return RecordedAnswers(
            version, answers, "invalid answers file: no `_src_path` (template source) recorded"
        )
    return RecordedAnswers(version, answers)
