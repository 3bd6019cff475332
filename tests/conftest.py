"""Fixtures that build real template repositories and real generated projects.

Expensive things (a committed snapshot of the template, a fully set-up project) are
session-scoped so the slow end-to-end tests share one uv cache and one project.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tesler.cli import main
from tesler.locations import TEMPLATE_VARIABLE
from tests.support.git_http import GitHttpServer, serve_git
from tests.support.pinned_tools import PinnedTools, install_pinned_tools
from tests.support.uv_offline_first import variables as uv_offline_first

if TYPE_CHECKING:
    from collections.abc import Iterator

REPO_ROOT = Path(__file__).resolve().parents[1]
# `.ci/run` spreads the tests over two processes (`pytest -n 2 --dist loadgroup`); session
# fixtures are per process, so the tests sharing one set-up project are sent to one process
# by these groups and the project is built once.
USES_CLASSIFICATION_PROJECT = pytest.mark.xdist_group("classification-project")
USES_FASTAPI_AWS_PROJECT = pytest.mark.xdist_group("fastapi-aws-project")
USES_FASTAPI_IMAGE = pytest.mark.xdist_group("fastapi-image")
# A test that names one of these session fixtures goes to its group without a mark of its own
# (pytest_collection_modifyitems): one such test on the other process would build the project
# a second time there, 35 s to 60 s of the full run (the batch image and the retrain job did).
GROUP_OF_FIXTURE = {
    "classification_project": USES_CLASSIFICATION_PROJECT,
    "fastapi_aws_project": USES_FASTAPI_AWS_PROJECT,
    "fastapi_project": USES_FASTAPI_IMAGE,
}


# First: an xdist worker registers its own hook, which names each test's group, after this
# conftest (loaded at start-up), so it would run before this one and never see these marks.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Send each test that uses a shared set-up project to that project's group; slow tests first.

    A test with a group of its own keeps it; so does a test that asks for a project by name
    at run time (`request.getfixturevalue`), which marks its parameters itself.
    """
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        used = set(getattr(item, "fixturenames", ()))
        for fixture, group in GROUP_OF_FIXTURE.items():
            if fixture in used:
                item.add_marker(group)
                break
    # xdist hands out tests in this order (a group where its first test stands, groups with
    # more tests first): a long test handed out last keeps one process busy while the other
    # has finished. Slow tests go first, short ones fill the end of the run. Sorting whole
    # files instead left the v0.2.0 update with every gate (92 s) behind the fast tests of
    # the files before it: one process idle for the last 64 s of a 792 s run (2026-12-03).
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd` and return its stdout; fail the test on error."""
    completed = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return completed.stdout


def snapshot_repository(source: Path, destination: Path) -> Path:
    """Copy the files git sees in `source` into a fresh repository with one commit.

    Tests render the working tree as it is, committed, so uncommitted template edits are
    tested without ever rendering a dirty template.
    """
    listed = git(source, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    for name in filter(None, listed.split("\0")):
        origin = source / name
        if origin.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target)
    git(destination, "init", "--quiet", "--initial-branch=main")
    git(destination, "add", "--all")
    git(destination, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "snap")
    return destination


@pytest.fixture(scope="session", autouse=True)
def shared_mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One mypy cache for every generated project this test process checks.

    Each new project's first `make check` would build mypy's cache of the standard library
    and third-party stubs from nothing: 7.2 s, against 0.7 s with another project's cache
    (measured 2026-12-02). mypy re-checks every module whose file differs from what the cache
    recorded, so sharing it changes no verdict. One per process: xdist workers never share one.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MYPY_CACHE_DIR", str(tmp_path_factory.mktemp("mypy-cache")))
        yield


@pytest.fixture(scope="session", autouse=True)
def uv_from_cache_first(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """`uv sync` and `uv lock` try uv's cache alone before PyPI (tests/support/uv_offline_first.py).

    Online, every resolution revalidates each package's index page: a set-up's
    `tesler new` took 15.1-16.4 s against 11.7-12.7 s offline (2026-12-03, this machine).
    """
    with pytest.MonkeyPatch.context() as patch:
        for name, value in uv_offline_first(tmp_path_factory.mktemp("uv"), os.environ).items():
            patch.setenv(name, value)
        yield


@pytest.fixture(scope="session", autouse=True)
def uv_links_to_its_cache() -> Iterator[None]:
    """The tests' environments link each library file to uv's cache instead of copying it.

    uv hard-links where it can; the tests' temporary folder is on memory in CI (`.ci/run`),
    another file system than uv's cache, where uv copies every file: 1.6-1.8 s of system CPU
    per `uv sync` of a set-up project against 0.2-0.3 s with symbolic links (2026-12-04). The
    tests' environments are thrown away with their folder, so nothing outlives the cache's
    files. A UV_LINK_MODE of the user's own is kept.
    """
    with pytest.MonkeyPatch.context() as patch:
        if "UV_LINK_MODE" not in os.environ:
            patch.setenv("UV_LINK_MODE", "symlink")
        yield


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed git snapshot of this checkout: the template as the tests see it."""
    return snapshot_repository(REPO_ROOT, tmp_path_factory.mktemp("template"))


# Template folders that tesler's update, check and fleet mechanics never read: the package, its
# tests, infrastructure, workflows. Without them a render is 22 files instead of 139 (0.10 s of
# CPU instead of 0.26 s, 2026-12-03). Updates of the whole template are tested release by release
# in tests/update/test_update_paths.py and with every gate in the slow tier.
UNREAD_BY_MECHANICS = (
    "src", "tests", "{% if cloud != 'none' %}infra{% endif %}", ".github", "features", "scripts",
    "make", ".devcontainer", "Dockerfile.jinja", "dvc.yaml.jinja", "data",
)  # fmt: skip
# tesler's own folders in the template's repository: Copier clones the whole repository for each
# render and removes the clone after it, so each of these files was checked out and deleted again
# on every one of the mechanics tests' ~160 renders (tests/fleet and tests/update fast tests, one
# process: 59.0 s of CPU before, 54.5-55.7 s after, 2026-12-04).
UNREAD_AT_THE_ROOT = ("generator", "tests", "benchmarks", "docs", ".github", ".ci", "uv.lock")


@pytest.fixture(scope="session")
def mechanics_template(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template without UNREAD_BY_MECHANICS and UNREAD_AT_THE_ROOT, committed (read-only).

    copier.yml, its questions and the project's docs, README, Makefile, pyproject and answers
    file stay as they are: what updates, checks and fleets read and write.
    """
    trimmed = tmp_path_factory.mktemp("mechanics") / "template"
    git(template_repo.parent, "clone", "--quiet", str(template_repo), str(trimmed))
    unread = [*(f"template/{name}" for name in UNREAD_BY_MECHANICS), *UNREAD_AT_THE_ROOT]
    git(trimmed, "rm", "-r", "--quiet", *unread)
    git(trimmed, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "trim")
    return trimmed


@pytest.fixture(scope="session")
def pinned_tools(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> PinnedTools:
    """ruff, zizmor, hadolint and check-jsonschema at the versions the template pins."""
    pyproject = template_repo / "template" / "pyproject.toml.jinja"
    return install_pinned_tools(pyproject, tmp_path_factory.mktemp("tools") / "venv")


@pytest.fixture(scope="session")
def git_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitHttpServer]:
    """A git smart-HTTP server on 127.0.0.1 for the session: a forge without the network.

    Copier keeps a mirror of each remote template it renders; the session's go to a
    temporary directory, not the user's cache.
    """
    root = tmp_path_factory.mktemp("served")
    with pytest.MonkeyPatch.context() as patch, serve_git(root) as server:
        patch.setenv("COPIER_CACHE_DIR", str(tmp_path_factory.mktemp("copier-cache")))
        yield server


@pytest.fixture(scope="session")
def served_template(git_server: GitHttpServer, template_repo: Path) -> str:
    """The URL of the template snapshot served over smart HTTP (tests use only the URL)."""
    return git_server.publish(template_repo, "tesler")


@pytest.fixture
def default_template(served_template: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """TESLER_TEMPLATE set to the served template: what `new` uses without --template."""
    monkeypatch.setenv(TEMPLATE_VARIABLE, served_template)
    return served_template


def project_env() -> dict[str, str]:
    """Environment for commands run in a generated project (not tesler's own venv)."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}
    }
    env["DVC_NO_ANALYTICS"] = "1"
    return env


def run_in(project: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """Run a command in a generated project, capturing its output."""
    return subprocess.run(
        list(command), cwd=project, env=project_env(), capture_output=True, text=True, check=False
    )


def tesler(*argv: str) -> int:
    """Run the tesler CLI in-process, as a user would type it."""
    return main(list(argv))


def create_project(template: Path, parent: Path, *extra: str) -> Path:
    """`tesler new` of `template`'s HEAD with default answers into `parent`/project."""
    destination = parent / "project"
    code = tesler(
        "new",
        str(destination),
        "--template",
        str(template),
        "--vcs-ref",
        "HEAD",
        "--defaults",
        *extra,
    )
    assert code == 0, f"tesler new failed with exit {code}"
    return destination


@pytest.fixture(scope="session")
def classification_project(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project created and set up by `tesler new` with default answers."""
    return create_project(template_repo, tmp_path_factory.mktemp("classification"))
