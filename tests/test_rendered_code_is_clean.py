"""Every answer that changes files renders Python that is lint- and format-clean at once."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import tesler


def _pinned_ruff(project: Path) -> list[str]:
    """The ruff the project locks: a newer ruff may bring rules the template never saw."""
    pin = re.search(r'"ruff==([^"]+)"', (project / "pyproject.toml").read_text())
    assert pin, "the template pins its ruff version"
    return ["uvx", f"ruff@{pin.group(1)}"]


@pytest.mark.parametrize(
    "answers",
    [
        ("task=classification", "license=MIT"),
        ("task=regression", "license=Apache-2.0"),
        ("task=classification", "license=Proprietary", "python_version=3.13"),
        # A package name sorting after `tests` once broke the import order of the tests.
        ("task=regression", "project_name=zebra-model"),
    ],
)
def test_rendered_project_passes_ruff_check_and_format_without_changes(
    template_repo: Path, tmp_path: Path, answers: tuple[str, ...]
) -> None:
    project = tmp_path / "p"
    data = [arg for answer in answers for arg in ("--data", answer)]
    code = tesler(
        "new", str(project), "--template", str(template_repo), "--vcs-ref", "HEAD",
        "--defaults", "--no-setup", *data,
    )  # fmt: skip
    assert code == 0
    ruff = _pinned_ruff(project)
    for command in ([*ruff, "check", "."], [*ruff, "format", "--check", "."]):
        completed = subprocess.run(
            command, cwd=project, capture_output=True, text=True, check=False
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr
