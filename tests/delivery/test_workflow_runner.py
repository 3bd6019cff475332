"""The runner-free workflow run: small workflow files in temporary projects.

Each test writes a workflow as a generated project would carry it and checks what a
local run does with it: runs, fails, skips with a reason, or refuses with the names.
"""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from tesler.workflow_runner import RunReport, run_workflows
from tesler.workflows.errors import WorkflowError
from tesler.workflows.execute import JobResult, Status
from tesler.workflows_cli import workflows_app

if TYPE_CHECKING:
    from pathlib import Path

CHECKOUT = "actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd"
SETUP_UV = "astral-sh/setup-uv@eac588ad8def6316056a12d4907a9d4d84ff7a3b"


def write_workflow(project: Path, text: str, name: str = "ci.yml") -> Path:
    directory = project / ".github" / "workflows"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def job(report: RunReport, key: str) -> JobResult:
    (found,) = [result for result in report.jobs if result.job == key]
    return found


def test_passing_job_runs_its_run_steps_in_order_in_the_project(tmp_path: Path) -> None:
    write_workflow(
        tmp_path,
        f"""
        name: ci
        on: push
        jobs:
          gates:
            runs-on: ubuntu-24.04
            steps:
              - uses: {CHECKOUT}
              - uses: {SETUP_UV}
              - run: echo first > order.txt
              - name: second
                run: echo second >> order.txt
        """,
    )
    report = run_workflows(tmp_path)
    gates = job(report, "gates")
    assert gates.status is Status.PASSED
    assert not report.failed
    assert (tmp_path / "order.txt").read_text().split() == ["first", "second"]
    assert [step.status for step in gates.steps] == [Status.PASSED] * 4
    assert "no-op" in gates.steps[0].note
    assert gates.steps[1].note == "uv is installed"
    assert gates.duration_seconds >= 0


def test_failing_step_fails_the_job_and_later_steps_do_not_run(tmp_path: Path) -> None:
    write_workflow(
        tmp_path,
        """
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - run: echo about to fail
              - name: break
                run: |
                  echo "broken on purpose" >&2
                  exit 3
              - run: touch should-not-exist
        """,
    )
    build = job(run_workflows(tmp_path), "build")
    assert build.status is Status.FAILED
    assert build.reason == "step 2 (break) exited with 3"
    assert "broken on purpose" in build.steps[1].output_tail
    assert build.steps[2].status is Status.SKIPPED
    assert build.steps[2].note == "not run: an earlier step failed"
    assert not (tmp_path / "should-not-exist").exists()


def test_env_layers_and_working_directories_are_honoured(tmp_path: Path) -> None:
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    write_workflow(
        tmp_path,
        """
        on: push
        env:
          LEVEL: workflow
          ONLY_WORKFLOW: w
        jobs:
          build:
            runs-on: ubuntu-24.04
            env:
              LEVEL: job
            defaults:
              run:
                working-directory: sub
            steps:
              - run: echo "$LEVEL $ONLY_WORKFLOW $CI" > env.txt; pwd > where.txt
              - env:
                  LEVEL: step
                working-directory: sub/deeper
                run: echo "$LEVEL" > env.txt; pwd > where.txt
        """,
    )
    assert job(run_workflows(tmp_path), "build").status is Status.PASSED
    assert (tmp_path / "sub" / "env.txt").read_text().strip() == "job w true"
    assert (tmp_path / "sub" / "where.txt").read_text().strip() == str(tmp_path / "sub")
    deeper = tmp_path / "sub" / "deeper"
    assert (deeper / "env.txt").read_text().strip() == "step"
    assert (deeper / "where.txt").read_text().strip() == str(deeper)


def test_shell_bash_has_pipefail_and_the_default_shell_does_not(tmp_path: Path) -> None:
    write_workflow(
        tmp_path,
        """
        on: push
        jobs:
          default-shell:
            runs-on: ubuntu-24.04
            steps:
              - run: false | true
          bash-shell:
            runs-on: ubuntu-24.04
            steps:
              - shell: bash
                run: false | true
        """,
    )
    report = run_workflows(tmp_path)
    assert job(report, "default-shell").status is Status.PASSED
    assert job(report, "bash-shell").status is Status.FAILED


def test_unknown_action_is_refused_naming_workflow_job_step_and_action(tmp_path: Path) -> None:
    write_workflow(
        tmp_path,
        f"""
        on: push
        jobs:
          lint:
            runs-on: ubuntu-24.04
            steps:
              - uses: {CHECKOUT}
              - name: mystery
                uses: someone/mystery-action@v1
              - run: touch ran
        """,
        name="lint.yml",
    )
    with pytest.raises(WorkflowError) as raised:
        run_workflows(tmp_path)
    (problem,) = raised.value.problems
    assert problem.startswith(
        "lint.yml, job lint, step 2 (mystery): uses someone/mystery-action@v1"
    )
    assert "actions/checkout" in problem  # the known actions are listed
    assert not (tmp_path / "ran").exists()  # nothing ran


def test_jobs_needing_a_cloud_or_registry_login_are_skipped_with_the_reason(
    tmp_path: Path,
) -> None:
    write_workflow(
        tmp_path,
        f"""
        on: push
        jobs:
          push-data:
            runs-on: ubuntu-24.04
            permissions:
              id-token: write
            steps:
              - uses: {CHECKOUT}
              - uses: aws-actions/configure-aws-credentials@v4
                with:
                  role-to-assume: ${{{{ vars.AWS_ROLE_ARN }}}}
              - run: make push
          image:
            runs-on: ubuntu-24.04
            steps:
              - uses: docker/login-action@v3
          marked:
            runs-on: ubuntu-24.04
            env:
              TESLER_RUNNER_SKIP: publishes to the package index
            steps:
              - run: exit 1
          windows:
            runs-on: windows-latest
            steps:
              - run: exit 1
          database:
            runs-on: ubuntu-24.04
            services:
              postgres:
                image: postgres:17
            steps:
              - run: exit 1
        """,
    )
    report = run_workflows(tmp_path)
    assert [result.status for result in report.jobs] == [Status.SKIPPED] * 5
    assert job(report, "push-data").reason == (
        "step 2 (aws-actions/configure-aws-credentials@v4) needs an AWS login (OIDC role): "
        "uses aws-actions/configure-aws-credentials@v4"
    )
    assert "registry login" in job(report, "image").reason
    assert job(report, "marked").reason == (
        "marked TESLER_RUNNER_SKIP: publishes to the package index"
    )
    assert job(report, "windows").reason.startswith("runs on windows-latest")
    assert job(report, "database").reason == "needs a Docker engine (container or services)"
    assert not report.failed


def test_supported_expressions_are_substituted_and_secrets_are_empty_with_a_warning(
    tmp_path: Path,
) -> None:
    write_workflow(
        tmp_path,
        """
        on: push
        env:
          TARGET: from-env
        jobs:
          build:
            runs-on: ubuntu-24.04
            strategy:
              matrix:
                python: ["3.12"]
            steps:
              - run: |
                  echo "${{ github.workspace }}" > values.txt
                  echo "${{ matrix.python }} ${{ env.TARGET }} [${{ secrets.TOKEN }}]" >> values.txt
                  test -d "${{ runner.temp }}"
                  echo "${{ runner.os }}" >> values.txt
        """,
    )
    build = job(run_workflows(tmp_path), "build")
    assert build.status is Status.PASSED, build.steps
    lines = (tmp_path / "values.txt").read_text().splitlines()
    assert lines == [str(tmp_path.resolve()), "3.12 from-env []", "Linux"]
    assert build.warnings == ("secrets.TOKEN is empty in a local run",)


def test_other_expressions_are_refused(tmp_path: Path) -> None:
    write_workflow(
        tmp_path,
        """
        on: pull_request
        jobs:
          greet:
            runs-on: ubuntu-24.04
            steps:
              - run: echo "${{ github.event.pull_request.title }}"
        """,
    )
    with pytest.raises(WorkflowError) as raised:
        run_workflows(tmp_path)
    (problem,) = raised.value.problems
    assert "ci.yml, job greet, step 1" in problem
    assert "${{ github.event.pull_request.title }}" in problem


def test_a_job_whose_needed_job_failed_is_skipped(tmp_path: Path) -> None:
    write_workflow(
        tmp_path,
        """
        on: push
        jobs:
          deploy:
            needs: test
            runs-on: ubuntu-24.04
            steps:
              - run: touch deployed
          test:
            runs-on: ubuntu-24.04
            steps:
              - run: exit 1
        """,
    )
    report = run_workflows(tmp_path)
    assert [result.job for result in report.jobs] == ["test", "deploy"]  # needs order
    assert job(report, "deploy").status is Status.SKIPPED
    assert job(report, "deploy").reason == "needs job test, which failed"
    assert not (tmp_path / "deployed").exists()


def test_github_env_path_and_step_summary_files_work_between_steps(tmp_path: Path) -> None:
    write_workflow(
        tmp_path,
        """
        on: push
        jobs:
          build:
            runs-on: ubuntu-24.04
            steps:
              - run: |
                  echo "GREETING=hello" >> "$GITHUB_ENV"
                  mkdir -p tools && printf '#!/bin/sh\\necho tool-ran\\n' > tools/mytool
                  chmod +x tools/mytool && echo "$PWD/tools" >> "$GITHUB_PATH"
              - run: |
                  echo "$GREETING ${{ env.GREETING }} $(mytool)" > got.txt
                  echo "## metrics" >> "$GITHUB_STEP_SUMMARY"
        """,
    )
    build = job(run_workflows(tmp_path), "build")
    assert build.status is Status.PASSED, build.steps
    assert (tmp_path / "got.txt").read_text().strip() == "hello hello tool-ran"
    assert build.summary.strip() == "## metrics"


def test_conditions_matrix_timeouts_and_continue_on_error(tmp_path: Path) -> None:
    write_workflow(
        tmp_path,
        """
        on: push
        jobs:
          on-push-only:
            if: github.event_name == 'push'
            runs-on: ubuntu-24.04
            steps:
              - run: exit 1
          versions:
            runs-on: ubuntu-24.04
            strategy:
              matrix:
                python: ["3.11", "3.12"]
            steps:
              - run: exit 1
          tolerant:
            runs-on: ubuntu-24.04
            steps:
              - run: exit 1
                continue-on-error: true
              - run: touch after-tolerated
              - if: failure()
                run: touch only-on-failure
              - if: always()
                run: touch always
          slow:
            runs-on: ubuntu-24.04
            steps:
              - run: sleep 20
                timeout-minutes: 0.02
        """,
    )
    report = run_workflows(tmp_path)
    assert job(report, "on-push-only").status is Status.SKIPPED
    assert "depends on the GitHub event" in job(report, "on-push-only").reason
    assert job(report, "versions").reason == (
        "its matrix has 2 combinations; a local run takes one"
    )
    assert job(report, "tolerant").status is Status.PASSED
    assert (tmp_path / "after-tolerated").exists()
    assert (tmp_path / "always").exists()
    assert not (tmp_path / "only-on-failure").exists()
    slow = job(report, "slow")
    assert slow.status is Status.FAILED
    assert slow.reason.endswith("timed out after 1 s")
    assert slow.duration_seconds < 10


def test_workflow_and_job_selection(tmp_path: Path) -> None:
    write_workflow(
        tmp_path,
        """
        name: first
        on: push
        jobs:
          one:
            runs-on: ubuntu-24.04
            steps:
              - run: touch one
          two:
            name: the second job
            runs-on: ubuntu-24.04
            steps:
              - run: touch two
        """,
        name="first.yml",
    )
    write_workflow(
        tmp_path,
        """
        on: push
        jobs:
          other:
            runs-on: ubuntu-24.04
            steps:
              - uses: some/unknown@v1
        """,
        name="second.yaml",
    )
    report = run_workflows(tmp_path, workflow="first", job="the second job")
    assert [result.job for result in report.jobs] == ["two"]
    assert (tmp_path / "two").exists()
    assert not (tmp_path / "one").exists()
    with pytest.raises(WorkflowError, match="no workflow named third"):
        run_workflows(tmp_path, workflow="third")
    with pytest.raises(WorkflowError, match="no job named nope"):
        run_workflows(tmp_path, workflow="first.yml", job="nope")


def test_a_project_without_workflows_is_an_error_naming_the_folder(tmp_path: Path) -> None:
    with pytest.raises(WorkflowError, match=r"has no \.github/workflows/\*\.yml"):
        run_workflows(tmp_path)


def test_cli_prints_json_and_exits_non_zero_when_a_job_fails(tmp_path: Path) -> None:
    write_workflow(
        tmp_path,
        """
        on: push
        jobs:
          good:
            runs-on: ubuntu-24.04
            steps:
              - run: echo fine
          bad:
            runs-on: ubuntu-24.04
            steps:
              - run: exit 2
        """,
    )
    runner = CliRunner()
    failed = runner.invoke(workflows_app, ["run", str(tmp_path), "--json"])
    assert failed.exit_code == 1, failed.output
    report = json.loads(failed.stdout)
    assert [(j["job"], j["status"]) for j in report["jobs"]] == [
        ("good", "passed"),
        ("bad", "failed"),
    ]
    assert report["jobs"][1]["reason"] == "step 1 (run exit 2) exited with 2"
    passed = runner.invoke(workflows_app, ["run", str(tmp_path), "--job", "good"])
    assert passed.exit_code == 0, passed.output
    assert "passed" in passed.stdout
