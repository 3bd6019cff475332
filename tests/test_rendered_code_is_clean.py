"""Every answer that changes files renders Python that is lint- and format-clean at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import tesler
from tests.support.pinned_tools import PinnedTools


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
    template_repo: Path, pinned_tools: PinnedTools, tmp_path: Path, answers: tuple[str, ...]
) -> None:
    project = tmp_path / "p"
    data = [arg for answer in answers for arg in ("--data", answer)]
    code = tesler(
        "new", str(project), "--template", str(template_repo), "--vcs-ref", "HEAD",
        "--defaults", "--no-setup", *data,
    )  # fmt: skip
    assert code == 0
    # The ruff the project pins: a newer ruff may bring rules the template never saw.
    pinned_tools.run(project, "ruff", "check", ".")
    pinned_tools.run(project, "ruff", "format", "--check", ".")
