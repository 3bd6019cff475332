"""An update branch is complete: refreshed uv.lock, CHANGELOG sections and migrations reported."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import TYPE_CHECKING

import pytest

from tesler.process import project_env, uv_executable
from tests.conftest import git, tesler
from tests.update.conftest import commit

if TYPE_CHECKING:
    from pathlib import Path

CHANGELOG = """\
# Changelog

## [Unreleased]

- Nothing yet.

## [0.1.0] - 2026-01-01

- First release.
"""
MIGRATION = (
    "_migrations:\n"
    "  - version: v0.2.0\n"
    '    command: "{{ _copier_python }} -c \\"print(\'migrated\')\\""\n'
)


def _release(template: Path, tag: str, section: str) -> None:
    changelog = template / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8")
    changelog.write_text(text.replace("## [0.", f"{section}\n\n## [0.", 1), encoding="utf-8")
    commit(template, f"release {tag}")
    git(template, "tag", tag)


@pytest.fixture(scope="module")
def notes_template(mechanics_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """v0.1.0; v0.2.0 adds a runbook section and a migration; v0.3.0 adds a dependency.

    On the trimmed template (tests/conftest.py): the report and the lock need only copier.yml,
    the CHANGELOG and pyproject.toml.
    """
    template = tmp_path_factory.mktemp("notes") / "template"
    shutil.copytree(mechanics_template, template)
    (template / "CHANGELOG.md").write_text(CHANGELOG, encoding="utf-8")
    commit(template, "changelog")
    git(template, "tag", "v0.1.0")

    readme = template / "template" / "docs" / "runbook.md.jinja"
    readme.write_text(readme.read_text(encoding="utf-8") + "\n## News\n", encoding="utf-8")
    config = template / "copier.yml"
    config.write_text(config.read_text().replace("_exclude:", MIGRATION + "_exclude:", 1))
    _release(template, "v0.2.0", "## [0.2.0] - 2026-02-01\n\n- A news section in the README.")

    pyproject = template / "template" / "pyproject.toml.jinja"
    text = pyproject.read_text(encoding="utf-8")
    assert "dependencies = [\n" in text
    pyproject.write_text(
        text.replace("dependencies = [\n", 'dependencies = [\n    "humanize>=4",\n', 1)
    )
    _release(template, "v0.3.0", "## [0.3.0] - 2026-03-01\n\n- humanize for the reports.")
    return template


def _project(template: Path, destination: Path, version: str, *, lock: bool = False) -> Path:
    code = tesler(
        "new", str(destination), "--template", str(template), "--vcs-ref", version,
        "--defaults", "--no-setup",
    )  # fmt: skip
    assert code == 0
    git(destination, "init", "--quiet", "--initial-branch=main")
    if lock:
        locked = subprocess.run(
            [uv_executable(), "lock"],
            cwd=destination,
            env=project_env(),
            capture_output=True,
            check=False,
        )
        assert locked.returncode == 0, locked.stderr
    commit(destination, f"generate at {version}")
    return destination


def test_the_report_carries_the_changelog_sections_and_the_migrations_that_ran(
    notes_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(notes_template, tmp_path / "p", "v0.1.0")
    capsys.readouterr()
    assert tesler("update", str(project), "--to", "v0.2.0", "--trust", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert [section["version"] for section in report["changelog"]] == ["0.2.0"]
    assert "A news section in the README." in report["changelog"][0]["text"]
    assert report["changelog"][0]["heading"] == "## [0.2.0] - 2026-02-01"
    (migration,) = report["migrations"]
    assert (migration["version"], migration["when"]) == ("v0.2.0", "after")
    assert "print('migrated')" in migration["command"]
    assert report["uv_lock"] == "not-needed"

    git(project, "branch", "-D", "template-update/v0.2.0")
    capsys.readouterr()
    assert tesler("update", str(project), "--to", "v0.3.0", "--trust") == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "template CHANGELOG sections: 0.3.0, 0.2.0" in printed
    assert "make setup" in printed


@pytest.mark.slow
def test_an_update_that_changes_dependencies_commits_the_refreshed_lock(
    notes_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(notes_template, tmp_path / "p", "v0.2.0", lock=True)
    before = (project / "uv.lock").read_text(encoding="utf-8")
    assert 'name = "humanize"' not in before
    capsys.readouterr()

    assert tesler("update", str(project), "--to", "v0.3.0", "--no-lock", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["uv_lock"] == "stale"
    assert "uv.lock" not in report["changed_files"]
    git(project, "branch", "-D", "template-update/v0.3.0")

    assert tesler("update", str(project), "--to", "v0.3.0", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["uv_lock"] == "refreshed"
    assert "uv.lock" in report["changed_files"]
    locked = git(project, "show", "template-update/v0.3.0:uv.lock")
    assert 'name = "humanize"' in locked
    assert (project / "uv.lock").read_text(encoding="utf-8") == before  # checkout untouched
