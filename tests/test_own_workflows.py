"""The template repository's own workflows: tests, release, fleet rollout.

Held to the bar of the generated ones: actions pinned by commit SHA (the template's pins,
kept in one file), least-privilege permissions, no persisted credentials, zizmor (offline)
and GitHub's schema clean; and `tesler workflows run` runs the tests workflow on tesler.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tesler.workflow_runner import plan, run_workflows
from tesler.workflows.execute import Status
from tests.conftest import REPO_ROOT, snapshot_repository
from tests.support.pinned_tools import tool_env

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
SHARED = REPO_ROOT / "template" / "{% if false %}_shared{% endif %}"


def _tool(*command: str) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).parent / command[0]
    return subprocess.run(
        [str(executable), *command[1:]], cwd=REPO_ROOT, env=tool_env(), capture_output=True,
        text=True, check=False, timeout=300,
    )  # fmt: skip


def _workflows() -> dict[str, dict[str, Any]]:  # YAML: untyped by nature
    loaded = {path.name: yaml.safe_load(path.read_text()) for path in sorted(WORKFLOWS.glob("*"))}
    assert set(loaded) == {"tests.yml", "release.yml", "fleet.yml"}
    return loaded


def test_zizmor_offline_and_the_github_workflow_schema_find_nothing() -> None:
    zizmor = _tool("zizmor", "--offline", "--persona", "pedantic", ".github")
    assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr
    files = [str(path) for path in sorted(WORKFLOWS.glob("*.yml"))]
    schema = _tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *files)
    assert schema.returncode == 0, schema.stdout + schema.stderr


def test_every_action_is_pinned_to_the_template_s_own_sha() -> None:
    pins = dict(
        re.findall(
            r'"[\w-]+": \("([\w./-]+)", "([0-9a-f]{40})"', (SHARED / "actions.jinja").read_text()
        )
    )
    uv_version = re.search(r'uv_version = "([^"]+)"', (SHARED / "images.jinja").read_text())
    assert uv_version is not None
    used = re.findall(
        r"uses: ([\w./-]+)@(\S+)", "".join(p.read_text() for p in WORKFLOWS.glob("*"))
    )
    assert used
    for action, ref in used:
        assert pins.get(action) == ref, f"{action}@{ref} is not the template's pin"
    versions = set(
        re.findall(r'version: "([\d.]+)"', "".join(p.read_text() for p in WORKFLOWS.glob("*")))
    )
    assert versions == {uv_version.group(1)}


def test_permissions_are_least_privilege_and_credentials_are_not_persisted() -> None:
    for name, workflow in _workflows().items():
        assert workflow["permissions"] == {}, name
        jobs = workflow["jobs"]
        assert isinstance(jobs, dict)
        for key, job in jobs.items():
            assert "permissions" in job, f"{name}: job {key} names its permissions"
            assert job.get("timeout-minutes"), f"{name}: job {key} has a timeout"
            for step in job["steps"]:
                if str(step.get("uses", "")).startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False, f"{name}: {key}"
    writers = {
        (name, key): job["permissions"]
        for name, workflow in _workflows().items()
        for key, job in workflow["jobs"].items()
        if "write" in job["permissions"].values()
    }
    assert writers == {("release.yml", "release"): {"contents": "write"}}


def test_the_fleet_rollout_shards_a_matrix_then_merges() -> None:
    fleet = _workflows()["fleet.yml"]
    jobs = fleet["jobs"]
    assert isinstance(jobs, dict)
    shards = jobs["shard"]["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, int(fleet["env"]["SHARDS"]) + 1))
    assert jobs["shard"]["strategy"]["fail-fast"] is False
    assert '--shard "$SHARD/$SHARDS"' in jobs["shard"]["steps"][2]["run"]
    assert jobs["merge"]["needs"] == "shard"
    assert jobs["merge"]["if"] == "always()"
    assert "tesler fleet merge report-*.json" in jobs["merge"]["steps"][-1]["run"]


def test_the_runner_plans_every_job_of_the_tests_workflow_on_tesler() -> None:
    plans = plan(REPO_ROOT, workflow="tests")
    assert [(p.job.key, p.skip_reason) for p in plans] == [("static", None), ("tests", None)]
    commands = [step.step.run for p in plans for step in p.steps if step.step.run]
    assert "bash .ci/run" in commands


@pytest.mark.slow
def test_the_runner_runs_the_static_gates_job_on_a_copy_of_tesler(tmp_path: Path) -> None:
    copy = snapshot_repository(REPO_ROOT, tmp_path / "tesler")
    report = run_workflows(copy, workflow="tests", job="static")
    (job,) = report.jobs
    failed = [(step.label, step.output_tail) for step in job.steps if step.status is Status.FAILED]
    assert job.status is Status.PASSED, failed
