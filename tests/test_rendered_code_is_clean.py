"""Every answer that changes files renders Python that is lint- and format-clean at once."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import tesler

RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"


@pytest.mark.parametrize(
    "answers",
    [
        ("task=classification", "license=MIT"),
        ("task=regression", "license=Apache-2.0"),
        ("task=classification", "license=Proprietary", "python_version=3.13"),
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
    for command in ([RUFF, "check", "."], [RUFF, "format", "--check", "."]):
        completed = subprocess.run(
            command, cwd=project, capture_output=True, text=True, check=False
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr
