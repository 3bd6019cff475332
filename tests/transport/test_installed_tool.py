"""tesler runs as an installed tool, with no checkout: `uvx --from git+URL tesler new`."""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

import pytest
import yaml

from tesler.locations import TEMPLATE_VARIABLE
from tesler.process import uv_executable

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.slow
def test_uvx_from_the_served_repository_runs_new_without_a_checkout(
    served_template: str, tmp_path: Path
) -> None:
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    env[TEMPLATE_VARIABLE] = served_template
    env["UV_TOOL_DIR"] = str(tmp_path / "tools")  # nothing installed for the user
    completed = subprocess.run(
        [uv_executable(), "tool", "run", "--from", f"git+{served_template}",
         "tesler", "new", "project", "--defaults", "--no-setup"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    answers = yaml.safe_load((tmp_path / "project" / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == served_template
