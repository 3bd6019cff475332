"""End to end: `tesler new` gives a repository whose gates and pipeline are green at once.

Slow: each project builds a real uv environment and reproduces a real DVC pipeline. The
regression task's project is proven in tests/delivery/test_option_matrix.py (set up with the
scoring service, `make check`, a second `make repro` that runs nothing).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from tesler import bytecode_cache
from tests.conftest import USES_CLASSIFICATION_PROJECT, git, project_env, run_in

pytestmark = [pytest.mark.slow, USES_CLASSIFICATION_PROJECT]


def test_new_leaves_one_clean_commit_with_both_lock_files(classification_project: Path) -> None:
    assert git(classification_project, "status", "--porcelain") == ""
    assert git(classification_project, "rev-list", "--count", "HEAD").strip() == "1"
    committed = git(classification_project, "ls-files").split()
    assert {"uv.lock", "dvc.lock", ".copier-answers.yml", "dvc.yaml", "params.yaml"} <= set(
        committed
    )


def test_dvc_status_reports_nothing_changed_after_new(classification_project: Path) -> None:
    status = run_in(classification_project, "uv", "run", "--frozen", "dvc", "status")
    assert status.returncode == 0, status.stderr
    assert "up to date" in status.stdout


def test_data_and_model_were_pushed_to_the_local_remote(classification_project: Path) -> None:
    status = run_in(classification_project, "uv", "run", "--frozen", "dvc", "status", "--cloud")
    assert status.returncode == 0, status.stderr
    assert "in sync" in status.stdout
    storage = classification_project.parent / "ml-project-dvc-storage"
    assert any(path.is_file() for path in storage.rglob("*"))


def test_make_check_passes_on_the_first_commit(classification_project: Path) -> None:
    check = run_in(classification_project, "make", "check")
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]


def test_the_secrets_scan_rescans_only_changed_files_and_still_catches_a_new_secret(
    classification_project: Path,
) -> None:
    first = run_in(classification_project, "make", "secrets")
    assert first.returncode == 0, first.stdout + first.stderr
    again = run_in(classification_project, "make", "secrets")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "nothing to scan" in again.stdout
    git_dir = Path(git(classification_project, "rev-parse", "--absolute-git-dir").strip())
    assert (git_dir / "detect-secrets-clean").is_file()  # where no commit can write

    leak = classification_project / "notes.txt"
    leak.write_text('aws_access_key_id = "' + "AKIA" + 'IOSFODNN7EXAMPLE"\n', encoding="utf-8")
    try:
        caught = run_in(classification_project, "make", "secrets")
        caught_again = run_in(classification_project, "make", "secrets")
    finally:
        leak.unlink()
    assert caught.returncode != 0
    assert "on 1 of" in caught.stdout
    assert "notes.txt" in caught.stdout + caught.stderr
    assert caught_again.returncode != 0, "a file that failed the scan must be scanned again"
    assert run_in(classification_project, "make", "secrets").returncode == 0


def test_the_projects_tests_turn_dvc_usage_reports_off_themselves(
    classification_project: Path, tmp_path: Path
) -> None:
    """Outside the project DVC sends a usage report unless told not to: the tests tell it.

    Not CI's environment, nor a user-wide DVC config: neither is on a developer's machine.
    """
    env = {name: value for name, value in project_env().items() if name != "DVC_NO_ANALYTICS"}
    env["XDG_CONFIG_HOME"] = str(tmp_path)  # no user-wide DVC config
    test = "test_dvc_run_by_a_test_outside_the_project_sends_no_usage_report"
    completed = subprocess.run(
        ["uv", "run", "--frozen", "pytest", "-q", "-p", "no:cacheprovider", "--no-cov",
         "-n", "0", f"tests/platform/test_commands.py::{test}"],
        cwd=classification_project, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "1 passed" in completed.stdout


def test_second_repro_reruns_no_stage(classification_project: Path) -> None:
    repro = run_in(classification_project, "make", "repro")
    assert repro.returncode == 0, repro.stdout + repro.stderr
    assert "Running stage" not in repro.stdout
    assert git(classification_project, "status", "--porcelain") == ""


def test_pre_commit_hooks_pass_offline(classification_project: Path) -> None:
    hooks = run_in(
        classification_project, "uv", "run", "--frozen", "pre-commit", "run", "--all-files"
    )
    assert hooks.returncode == 0, hooks.stdout[-3000:] + hooks.stderr[-3000:]


def test_classification_metrics_come_from_the_real_dataset(classification_project: Path) -> None:
    metrics = json.loads((classification_project / "metrics.json").read_text())
    flat = json.dumps(metrics)
    assert "accuracy" in flat
    params = yaml.safe_load((classification_project / "params.yaml").read_text())
    assert params


def test_the_next_environment_gets_the_bytecode_the_set_up_compiled(
    classification_project: Path, tmp_path: Path
) -> None:
    # A new environment holding the same pandas/__init__.py, as uv would install it elsewhere.
    found = bytecode_cache.site_packages(classification_project / ".venv")
    assert found is not None
    packages, tag = found
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "pyvenv.cfg").write_text("implementation = CPython\n")
    copy = tmp_path / "env" / packages.relative_to(classification_project / ".venv") / "pandas"
    copy.mkdir(parents=True)
    (copy / "__init__.py").write_bytes((packages / "pandas" / "__init__.py").read_bytes())

    restored = bytecode_cache.restore(tmp_path / "env")

    assert restored == {copy / "__pycache__" / f"__init__.{tag}.pyc"}
