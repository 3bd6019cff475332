"""The documentation keeps up with the template and the CLI."""

from __future__ import annotations

import re

from tesler.exit_codes import ExitCode
from tesler.questions import load_questions
from tests.conftest import REPO_ROOT


def test_answers_reference_lists_every_question_of_copier_yml() -> None:
    reference = (REPO_ROOT / "docs" / "answers.md").read_text()
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", reference, flags=re.MULTILINE))
    asked = {question.name for question in load_questions(REPO_ROOT) if not question.computed}
    assert asked - documented == set(), "questions missing from docs/answers.md"
    assert documented - asked == set(), "docs/answers.md lists questions copier.yml lacks"


def test_exit_codes_page_documents_every_exit_code() -> None:
    page = (REPO_ROOT / "docs" / "exit-codes.md").read_text()
    documented = {int(code) for code in re.findall(r"^\| (\d) \|", page, flags=re.MULTILINE)}
    assert documented == {int(code) for code in ExitCode}


def test_readme_opens_with_the_install_and_test_commands() -> None:
    lines = (REPO_ROOT / "README.md").read_text().splitlines()
    block = lines[lines.index("```bash") + 1 : lines.index("```bash") + 3]
    assert "tesler new" in block[0]
    assert block[1].startswith(("uv run pytest", "python3 -m uv run pytest"))
