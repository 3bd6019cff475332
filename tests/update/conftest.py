"""Fixtures for update/check/adopt: a template with two releases and projects made from it.

The template is the tesler snapshot tagged v0.1.0, plus one commit that appends a
section to the generated runbook (docs/runbook.md, a template-owned file), tagged v0.2.0.
`make_project` renders the trimmed template (no package, tests or infrastructure); adopt
renders the whole one. Projects are rendered with `--no-setup` and committed, which is all
Copier's update needs.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING, Protocol

import pytest

from tests.conftest import git, tesler

if TYPE_CHECKING:
    from pathlib import Path

# A template-owned file: the generated README is the team's, which updates never touch.
README = "template/docs/runbook.md.jinja"
V2_SECTION = "\n## Template news\n\nThis section arrived with v0.2.0.\n"
LOCAL_SECTION = "\n## Our news\n\nA line the team wrote itself.\n"
IDENTITY = ("-c", "user.name=tester", "-c", "user.email=tester@example.com")


def commit(repo: Path, message: str) -> str:
    """Commit everything in `repo` and return the new commit's hash."""
    git(repo, "add", "--all")
    git(repo, *IDENTITY, "commit", "--quiet", "--no-verify", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def release_template(source: Path, destination: Path) -> Path:
    """Copy a template repository and give it releases v0.1.0 and v0.2.0."""
    shutil.copytree(source, destination)
    git(destination, "tag", "v0.1.0")
    readme = destination / README
    readme.write_text(readme.read_text(encoding="utf-8") + V2_SECTION, encoding="utf-8")
    commit(destination, "runbook: template news section")
    git(destination, "tag", "v0.2.0")
    return destination


@pytest.fixture(scope="session")
def released_template(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole tesler template with releases v0.1.0 and v0.2.0 (shared: tests only read it).

    For the tests that read the package it renders (adopt, `tesler new`).
    """
    return release_template(template_repo, tmp_path_factory.mktemp("released") / "template")


@pytest.fixture(scope="session")
def released_mechanics(mechanics_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same two releases of the trimmed template (tests/conftest.py, `mechanics_template`).

    Update, check and release tests render it: each update renders the template twice, and
    what they test (branches, conflicts, reports, answers) lives in the files it keeps.
    """
    return release_template(
        mechanics_template, tmp_path_factory.mktemp("released-mechanics") / "template"
    )


class MakeProject(Protocol):
    """Signature of the `make_project` fixture."""

    def __call__(self, version: str = "v0.1.0", *data: str) -> Path:
        """Render, `git init` and commit a project at `version` of the template."""
        ...


@pytest.fixture(scope="session")
def pristine_projects() -> dict[tuple[str, tuple[str, ...]], Path]:
    """Committed projects already rendered this session, by version and answers (read-only).

    Rendering takes about half a second; a test gets a copy of one instead.
    """
    return {}


@pytest.fixture
def make_project(
    released_mechanics: Path,
    pristine_projects: dict[tuple[str, tuple[str, ...]], Path],
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> MakeProject:
    """Create committed projects from `released_mechanics` in this test's directory.

    Each (version, answers) is rendered once per session by `tesler new` and copied after
    that: a copy is the same files and the same git history. What `tesler new` prints is
    discarded, so a test reads only its own command's output.
    """
    counter = iter(range(1000))

    def render(version: str, data: tuple[str, ...]) -> Path:
        destination = tmp_path_factory.mktemp("pristine") / "project"
        extra = [item for pair in data for item in ("--data", pair)]
        code = tesler(
            "new",
            str(destination),
            "--template",
            str(released_mechanics),
            "--vcs-ref",
            version,
            "--defaults",
            "--no-setup",
            *extra,
        )
        assert code == 0, f"tesler new at {version} failed with exit {code}"
        git(destination, "init", "--quiet", "--initial-branch=main")
        commit(destination, f"Generate at {version}")
        return destination

    def make(version: str = "v0.1.0", *data: str) -> Path:
        key = (version, data)
        if key not in pristine_projects:
            pristine_projects[key] = render(version, data)
        destination = tmp_path / f"project{next(counter)}"
        shutil.copytree(pristine_projects[key], destination, symlinks=True)
        capsys.readouterr()
        return destination

    return make


def snapshot_state(project: Path) -> tuple[str, str, str, str]:
    """Current branch, HEAD, branch list and status: what a user's checkout looks like."""
    return (
        git(project, "rev-parse", "--abbrev-ref", "HEAD"),
        git(project, "rev-parse", "HEAD"),
        git(project, "branch", "--list", "--format=%(refname:short) %(objectname)"),
        git(project, "status", "--porcelain", "--untracked-files=all", "--ignored"),
    )
