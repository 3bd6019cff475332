"""Ownership, declared once: the team's files are never touched by an update nor reported by check.

`copier.yml` lists the project-owned files (`_skip_if_exists`); the generated docs/data.md shows the
same table; `tesler check` and `tesler update` read the declaration. Every other file is
template-owned, generic machinery that names no column of any dataset.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from tesler.ownership import Ownership
from tests.conftest import REPO_ROOT, git, tesler

IDENTITY = ("-c", "user.name=tester", "-c", "user.email=tester@example.com")
DEMOS = ("breast_cancer", "diabetes", "wine")
# Words a dataset uses as column names that are also ordinary words of the machinery's docs.
GENERIC_WORDS = frozenset({"target", "s3"})  # s3: also Amazon S3


def ownership(package: str = "ml_project") -> Ownership:
    """copier.yml's `_skip_if_exists`, rendered and matched as Copier and tesler check do."""
    config = yaml.safe_load((REPO_ROOT / "copier.yml").read_text(encoding="utf-8"))
    return Ownership([str(item) for item in config["_skip_if_exists"]], {"package_name": package})


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "--all")
    git(repo, *IDENTITY, "commit", "--quiet", "--no-verify", "-m", message)


def render(template: Path, destination: Path, *data: str, ref: str = "HEAD") -> Path:
    extra = [item for pair in data for item in ("--data", pair)]
    code = tesler(
        "new",
        str(destination),
        "--template",
        str(template),
        "--vcs-ref",
        ref,
        "--defaults",
        "--no-setup",
        *extra,
    )
    assert code == 0, f"tesler new failed with exit {code}"
    return destination


@pytest.fixture(scope="module")
def demo_projects(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One rendering per demo dataset, with the service and a cloud, so every file is rendered."""
    parent = tmp_path_factory.mktemp("demos")
    return {
        name: render(
            template_repo, parent / name, f"dataset={name}", "serving=fastapi", "cloud=aws"
        )
        for name in DEMOS
    }


def bundled_columns(projects: dict[str, Path]) -> set[str]:
    """Every column name of every demo dataset: the contract's and the source's own spellings."""
    names: set[str] = set()
    for project in projects.values():
        contract = yaml.safe_load((project / "contract.yaml").read_text(encoding="utf-8"))
        names |= set(contract["columns"]) | {contract["target"]["column"]}
        rename = contract["source"].get("rename", {})
        names |= set(rename) | set(rename.values())
    return names - GENERIC_WORDS


def test_the_docs_table_lists_exactly_the_project_owned_files(
    demo_projects: dict[str, Path],
) -> None:
    page = (demo_projects["breast_cancer"] / "docs" / "data.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([^`]+)` \| (project|template) \|", page, flags=re.MULTILINE)
    documented = sorted(path for path, owner in rows if owner == "project")
    assert documented == sorted(pattern.lstrip("/") for pattern in ownership().patterns)


def test_no_template_owned_file_names_a_column_of_a_bundled_dataset(
    demo_projects: dict[str, Path],
) -> None:
    columns = bundled_columns(demo_projects)
    assert {"mean_radius", "bmi", "s5", "alcohol", "proline"} <= columns
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, columns))) + r")\b")
    owned = ownership()
    found = []
    for project in demo_projects.values():
        for path in sorted(project.rglob("*")):
            relative = path.relative_to(project).as_posix()
            if not path.is_file() or owned.is_project_owned(relative):
                continue
            if relative == ".copier-answers.yml":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                match = pattern.search(line)
                if match:
                    found.append(f"{project.name}/{relative}:{number}: {match.group(0)}")
    assert found == [], "template-owned lines naming a dataset column:\n" + "\n".join(found)


@pytest.fixture(scope="module")
def two_releases(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template at v0.1.0, then v0.2.0 changing a project-owned and a template-owned file."""
    template = tmp_path_factory.mktemp("owned") / "template"
    shutil.copytree(template_repo, template)
    git(template, "tag", "v0.1.0")
    for name in ("template/params.yaml.jinja", "template/docs/runbook.md.jinja"):
        file = template / name
        file.write_text(file.read_text(encoding="utf-8") + "\n# new in v0.2.0\n", encoding="utf-8")
    commit(template, "v0.2.0: a line in params.yaml and in the runbook")
    git(template, "tag", "v0.2.0")
    return template


def edit_every_project_owned_file(project: Path) -> dict[str, str]:
    """Change each project-owned file as a team would; return what each now holds."""
    edits = {
        "params.yaml": "\n# our own tuning\n",
        "contract.yaml": "\n# our own notes on the data\n",
        "README.md": "\nOur own paragraph.\n",
        "src/ml_project/model.py": "\n# our own model\n",
        "tests/test_model.py": "\n# our own test notes\n",
    }
    for name, addition in edits.items():
        file = project / name
        file.write_text(file.read_text(encoding="utf-8") + addition, encoding="utf-8")
    (project / "tests" / "test_ours.py").write_text('"""Our own test file."""\n')
    commit(project, "our own changes")
    return {name: (project / name).read_text(encoding="utf-8") for name in edits}


def test_check_reports_no_project_owned_file_and_every_edited_template_file(
    two_releases: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = render(two_releases, tmp_path / "project", ref="v0.2.0")
    git(project, "init", "--quiet", "--initial-branch=main")
    commit(project, "generate")
    edit_every_project_owned_file(project)

    assert tesler("check", str(project)) == 0
    capsys.readouterr()

    schema = project / "src" / "ml_project" / "core" / "schema.py"
    schema.write_text(schema.read_text(encoding="utf-8") + "\n# patched here\n", encoding="utf-8")
    code = tesler("check", str(project), "--json")
    report = json.loads(capsys.readouterr().out)
    assert code == 4
    assert [finding["path"] for finding in report["findings"]] == ["src/ml_project/core/schema.py"]


def test_update_changes_template_files_and_never_a_project_owned_one(
    two_releases: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = render(two_releases, tmp_path / "project", ref="v0.1.0")
    git(project, "init", "--quiet", "--initial-branch=main")
    commit(project, "generate")
    ours = edit_every_project_owned_file(project)
    capsys.readouterr()  # what `tesler new` printed

    code = tesler("update", str(project), "--json")

    report = json.loads(capsys.readouterr().out)
    assert code == 0, report
    branch = "template-update/v0.2.0"
    for name, content in ours.items():
        assert git(project, "show", f"{branch}:{name}") == content, name
    assert "# new in v0.2.0" in git(project, "show", f"{branch}:docs/runbook.md")
    assert "# new in v0.2.0" not in git(project, "show", f"{branch}:params.yaml")


def test_project_owned_tests_are_the_top_of_tests_only() -> None:
    owned = ownership()
    assert owned.is_project_owned("tests/test_model.py")
    assert owned.is_project_owned("tests/conftest.py")
    assert owned.is_project_owned("src/ml_project/model.py")
    assert not owned.is_project_owned("tests/platform/test_schema.py")
    assert not owned.is_project_owned("src/ml_project/core/model_card.py")
    assert not owned.is_project_owned("docs/README.md")
