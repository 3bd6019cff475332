"""Every released template version updates to HEAD without conflict and with green gates.

Releases are read from CHANGELOG.md (`## [X.Y.Z] - date` then `Commit: <sha>`), because
tags may not travel with a copy of the repository. A throw-away template repository gets one
commit per release (its files from `git archive <sha>`) tagged `v<version>`, then the
current working tree as HEAD. A breaking change without its migration fails here: the
answers given at generation must still be recorded after the update.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT, git, project_env, run_in, snapshot_repository, tesler
from tests.update.conftest import commit

CHANGELOG = REPO_ROOT / "CHANGELOG.md"
_HEADING = re.compile(r"^## \[(?P<version>\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}\s*$")
_COMMIT = re.compile(r"^Commit: (?P<sha>[0-9a-f]{40})\s*$")
# Non-default answers that every release so far asks: they must survive every update.
ANSWERS = {"project_name": "update-path", "author_name": "Path Tester", "coverage_floor": 70}


@dataclass(frozen=True)
class Release:
    """A release listed in CHANGELOG.md."""

    version: str
    sha: str | None

    @property
    def tag(self) -> str:
        """The git tag of the release."""
        return f"v{self.version}"


def read_releases(changelog: Path = CHANGELOG) -> list[Release]:
    """Releases in the order CHANGELOG.md lists them (newest first), each with its commit."""
    releases: list[Release] = []
    current: str | None = None
    sha: str | None = None
    for line in [*changelog.read_text(encoding="utf-8").splitlines(), "## end"]:
        if line.startswith("## "):
            if current is not None:
                releases.append(Release(current, sha))
            heading = _HEADING.match(line)
            current, sha = (heading["version"], None) if heading else (None, None)
        elif current is not None and (match := _COMMIT.match(line)):
            sha = match["sha"]
    return releases


RELEASES = read_releases()
NO_RELEASE = pytest.param(
    None,
    marks=pytest.mark.skip(
        reason="CHANGELOG.md lists no release yet (a `## [X.Y.Z] - YYYY-MM-DD` heading "
        "followed by `Commit: <sha>`): there is no released version to update from"
    ),
    id="no-release",
)


def _cases(releases: list[Release], *, fast: int | None = None) -> list[object]:
    """One case per release; past the newest `fast` releases they are slow (each renders twice)."""
    return [
        pytest.param(r, id=r.tag, marks=[] if fast is None or i < fast else [pytest.mark.slow])
        for i, r in enumerate(releases)
    ] or [NO_RELEASE]


def _checked(release: Release) -> str:
    """The release's commit, or a test failure that says what is wrong with CHANGELOG.md."""
    if release.sha is None:
        pytest.fail(f"CHANGELOG.md: release {release.version} has no `Commit: <40-hex sha>` line")
    exists = subprocess.run(
        ["git", "cat-file", "-e", f"{release.sha}^{{commit}}"], cwd=REPO_ROOT, check=False
    )
    if exists.returncode != 0:
        pytest.fail(
            f"CHANGELOG.md: release {release.version} names commit {release.sha}, which is not "
            f"in the history of {REPO_ROOT} (a shallow clone? fetch the full history, or fix "
            "the Commit line)"
        )
    return release.sha


def _replace_tree(repository: Path, source: Path | bytes) -> None:
    """Make the work tree of `repository` hold exactly `source` (a directory or a tar)."""
    for child in repository.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    if isinstance(source, bytes):
        with tarfile.open(fileobj=io.BytesIO(source)) as archive:
            archive.extractall(repository, filter="data")
    else:
        shutil.copytree(
            source, repository, ignore=shutil.ignore_patterns(".git"), dirs_exist_ok=True
        )


@pytest.fixture(scope="module")
def release_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A template repository: one commit per release, tagged, then the working tree as HEAD."""
    base = tmp_path_factory.mktemp("history")
    repository = base / "template"
    repository.mkdir()
    git(repository, "init", "--quiet", "--initial-branch=main")
    ordered = sorted(RELEASES, key=lambda r: tuple(int(part) for part in r.version.split(".")))
    for release in ordered:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", _checked(release)],
            cwd=REPO_ROOT,
            capture_output=True,
            check=True,
        ).stdout
        _replace_tree(repository, archive)
        commit(repository, f"Release {release.version}")
        git(repository, "tag", release.tag)
    _replace_tree(repository, snapshot_repository(REPO_ROOT, base / "snapshot"))
    git(repository, "add", "--all")
    git(
        repository,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "--quiet",
        "--allow-empty",
        "-m",
        "HEAD: the working tree",
    )
    return repository


def _generate_and_update(template: Path, release: Release, parent: Path, *, setup: bool) -> Path:
    project = parent / f"at-{release.tag}"
    data = [item for key, value in ANSWERS.items() for item in ("--data", f"{key}={value}")]
    extra = [] if setup else ["--no-setup"]
    code = tesler(
        "new",
        str(project),
        "--template",
        str(template),
        "--vcs-ref",
        release.tag,
        "--defaults",
        *data,
        *extra,
    )
    assert code == 0, f"tesler new at {release.tag} failed"
    if not setup:
        git(project, "init", "--quiet", "--initial-branch=main")
        commit(project, f"Generate at {release.tag}")
    code = tesler("update", str(project), "--to", "HEAD", "--json")
    assert code == 0, f"updating a project generated at {release.tag} to HEAD exited {code}"
    branch = git(project, "branch", "--list", "--format=%(refname:short)", "template-update/*")
    if branch.strip():
        git(project, "merge", "--quiet", "--ff-only", branch.strip())
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    lost = {key: answers.get(key) for key, value in ANSWERS.items() if answers.get(key) != value}
    assert not lost, (
        f"answers given at {release.tag} were lost by the update to HEAD ({lost}): "
        "a renamed or removed question needs a `_migrations` entry (docs/releasing.md)"
    )
    assert tesler("check", str(project), "--only", "answers", "--only", "edited") == 0
    return project


@pytest.mark.parametrize("release", _cases(RELEASES, fast=1))
def test_release_updates_to_head_cleanly_and_passes_static_gates(
    release: Release, release_history: Path, tmp_path: Path
) -> None:
    project = _generate_and_update(release_history, release, tmp_path, setup=False)
    for command in (["check", "."], ["format", "--check", "."]):
        ruff = subprocess.run(
            [sys.executable, "-m", "ruff", *command],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert ruff.returncode == 0, f"ruff {command[0]} after {release.tag} → HEAD:\n{ruff.stdout}"


@pytest.mark.slow
@pytest.mark.parametrize("release", _cases(RELEASES[:1]))
def test_latest_release_updates_to_head_with_every_gate_green(
    release: Release, release_history: Path, tmp_path: Path
) -> None:
    project = _generate_and_update(release_history, release, tmp_path, setup=True)
    sync = run_in(project, "uv", "sync")
    assert sync.returncode == 0, sync.stderr
    gates = subprocess.run(
        ["make", "check"],
        cwd=project,
        env=project_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert gates.returncode == 0, (
        f"make check after {release.tag} → HEAD:\n{gates.stdout}{gates.stderr}"
    )


def test_changelog_releases_are_read_with_their_commits(tmp_path: Path) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text(
        "# Changelog\n\n## [Unreleased]\n\n- next\n\n"
        f"## [0.2.0] - 2026-12-01\n\nCommit: {'b' * 40}\n\n### Changed\n\n- x\n\n"
        "## [0.1.0] - 2026-11-23\n\n### Added\n\n- y\n"
    )
    assert read_releases(changelog) == [Release("0.2.0", "b" * 40), Release("0.1.0", None)]
