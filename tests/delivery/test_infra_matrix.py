"""Static checks of the Terraform every `cloud` answer renders (no Terraform binary needed).

Each cloud is rendered once with `tesler new --no-setup`; the cheap checks (python-hcl2,
pinned versions, documented variables, no static credentials, the OIDC trust) run on
each, and checkov (slow: its own tool environment, installed once by uvx) reports no
failed check, every skip carrying a reason.
"""

from __future__ import annotations

import configparser
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hcl2.utils import SerializationOptions

from tests.conftest import tesler

# One process renders the four clouds and runs checkov once (`pytest -n 2 --dist loadgroup`).
pytestmark = pytest.mark.xdist_group("infra-matrix")
CLOUDS = ["aws", "gcp", "azure"]
STRIP = SerializationOptions(strip_string_quotes=True, with_comments=False, explicit_blocks=False)
# Attribute names that would hold a static credential, and resources that mint one.
CREDENTIAL_ATTRIBUTE = re.compile(
    r"^\s*(access_key|secret_key|secret|client_secret|private_key|password|sas_token|"
    r"client_certificate|credentials)\s*=",
    re.MULTILINE,
)
CREDENTIAL_RESOURCES = (
    "aws_iam_access_key",
    "google_service_account_key",
    "azuread_application_password",
    "azuread_service_principal_password",
)
SKIP_COMMENT = re.compile(r"#checkov:skip=(?P<id>CKV\w+):(?P<reason>.*)")


def render(template: Path, parent: Path, cloud: str) -> Path:
    destination = parent / f"project-{cloud}"
    code = tesler(
        "new",
        str(destination),
        "--no-setup",
        "--defaults",
        "--vcs-ref",
        "HEAD",
        "--template",
        str(template),
        "--data",
        f"cloud={cloud}",
    )
    assert code == 0, f"tesler new -d cloud={cloud} exited {code}"
    return destination


@pytest.fixture(scope="session")
def rendered(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One project per cloud answer, rendered without set-up."""
    parent = tmp_path_factory.mktemp("infra-matrix")
    return {cloud: render(template_repo, parent, cloud) for cloud in ["none", *CLOUDS]}


def load_tf(path: Path) -> dict[str, Any]:
    """A .tf file as python-hcl2 reads it, quotes stripped (JSON-like, hence Any)."""
    with path.open(encoding="utf-8") as handle:
        return hcl2.load(handle, serialization_options=STRIP)


def blocks(path: Path, kind: str) -> dict[str, dict[str, Any]]:
    """`variable "x" {...}` blocks of a file as {"x": {...}}."""
    found: dict[str, dict[str, Any]] = {}
    for entry in load_tf(path).get(kind, []):
        found.update(entry)
    return found


def checkov_version(project: Path) -> str:
    """The checkov version the project's make fragment pins (one place to bump it)."""
    match = re.search(
        r"^CHECKOV_VERSION := (\S+)$", (project / "make" / "infra.mk").read_text(), re.MULTILINE
    )
    assert match, "make/infra.mk pins no CHECKOV_VERSION"
    return match.group(1)


def test_cloud_none_renders_no_infra_and_infra_check_says_so(rendered: dict[str, Path]) -> None:
    project = rendered["none"]
    assert not (project / "infra").exists()
    assert not (project / "scripts" / "check_terraform.py").exists()
    completed = subprocess.run(
        ["make", "-f", "make/infra.mk", "infra-check"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "no infra/ (cloud: none)"


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_tf_file_parses_with_python_hcl2(rendered: dict[str, Path], cloud: str) -> None:
    project = rendered[cloud]
    files = sorted((project / "infra").glob("*.tf"))
    assert {f.name for f in files} == {
        "versions.tf",
        "variables.tf",
        "storage.tf",
        "ci_identity.tf",
        "outputs.tf",
    }
    # The project's own check script, as `make infra-check` runs it.
    completed = subprocess.run(
        [sys.executable, "scripts/check_terraform.py", "infra"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "5 Terraform files parse (python-hcl2)"


def test_the_check_script_names_the_file_that_does_not_parse(
    rendered: dict[str, Path], tmp_path: Path
) -> None:
    infra = tmp_path / "infra"
    shutil.copytree(rendered["aws"] / "infra", infra)
    (infra / "broken.tf").write_text('resource "aws_s3_bucket" "b" {\n', encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, str(rendered["aws"] / "scripts" / "check_terraform.py"), str(infra)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1
    assert f"{infra / 'broken.tf'}: UnexpectedToken" in completed.stderr
    assert "1 of 6 Terraform files do not parse" in completed.stderr


@pytest.mark.parametrize("cloud", CLOUDS)
def test_versions_tf_pins_terraform_and_every_provider(
    rendered: dict[str, Path], cloud: str
) -> None:
    (terraform,) = load_tf(rendered[cloud] / "infra" / "versions.tf")["terraform"]
    assert re.fullmatch(r">= 1\.\d+\.\d+, < 2\.0\.0", terraform["required_version"])
    (providers,) = terraform["required_providers"]
    assert providers, "no provider is pinned"
    for name, spec in providers.items():
        assert spec["source"] == f"hashicorp/{name}"
        assert re.fullmatch(r"~> \d+\.\d+", spec["version"]), (name, spec["version"])


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_variable_and_output_is_documented(rendered: dict[str, Path], cloud: str) -> None:
    infra = rendered[cloud] / "infra"
    variables = blocks(infra / "variables.tf", "variable")
    outputs = blocks(infra / "outputs.tf", "output")
    assert {"github_repository", "ci_branch", "ci_environments"} <= set(variables)
    for name, spec in {**variables, **outputs}.items():
        assert len(str(spec.get("description", ""))) > 10, f"{name} has no description"
    assert "dvc_remote_url" in outputs
    # The answers reach Terraform as defaults: the trust names this project's repository.
    assert variables["github_repository"]["default"] == "example-org/ml-project"


@pytest.mark.parametrize("cloud", CLOUDS)
def test_no_static_credentials_anywhere(rendered: dict[str, Path], cloud: str) -> None:
    infra = rendered[cloud] / "infra"
    for path in infra.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not CREDENTIAL_ATTRIBUTE.findall(text), f"{path.name} assigns a credential"
        for resource in CREDENTIAL_RESOURCES:
            assert f'"{resource}"' not in text, f"{path.name} declares {resource}"


@pytest.mark.parametrize("cloud", CLOUDS)
def test_ci_identity_trusts_only_this_repository_on_main(
    rendered: dict[str, Path], cloud: str
) -> None:
    text = (rendered[cloud] / "infra" / "ci_identity.tf").read_text(encoding="utf-8")
    assert "https://token.actions.githubusercontent.com" in text or "token.actions" in text
    if cloud == "aws":
        assert '"token.actions.githubusercontent.com:sub" = local.ci_subjects' in text
        assert '"token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"' in text
        assert '"repo:${var.github_repository}:ref:refs/heads/${var.ci_branch}"' in text
    elif cloud == "gcp":
        assert (
            "assertion.sub == 'repo:${local.github_owner}/${local.github_name}"
            ":ref:refs/heads/${var.ci_branch}'" in text
        )
        assert 'role   = "roles/storage.objectAdmin"' in text
        assert "google_storage_bucket_iam_member" in text  # on the bucket, not the project
    else:
        assert "subject                   = each.value" in text
        assert 'role_definition_name = "Storage Blob Data Contributor"' in text
        assert "scope                = azurerm_storage_container.dvc.id" in text


@pytest.mark.parametrize("cloud", CLOUDS)
def test_terraform_fmt_is_clean_when_terraform_is_installed(
    rendered: dict[str, Path], cloud: str
) -> None:
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("no terraform binary on this machine (the static checks above still ran)")
    completed = subprocess.run(
        [terraform, "fmt", "-check", "-diff", "-recursive", "infra"],
        cwd=rendered[cloud],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout


@pytest.fixture(scope="session")
def checkov_report(rendered: dict[str, Path]) -> dict[str, Any]:
    """One run of the pinned checkov over every rendered project (one start-up, not three)."""
    version = checkov_version(rendered["aws"])
    parent = rendered["aws"].parent
    command = ["uvx", "--from", f"checkov=={version}", "checkov", "--skip-download"]
    command += ["--directory", str(parent), "--framework", "terraform", "--output", "json"]
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.stdout.startswith("{"), completed.stderr[-2000:]
    report: dict[str, Any] = json.loads(completed.stdout)
    return report


@pytest.mark.slow
@pytest.mark.parametrize("cloud", CLOUDS)
def test_checkov_reports_no_failed_check_and_every_skip_has_a_reason(
    rendered: dict[str, Path], checkov_report: dict[str, Any], cloud: str
) -> None:
    infra = rendered[cloud] / "infra"
    results = checkov_report["results"]
    assert checkov_report["summary"]["parsing_errors"] == 0

    def mine(kind: str) -> list[dict[str, Any]]:
        return [
            c for c in results[kind] if Path(c["file_abs_path"]).resolve().parent == infra.resolve()
        ]

    failed = [(c["check_id"], c["resource"]) for c in mine("failed_checks")]
    assert failed == []
    assert len(mine("passed_checks")) > 10
    skipped = mine("skipped_checks")
    for check in skipped:
        reason = check["check_result"].get("suppress_comment", "")
        assert len(reason) > 30, f"{check['check_id']} is skipped without a real reason"
    comments = [
        SKIP_COMMENT.search(line)
        for path in infra.glob("*.tf")
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    assert len([c for c in comments if c]) == len(skipped), "a skip comment matched no check"


def dvc_remote(project: Path) -> dict[str, str]:
    """The default remote's settings in the project's .dvc/config."""
    parser = configparser.ConfigParser()
    parser.read(project / ".dvc" / "config", encoding="utf-8")
    name = parser["core"]["remote"]
    return dict(parser[f"'remote \"{name}\"'"])


@pytest.mark.parametrize("cloud", CLOUDS)
def test_dvc_remote_points_at_the_bucket_terraform_creates(
    rendered: dict[str, Path], cloud: str
) -> None:
    variables = blocks(rendered[cloud] / "infra" / "variables.tf", "variable")
    remote = dvc_remote(rendered[cloud])
    if cloud == "azure":
        assert remote["url"] == f"azure://{variables['container_name']['default']}/dvc"
        assert remote["account_name"] == variables["storage_account_name"]["default"]
    else:
        scheme = {"aws": "s3", "gcp": "gs"}[cloud]
        assert remote["url"] == f"{scheme}://{variables['bucket_name']['default']}/dvc"


def test_cloud_none_keeps_the_local_remote(rendered: dict[str, Path]) -> None:
    assert "://" not in dvc_remote(rendered["none"])["url"]
