"""What a newcomer meets first: the README's first command, quiet runs, ordinary permissions."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tesler import mypy_cache
from tesler.locations import TEMPLATE_VARIABLE
from tests.conftest import REPO_ROOT, git, snapshot_repository, tesler


def _readme_first_command() -> str:
    lines = (REPO_ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    return lines[lines.index("```bash") + 1].split("#", 1)[0].strip()


def test_readme_first_command_reaches_uv_through_python_not_path() -> None:
    # `pip install uv` may put uv where PATH does not reach (pyenv: until `pyenv rehash`);
    # `python3 -m uv` always finds it.
    first = _readme_first_command()
    install, _, run = first.partition(" && ")
    assert install == "python3 -m pip install uv"
    assert run.startswith("python3 -m uv run tesler new ")


def test_uv_run_tesler_prints_no_bytecode_banner() -> None:
    completed = subprocess.run(
        ["uv", "run", "tesler", "--help"], cwd=REPO_ROOT, capture_output=True, text=True,
        check=False, timeout=120,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert "Bytecode compiled" not in completed.stderr


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o755), (0o027, 0o750)])
def test_a_new_project_honours_the_umask_as_plain_copier_does(
    template_repo: Path, tmp_path: Path, umask: int, mode: int
) -> None:
    copier = shutil.which("copier", path=str(Path(sys.executable).parent))
    assert copier
    previous = os.umask(umask)
    try:
        code = tesler(
            "new", str(tmp_path / "tesler"), "--template", str(template_repo), "--vcs-ref",
            "HEAD", "--defaults", "--no-setup",
        )  # fmt: skip
        plain = subprocess.run(
            [copier, "copy", "--defaults", "--vcs-ref", "HEAD", str(template_repo), "plain"],
            cwd=tmp_path, capture_output=True, text=True, check=False,
        )  # fmt: skip
    finally:
        os.umask(previous)
    assert code == 0
    assert plain.returncode == 0, plain.stderr
    assert (tmp_path / "plain").stat().st_mode & 0o777 == mode
    assert (tmp_path / "tesler").stat().st_mode & 0o777 == mode
    for name in ("src", "tests", ".github"):
        assert (tmp_path / "tesler" / name).stat().st_mode & 0o777 == mode


def _python_with_uv() -> str | None:
    """A Python where `python3 -m pip install uv` installed uv, as the README assumes."""
    for candidate in (getattr(sys, "_base_executable", None), shutil.which("python3")):
        if not candidate:
            continue
        probe = [candidate, "-m", "uv", "--version"]
        if subprocess.run(probe, capture_output=True, check=False).returncode == 0:
            return candidate
    return None


@pytest.mark.slow
def test_readme_first_command_works_with_uv_off_the_path(tmp_path: Path) -> None:
    """The README's first command, as it is, in a fresh clone with no network to the template.

    The set-up's `uv sync` and `dvc repro` find uv through `$UV`, not PATH, and
    the template is the clone the command runs in (`--template .`).
    """
    python = _python_with_uv()
    if python is None:
        pytest.skip("no Python here has uv installed as a module (`python3 -m pip install uv`)")
    tools = {str(Path(str(shutil.which(tool))).parent) for tool in ("git", "make")}
    path = os.pathsep.join(sorted(tools))
    assert shutil.which("uv", path=path) is None, "the test needs a PATH without uv"
    checkout = snapshot_repository(REPO_ROOT, tmp_path / "tesler")
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            *("VIRTUAL_ENV", "UV", "UV_PROJECT_ENVIRONMENT", "UV_LINK_MODE", "MYPY_CACHE_DIR"),
            TEMPLATE_VARIABLE,
        }
    }
    env.update({"PATH": path, "DVC_NO_ANALYTICS": "1"})
    run = _readme_first_command().partition(" && ")[2].split()
    started = time.time()
    completed = subprocess.run(
        [python, *run[1:]], cwd=checkout, env=env, capture_output=True, text=True,
        check=False, timeout=1200,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-4000:]
    project = (checkout / run[run.index("new") + 1]).resolve()
    assert (project / "uv.lock").is_file()
    assert (project / "dvc.lock").is_file()
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["_src_path"] == str(checkout)
    # The set-up built mypy's cache of the project beside the pipeline, in the project's own
    # (ignored) cache folder, so the first `make check` type-checks warm.
    assert git(project, "status", "--porcelain") == ""
    typecheck = subprocess.run(
        [python, "-m", "uv", "run", "--frozen", "mypy", "--verbose"], cwd=project, env=env,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert typecheck.returncode == 0, typecheck.stdout
    package = answers["package_name"]
    assert f"Metadata fresh for {package}.cli:" in typecheck.stderr
    # ... and kept it for the next project's set-up (tesler.mypy_cache).
    kept = mypy_cache.kept_folder()
    assert kept is not None
    written = [path.stat().st_mtime for path in (kept / "cache").rglob("*") if path.is_file()]
    assert max(written) >= started
