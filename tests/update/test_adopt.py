"""`tesler adopt`: an existing repository comes under the template on a branch, reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tesler.adopt import map_context, read_legacy_context
from tesler.questions import load_questions
from tests.conftest import REPO_ROOT, git, tesler
from tests.update.conftest import commit, snapshot_state

CRUFT = {
    "template": "https://github.com/example/cookiecutter-ml",
    "commit": "0123456789abcdef0123456789abcdef01234567",
    "context": {
        "cookiecutter": {
            "project_name": "Churn Model",
            "project_slug": "churn-model",
            "author": "Ada Lovelace",
            "email": "ada@example.com",
            "project_short_description": "Predicts churn.",
            "open_source_license": "BSD license",
            "_template": "https://github.com/example/cookiecutter-ml",
        }
    },
    "directory": None,
}


def _repository(path: Path, files: dict[str, str]) -> Path:
    path.mkdir()
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    git(path, "init", "--quiet", "--initial-branch=main")
    commit(path, "hand-made")
    return path


def _adopt(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    capsys.readouterr()
    code = tesler("adopt", *argv, "--json")
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if code == 0 else {"stderr": captured.err}


def test_adopt_a_cruft_repository_maps_its_answers_and_commits_on_a_branch(
    released_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    editorconfig = (released_template / "template" / ".editorconfig").read_text()
    project = _repository(
        tmp_path / "churn",
        {
            ".cruft.json": json.dumps(CRUFT),
            "README.md": "# Churn\n\nOur own words.\n",
            ".editorconfig": editorconfig,
            "notebooks/explore.py": "print('mine')\n",
        },
    )
    before = snapshot_state(project)

    code, report = _adopt(
        capsys, str(project), "--template", str(released_template), "--vcs-ref", "v0.2.0"
    )

    assert code == 0
    assert report["answers_from"] == ".cruft.json"
    assert report["branch"] == "template-adopt"
    answers = report["answers"]
    assert isinstance(answers, dict)
    assert answers["project_name"] == "Churn Model"
    assert answers["package_name"] == "churn_model"
    assert answers["author_name"] == "Ada Lovelace"
    assert answers["author_email"] == "ada@example.com"
    assert answers["description"] == "Predicts churn."
    assert answers["license"] == "BSD-3-Clause"
    files = report["files"]
    assert isinstance(files, list)
    status = {f["path"]: f["status"] for f in files}
    assert status["README.md"] == "would-change"
    assert status[".editorconfig"] == "identical"
    assert status[".copier-answers.yml"] == "added"
    assert "notebooks/explore.py" not in status
    assert snapshot_state(project)[:2] == before[:2]
    assert snapshot_state(project)[3] == before[3]
    assert (project / "README.md").read_text() == "# Churn\n\nOur own words.\n"
    branch_files = git(project, "ls-tree", "-r", "--name-only", "template-adopt").split()
    assert "notebooks/explore.py" in branch_files
    assert "src/churn_model/__init__.py" in branch_files
    recorded = yaml.safe_load(git(project, "show", "template-adopt:.copier-answers.yml"))
    assert recorded["_commit"] == "v0.2.0"
    message = git(project, "log", "-1", "--format=%B", "template-adopt")
    assert "Adopt the template at v0.2.0" in message
    assert "README.md" in message


def test_adopted_branch_then_checks_clean(
    released_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _repository(tmp_path / "hand", {"train.py": "print('train')\n"})
    code, _ = _adopt(
        capsys,
        str(project),
        "--template",
        str(released_template),
        "--vcs-ref",
        "v0.2.0",
        "--data",
        "project_name=hand-made",
        "--data",
        "author_name=Grace",
    )
    assert code == 0
    adopted = tmp_path / "adopted"
    git(project, "worktree", "add", "--quiet", str(adopted), "template-adopt")

    assert tesler("check", str(adopted)) == 0
    answers = yaml.safe_load((adopted / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "hand-made"
    assert answers["package_name"] == "hand_made"
    assert answers["author_name"] == "Grace"
    assert (adopted / "train.py").read_text() == "print('train')\n"


def test_adopt_dry_run_reports_and_creates_no_branch(
    released_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _repository(tmp_path / "dry", {"README.md": "# dry\n"})
    before = snapshot_state(project)
    code, report = _adopt(
        capsys,
        str(project),
        "--template",
        str(released_template),
        "--data",
        "project_name=dry",
        "--dry-run",
    )
    assert code == 0
    assert report["branch"] is None
    assert report["version"] == "v0.2.0"
    assert snapshot_state(project) == before


def test_adopt_without_any_answers_says_how_to_give_them(
    released_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _repository(tmp_path / "bare", {"README.md": "# bare\n"})
    code, report = _adopt(capsys, str(project), "--template", str(released_template))
    assert code == 1
    assert "--data project_name=" in " ".join(str(report["stderr"]).split())


def test_adopt_refuses_a_project_already_under_the_template(
    released_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _repository(
        tmp_path / "made",
        {".copier-answers.yml": f"_commit: v0.1.0\n_src_path: {released_template}\n"},
    )
    code, report = _adopt(capsys, str(project), "--template", str(released_template))
    assert code == 1
    assert "tesler update" in str(report["stderr"])


def test_cookiecutter_replay_context_maps_to_the_template_questions(tmp_path: Path) -> None:
    replay = tmp_path / "cookiecutter.json"
    replay.write_text(
        json.dumps(
            {
                "cookiecutter": {
                    "repo_name": "fraud-detector",
                    "module_name": "Fraud.Detector",
                    "full_name": "Grace Hopper",
                    "email": "grace@example.com",
                    "open_source_license": ["Not open source", "MIT"],
                    "python_version": "2.7",
                    "coverage_floor": "95",
                }
            }
        )
    )
    context = read_legacy_context(tmp_path)
    assert context is not None
    assert context.origin == "cookiecutter.json"

    answers, dropped = map_context(context.values, load_questions(REPO_ROOT))

    assert answers == {
        "project_name": "fraud-detector",
        "package_name": "fraud_detector",
        "author_name": "Grace Hopper",
        "author_email": "grace@example.com",
        "license": "Proprietary",
        "coverage_floor": 95,
    }
    assert dropped == ["python_version='2.7' (for python_version)"]
