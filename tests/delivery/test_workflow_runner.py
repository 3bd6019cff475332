"""The runner-free workflow run: small workflow files in temporary projects.

Each test writes a workflow as a generated project would carry it and checks what a
local run does with it: runs, fails, skips with a reason, or refuses with the names.
Jobs run in a throw-away clone of the project, so steps that leave evidence write it to
`out`, a directory outside the project named by its absolute path.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tesler import bytecode_cache
from tesler.errors import ProjectError
from tesler.workflow_runner import RunReport, run_workflows
from tesler.workflows.errors import WorkflowError
from tesler.workflows.execute import JobResult, Status
from tesler.workflows_cli import workflows_app
from tests.conftest import git
from tests.test_bytecode_cache import environment, import_module, site_packages

CHECKOUT = "actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd"
SETUP_UV = "astral-sh/setup-uv@eac588ad8def6316056a12d4907a9d4d84ff7a3b"


def write_workflow(project: Path, text: str, name: str = "ci.yml") -> Path:
    """Write and commit a workflow (the project becomes a git repository if it is not)."""
    directory = project / ".github" / "workflows"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    if not (project / ".git").exists():
        git(project, "init", "--quiet", "--initial-branch=main")
    git(project, "add", "--all")
    git(project, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "wf")
    return path


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """Where steps leave evidence: outside the project, so it outlives the clone."""
    directory = tmp_path / "out"
    directory.mkdir()
    return directory


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "project"
    directory.mkdir()
    return directory


def job(report: RunReport, key: str) -> JobResult:
    (found,) = [result for result in report.jobs if result.job == key]
    return found


def test_passing_job_runs_its_run_steps_in_order_in_a_clone_of_the_project(
    project: Path, out: Path
) -> None:
    write_workflow(
        project,
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
                run: echo second >> order.txt; cp order.txt {out}/order.txt
        """,
    )
    report = run_workflows(project)
    gates = job(report, "gates")
    assert gates.status is Status.PASSED
    assert not report.failed
    assert (out / "order.txt").read_text().split() == ["first", "second"]
    assert not (project / "order.txt").exists()  # the steps ran in the clone
    assert [step.status for step in gates.steps] == [Status.PASSED] * 4
    assert "no-op" in gates.steps[0].note
    assert gates.steps[1].note == "uv is installed"
    assert gates.duration_seconds >= 0


def test_failing_step_fails_the_job_and_later_steps_do_not_run(project: Path, out: Path) -> None:
    write_workflow(
        project,
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
              - run: touch {out}/should-not-exist
        """.replace("{out}", str(out)),
    )
    build = job(run_workflows(project), "build")
    assert build.status is Status.FAILED
    assert build.reason == "step 2 (break) exited with 3"
    assert "broken on purpose" in build.steps[1].output_tail
    assert build.steps[2].status is Status.SKIPPED
    assert build.steps[2].note == "not run: an earlier step failed"
    assert not (out / "should-not-exist").exists()


def test_env_layers_and_working_directories_are_honoured(project: Path, out: Path) -> None:
    (project / "sub" / "deeper").mkdir(parents=True)
    (project / "sub" / "deeper" / ".keep").touch()  # git keeps files, not folders
    write_workflow(
        project,
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
              - run: echo "$LEVEL $ONLY_WORKFLOW $CI" > {out}/env1.txt; pwd > {out}/where1.txt
              - env:
                  LEVEL: step
                working-directory: sub/deeper
                run: echo "$LEVEL" > {out}/env2.txt; pwd > {out}/where2.txt
        """.replace("{out}", str(out)),
    )
    assert job(run_workflows(project), "build").status is Status.PASSED
    assert (out / "env1.txt").read_text().strip() == "job w true"
    assert (out / "env2.txt").read_text().strip() == "step"
    sub = Path((out / "where1.txt").read_text().strip())
    deeper = Path((out / "where2.txt").read_text().strip())
    assert (sub.name, deeper.parent, deeper.name) == ("sub", sub, "deeper")
    assert not sub.is_relative_to(project)  # a clone of the project, removed afterwards
    assert not sub.exists()


def test_shell_bash_has_pipefail_and_the_default_shell_does_not(project: Path) -> None:
    write_workflow(
        project,
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
    report = run_workflows(project)
    assert job(report, "default-shell").status is Status.PASSED
    assert job(report, "bash-shell").status is Status.FAILED


def test_unknown_action_is_refused_naming_workflow_job_step_and_action(
    project: Path, out: Path
) -> None:
    write_workflow(
        project,
        f"""
        on: push
        jobs:
          lint:
            runs-on: ubuntu-24.04
            steps:
              - uses: {CHECKOUT}
              - name: mystery
                uses: someone/mystery-action@v1
              - run: touch {out}/ran
        """,
        name="lint.yml",
    )
    with pytest.raises(WorkflowError) as raised:
        run_workflows(project)
    (problem,) = raised.value.problems
    assert problem.startswith(
        "lint.yml, job lint, step 2 (mystery): uses someone/mystery-action@v1"
    )
    assert "actions/checkout" in problem  # the known actions are listed
    assert not (out / "ran").exists()  # nothing ran


def test_jobs_needing_a_service_are_skipped_naming_the_step_and_the_rule(
    project: Path, out: Path
) -> None:
    (project / "Makefile").write_text(
        "audit: lock ## audit the dependencies, through make called again (as `check` does)\n"
        "\t@$(MAKE) --no-print-directory --jobs --output-sync=target scan\n"
        "scan:\n\tuv run pip-audit -r requirements.txt\n"
        "lock:\n\tuv lock\n"
        "propose:\n\t@git switch -c x && \\\n\t\tgh pr create --fill\n",
        encoding="utf-8",
    )
    write_workflow(
        project,
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
          pull-request:
            runs-on: ubuntu-24.04
            steps:
              - run: touch {out}/ran
              - run: make propose
                env:
                  GH_TOKEN: ${{{{ github.token }}}}
          audit:
            runs-on: ubuntu-24.04
            steps:
              - run: make audit
          publish:
            runs-on: ubuntu-24.04
            steps:
              - name: upload
                run: uv publish dist/*
          pushes:
            runs-on: ubuntu-24.04
            steps:
              - run: make propose
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
    report = run_workflows(project)
    assert [result.status for result in report.jobs] == [Status.SKIPPED] * 8
    assert job(report, "push-data").reason == (
        "step 2 (aws-actions/configure-aws-credentials@v4) needs an AWS login (OIDC role): "
        "uses aws-actions/configure-aws-credentials@v4"
    )
    assert "registry login" in job(report, "image").reason
    assert job(report, "pull-request").reason == (
        "step 2 (run make propose) is given the GitHub token (GH_TOKEN): it acts on GitHub"
    )
    assert job(report, "audit").reason == (
        "step 1 (run make audit) runs pip-audit (in the recipe of `make audit`), "
        "which queries a vulnerability database"
    )
    assert job(report, "publish").reason == (
        "step 1 (upload) runs twine upload, uv publish, which publishes to a package index"
    )
    assert job(report, "pushes").reason == (
        "step 1 (run make propose) runs gh (in the recipe of `make propose`), "
        "which calls the GitHub API"
    )
    assert job(report, "windows").reason.startswith("runs on windows-latest")
    assert job(report, "database").reason == "needs a Docker engine (container or services)"
    assert not report.failed
    assert not (out / "ran").exists()


def test_generated_workflows_carry_no_runner_markers(template_repo: Path) -> None:
    workflows = template_repo / "template" / ".github" / "workflows"
    texts = [path.read_text(encoding="utf-8") for path in workflows.iterdir()]
    assert texts
    assert not [text for text in texts if "TESLER" in text]


def test_supported_expressions_are_substituted_and_secrets_are_empty_with_a_warning(
    project: Path, out: Path
) -> None:
    write_workflow(
        project,
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
                  echo "${{ github.workspace }}" > {out}/values.txt
                  echo "${{ matrix.python }} ${{ env.TARGET }} [${{ secrets.TOKEN }}]" \
                    >> {out}/values.txt
                  test -d "${{ runner.temp }}"
                  echo "${{ runner.os }}" >> {out}/values.txt
                  pwd >> {out}/values.txt
        """.replace("{out}", str(out)),
    )
    build = job(run_workflows(project), "build")
    assert build.status is Status.PASSED, build.steps
    workspace, values, runner_os, where = (out / "values.txt").read_text().splitlines()
    assert (values, runner_os) == ("3.12 from-env []", "Linux")
    assert workspace == where  # the workspace is the clone the steps run in
    assert Path(workspace).name == "project"
    assert not Path(workspace).exists()
    assert build.warnings == ("secrets.TOKEN is empty in a local run",)


def test_other_expressions_are_refused(project: Path) -> None:
    write_workflow(
        project,
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
        run_workflows(project)
    (problem,) = raised.value.problems
    assert "ci.yml, job greet, step 1" in problem
    assert "${{ github.event.pull_request.title }}" in problem


def test_a_job_whose_needed_job_failed_is_skipped(project: Path, out: Path) -> None:
    write_workflow(
        project,
        f"""
        on: push
        jobs:
          deploy:
            needs: test
            runs-on: ubuntu-24.04
            steps:
              - run: touch {out}/deployed
          test:
            runs-on: ubuntu-24.04
            steps:
              - run: exit 1
        """,
    )
    report = run_workflows(project)
    assert [result.job for result in report.jobs] == ["test", "deploy"]  # needs order
    assert job(report, "deploy").status is Status.SKIPPED
    assert job(report, "deploy").reason == "needs job test, which failed"
    assert not (out / "deployed").exists()


def test_github_env_path_and_step_summary_files_work_between_steps(
    project: Path, out: Path
) -> None:
    write_workflow(
        project,
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
                  echo "$GREETING ${{ env.GREETING }} $(mytool)" > {out}/got.txt
                  echo "## metrics" >> "$GITHUB_STEP_SUMMARY"
        """.replace("{out}", str(out)),
    )
    build = job(run_workflows(project), "build")
    assert build.status is Status.PASSED, build.steps
    assert (out / "got.txt").read_text().strip() == "hello hello tool-ran"
    assert build.summary.strip() == "## metrics"


def test_conditions_matrix_timeouts_and_continue_on_error(project: Path, out: Path) -> None:
    write_workflow(
        project,
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
              - run: touch {out}/after-tolerated
              - if: failure()
                run: touch {out}/only-on-failure
              - if: always()
                run: touch {out}/always
          slow:
            runs-on: ubuntu-24.04
            steps:
              - run: sleep 20
                timeout-minutes: 0.02
        """.replace("{out}", str(out)),
    )
    report = run_workflows(project)
    assert job(report, "on-push-only").status is Status.SKIPPED
    assert "depends on the GitHub event" in job(report, "on-push-only").reason
    assert job(report, "versions").reason == (
        "its matrix has 2 combinations; a local run takes one"
    )
    assert job(report, "tolerant").status is Status.PASSED
    assert (out / "after-tolerated").exists()
    assert (out / "always").exists()
    assert not (out / "only-on-failure").exists()
    slow = job(report, "slow")
    assert slow.status is Status.FAILED
    assert slow.reason.endswith("timed out after 1 s")
    assert slow.duration_seconds < 10


def test_workflow_and_job_selection(project: Path, out: Path) -> None:
    write_workflow(
        project,
        f"""
        name: first
        on: push
        jobs:
          one:
            runs-on: ubuntu-24.04
            steps:
              - run: touch {out}/one
          two:
            name: the second job
            runs-on: ubuntu-24.04
            steps:
              - run: touch {out}/two
        """,
        name="first.yml",
    )
    write_workflow(
        project,
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
    report = run_workflows(project, workflow="first", job="the second job")
    assert [result.job for result in report.jobs] == ["two"]
    assert (out / "two").exists()
    assert not (out / "one").exists()
    with pytest.raises(WorkflowError, match="no workflow named third"):
        run_workflows(project, workflow="third")
    with pytest.raises(WorkflowError, match="no job named nope"):
        run_workflows(project, workflow="first.yml", job="nope")


def test_a_project_without_workflows_is_an_error_naming_the_folder(project: Path) -> None:
    with pytest.raises(WorkflowError, match=r"has no \.github/workflows/\*\.yml"):
        run_workflows(project)


def test_a_project_outside_git_is_an_error_saying_how_to_commit_it(project: Path) -> None:
    write_workflow(project, "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n"
                   "    steps:\n      - run: 'true'\n")  # fmt: skip
    subprocess.run(["rm", "-rf", str(project / ".git")], check=True)
    with pytest.raises(ProjectError, match="not inside a git repository") as raised:
        run_workflows(project)
    assert "git commit" in raised.value.fix


def test_cli_prints_json_and_exits_non_zero_when_a_job_fails(project: Path) -> None:
    write_workflow(
        project,
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
    failed = runner.invoke(workflows_app, ["run", str(project), "--json"])
    assert failed.exit_code == 1, failed.output
    report = json.loads(failed.stdout)
    assert [(j["job"], j["status"]) for j in report["jobs"]] == [
        ("good", "passed"),
        ("bad", "failed"),
    ]
    assert report["jobs"][1]["reason"] == "step 1 (run exit 2) exited with 2"
    assert report["checkout"].startswith("a throw-away clone of ")
    passed = runner.invoke(workflows_app, ["run", str(project), "--job", "good"])
    assert passed.exit_code == 0, passed.output
    assert "passed" in passed.stdout


def test_the_working_tree_git_status_and_dvc_files_are_unchanged_by_a_run(
    project: Path, out: Path
) -> None:
    (project / ".gitignore").write_text("data/\n", encoding="utf-8")
    (project / "data").mkdir()
    (project / "data" / "table.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (project / "tracked.txt").write_text("committed\n", encoding="utf-8")
    write_workflow(
        project,
        f"""
        on: push
        jobs:
          mess:
            runs-on: ubuntu-24.04
            steps:
              - run: |
                  cat tracked.txt > {out}/seen.txt
                  ls data > {out}/data.txt 2>&1 || true
                  echo changed > tracked.txt; touch new-file; git add --all
                  git -c user.name=x -c user.email=x@x commit --quiet -m by-the-step
                  git tag by-the-step; git checkout --quiet -b step-branch
                  rm -rf .github; mkdir -p data && echo overwritten > data/table.csv
        """,
    )
    (project / "tracked.txt").write_text("edited, not committed\n", encoding="utf-8")
    before = _state(project)
    report = run_workflows(project)
    assert job(report, "mess").status is Status.PASSED, job(report, "mess").steps
    assert _state(project) == before
    # The clone held the uncommitted edit, and no git-ignored file.
    assert (out / "seen.txt").read_text() == "edited, not committed\n"
    assert "table.csv" not in (out / "data.txt").read_text()
    assert report.checkout.endswith("with 1 uncommitted file(s) as on disk")


def _state(project: Path) -> tuple[str, ...]:
    files = sorted(
        f"{path.relative_to(project)}:{path.read_bytes()!r}"
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(project).parts[:1]
    )
    return (
        git(project, "status", "--porcelain", "--ignored"),
        git(project, "show-ref"),
        git(project, "rev-parse", "HEAD"),
        *files,
    )


@pytest.mark.parametrize("directory", ["../..", "/etc", "sub/../../elsewhere"])
def test_a_working_directory_outside_the_project_is_refused_before_anything_runs(
    project: Path, out: Path, directory: str
) -> None:
    write_workflow(
        project,
        f"""
        on: push
        jobs:
          escape:
            runs-on: ubuntu-24.04
            steps:
              - run: touch {out}/ran
              - working-directory: {directory}
                run: touch {out}/escaped
        """,
    )
    with pytest.raises(WorkflowError) as raised:
        run_workflows(project)
    (problem,) = raised.value.problems
    assert problem.startswith(f"ci.yml, job escape, step 2 (run touch {out}/escaped): ")
    assert f"working-directory {directory!r} " in problem
    assert "inside its throw-away clone" in problem
    assert list(out.iterdir()) == []


def test_a_working_directory_that_leaves_the_clone_through_a_symlink_fails_its_step(
    project: Path, out: Path
) -> None:
    (project / "link").symlink_to(out)
    write_workflow(
        project,
        """
        on: push
        jobs:
          escape:
            runs-on: ubuntu-24.04
            steps:
              - working-directory: link
                run: touch escaped
        """,
    )
    escape = job(run_workflows(project), "escape")
    assert escape.status is Status.FAILED
    assert escape.reason == (
        "step 1 (run touch escaped) working-directory link is outside the run's clone: not run"
    )
    assert list(out.iterdir()) == []


def test_steps_get_an_allow_listed_environment_without_tokens_or_cloud_keys(
    project: Path, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = {
        "GITHUB_TOKEN": "ghs_host_token_value_1",
        "GH_TOKEN": "ghs_host_token_value_2",
        "TESLER_GITHUB_TOKEN": "ghs_host_token_value_3",
        "AWS_SECRET_ACCESS_KEY": "aws-secret-of-the-developer",
        "NPM_TOKEN": "npm-token-of-the-developer",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    write_workflow(
        project,
        f"""
        on: push
        env:
          DECLARED: by-the-workflow
        jobs:
          show:
            runs-on: ubuntu-24.04
            steps:
              - run: env > {out}/env.txt
        """,
    )
    assert job(run_workflows(project), "show").status is Status.PASSED
    text = (out / "env.txt").read_text()
    env = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    assert not set(secrets) & set(env)
    assert not [value for value in secrets.values() if value in text]
    assert env["DECLARED"] == "by-the-workflow"
    assert env["CI"] == "true"
    assert env["HOME"] != str(Path.home())
    assert env["PATH"]


# A step that makes the checkout's environment as `make setup` does, holding tests/
# test_bytecode_cache.py's library; then a step that imports it with Python's import log.
LIBRARY_STEPS = """
  - name: make the environment
    run: |
      mkdir -p {packages}/lib_a
      printf 'home = /usr/bin\\nimplementation = CPython\\n' > .venv/pyvenv.cfg
      : > {packages}/lib_a/__init__.py
      printf 'VALUE = 41 + 1\\n' > {packages}/lib_a/mod.py
  - name: import the library
    run: >-
      {write}PYTHONPATH={packages} {python} -v -c "import lib_a.mod; print(lib_a.mod.VALUE)"
      > {out}/stdout.txt 2> {out}/stderr.txt
"""


def _library_workflow(
    project: Path, out: Path, *, write: bool, outside: Path | None = None
) -> None:
    packages = site_packages(Path(".venv"))
    steps = LIBRARY_STEPS.format(
        packages=packages,
        python=sys.executable,
        out=out,
        write="" if write else "PYTHONDONTWRITEBYTECODE=1 ",
    )
    if outside is not None:  # the environment is made outside the clone, `.venv` leads there
        steps = f"\n  - run: mkdir -p {outside} && ln -s {outside} .venv\n{steps}"
    write_workflow(
        project,
        "on: push\njobs:\n  gates:\n    runs-on: ubuntu-24.04\n    steps:\n"
        + textwrap.indent(steps.strip("\n"), "    ")
        + "\n",
    )


@pytest.fixture
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's cache folder (where tesler keeps bytecode), under the test's own folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def kept_library(user_cache: Path, tmp_path: Path) -> None:
    """lib_a's bytecode kept from an earlier environment, as a set-up keeps it."""
    earlier = environment(tmp_path / "earlier")
    import_module(earlier)
    bytecode_cache.keep(earlier, set())
    assert list(user_cache.rglob("*.pyc")), "nothing was kept"


@pytest.mark.usefixtures("kept_library")
def test_steps_after_the_one_making_the_environment_load_the_kept_library_bytecode(
    project: Path, out: Path
) -> None:
    _library_workflow(project, out, write=False)

    assert job(run_workflows(project), "gates").status is Status.PASSED
    assert (out / "stdout.txt").read_text() == "42\n"
    log = (out / "stderr.txt").read_text()
    assert re.search(r"lib_a/__pycache__/mod\.[\w-]+\.pyc matches", log), log[-2000:]


@pytest.mark.usefixtures("kept_library")
def test_no_bytecode_is_written_through_a_venv_that_leads_out_of_the_clone(
    project: Path, out: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    _library_workflow(project, out, write=False, outside=outside)

    assert job(run_workflows(project), "gates").status is Status.PASSED
    assert (out / "stdout.txt").read_text() == "42\n"
    assert (outside / "pyvenv.cfg").is_file()  # the steps did make it there
    assert not list(outside.rglob("*.pyc"))


def test_bytecode_compiled_in_the_clone_is_never_kept(
    project: Path, out: Path, user_cache: Path
) -> None:
    """The repository's own code could have written it: it never reaches other projects."""
    _library_workflow(project, out, write=True)

    assert job(run_workflows(project), "gates").status is Status.PASSED
    assert (out / "stdout.txt").read_text() == "42\n"
    assert "code object from" in (out / "stderr.txt").read_text()  # compiled in the clone
    assert not list(user_cache.rglob("*.pyc"))


def _snapshot(project: Path) -> dict[str, tuple[int, int]]:
    """Every file of the project and of its DVC storage (size, mtime), but git's own."""
    storage = project.parent / "ml-project-dvc-storage"
    files = [*project.rglob("*"), *storage.rglob("*")]
    return {
        str(path): (path.lstat().st_size, path.lstat().st_mtime_ns)
        for path in files
        if not path.is_dir() and ".git" not in path.relative_to(path.anchor).parts
    }


@pytest.mark.slow
def test_the_retrain_job_reproduces_in_a_clone_and_leaves_the_project_and_dvc_alone(
    classification_project: Path,
) -> None:
    project = classification_project
    git_state = [
        git(project, "status", "--porcelain", "--ignored"),
        git(project, "show-ref"),
        git(project, "stash", "list"),
    ]
    files = _snapshot(project)
    report = run_workflows(project, workflow="retrain", job="retrain")
    retrain = job(report, "retrain")
    assert retrain.status is Status.PASSED, [step.output_tail for step in retrain.steps]
    steps = {step.label: step for step in retrain.steps}
    assert "promotion" in steps["run make retrain-candidate"].output_tail  # its last line
    assert [
        git(project, "status", "--porcelain", "--ignored"),
        git(project, "show-ref"),
        git(project, "stash", "list"),
    ] == git_state
    assert _snapshot(project) == files
