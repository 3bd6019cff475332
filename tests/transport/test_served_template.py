"""Every command against a template served over git's smart HTTP protocol, as from a forge.

The template and the fleet's repositories are bare repositories behind `git http-backend`
on 127.0.0.1: tesler, Copier and uv get their URLs only, never a path on disk, and update
branches are pushed back over the same transport. End-to-end (every command through a
served URL), so marked slow: CI runs them, the inner loop does not.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import git, tesler
from tests.support.git_http import GitHttpServer
from tests.update.conftest import V2_SECTION, commit, release_template

pytestmark = pytest.mark.slow
ANSWERS = ".copier-answers.yml"


@pytest.fixture(scope="module")
def releases_url(
    git_server: GitHttpServer, template_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """The template with releases v0.1.0 and v0.2.0, served; its working copy is deleted."""
    work = release_template(template_repo, tmp_path_factory.mktemp("releases") / "template")
    url = git_server.publish(work, "releases")
    shutil.rmtree(work)
    return url


def _copier(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    copier = shutil.which("copier", path=str(Path(sys.executable).parent))
    assert copier, "copier is a dependency of tesler and must be installed beside it"
    return subprocess.run(
        [copier, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=600
    )


def _new(url: str, destination: Path, version: str, *extra: str) -> Path:
    code = tesler(
        "new", str(destination), "--template", url, "--vcs-ref", version,
        "--defaults", "--no-setup", *extra,
    )  # fmt: skip
    assert code == 0, f"tesler new from {url} at {version} exited {code}"
    git(destination, "init", "--quiet", "--initial-branch=main")
    commit(destination, f"generate at {version}")
    return destination


def _answers(project: Path) -> dict[str, object]:
    loaded = yaml.safe_load((project / ANSWERS).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_new_without_template_renders_and_records_the_configured_url(
    default_template: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = tesler("new", str(tmp_path / "p"), "--defaults", "--no-setup")
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert _answers(tmp_path / "p")["_src_path"] == default_template
    assert default_template in captured.out
    assert "warning" not in captured.err


def test_new_from_a_served_template_checks_data_names_before_rendering(
    served_template: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = tesler(
        "new", str(tmp_path / "p"), "--template", served_template, "--defaults", "--no-setup",
        "--data", "licence=MIT",
    )  # fmt: skip
    stderr = " ".join(capsys.readouterr().err.split())
    assert code == 1
    assert "answer licence='MIT' is invalid: the template has no such question" in stderr
    assert "license" in stderr  # the fix lists the questions, the right spelling among them
    assert list(tmp_path.iterdir()) == []


def test_new_at_a_missing_ref_names_the_ref_and_no_answers_file(
    releases_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = tesler(
        "new", str(tmp_path / "p"), "--template", releases_url, "--vcs-ref", "v9.9.9",
        "--defaults", "--no-setup",
    )  # fmt: skip
    stderr = " ".join(capsys.readouterr().err.split())
    assert code == 1
    assert "has no ref 'v9.9.9' (releases: v0.1.0, v0.2.0)" in stderr
    assert "pass --vcs-ref with one of the releases" in stderr
    assert ANSWERS not in stderr
    assert "_commit" not in stderr
    assert list(tmp_path.iterdir()) == []


def test_new_from_a_local_path_says_what_will_not_work_elsewhere(
    template_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = tesler(
        "new", str(tmp_path / "p"), "--template", str(template_repo), "--vcs-ref", "HEAD",
        "--defaults", "--no-setup",
    )  # fmt: skip
    stderr = " ".join(capsys.readouterr().err.split())
    assert code == 0
    assert f"warning: the project records the template as the local path {template_repo}" in stderr
    assert "make template-check" in stderr
    assert "tesler fleet apply" in stderr


def test_plain_copier_copies_and_updates_from_the_served_template(
    releases_url: str, tmp_path: Path
) -> None:
    copied = _copier("copy", "--defaults", "--vcs-ref", "v0.1.0", releases_url, "p", cwd=tmp_path)
    assert copied.returncode == 0, copied.stderr
    project = tmp_path / "p"
    assert _answers(project)["_src_path"] == releases_url
    git(project, "init", "--quiet", "--initial-branch=main")
    commit(project, "generate at v0.1.0")

    updated = _copier("update", "--defaults", "--vcs-ref", "v0.2.0", cwd=project)
    assert updated.returncode == 0, updated.stderr
    assert _answers(project)["_commit"] == "v0.2.0"
    assert V2_SECTION.strip() in (project / "docs" / "runbook.md").read_text(encoding="utf-8")


def test_check_and_update_read_the_served_template(
    releases_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _new(releases_url, tmp_path / "p", "v0.1.0")
    capsys.readouterr()

    assert tesler("check", str(project), "--json") == 4
    report = json.loads(capsys.readouterr().out)
    assert report["latest"] == "v0.2.0"
    assert [finding["check"] for finding in report["findings"]] == ["behind"]

    assert tesler("update", str(project), "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "updated"
    assert result["branch"] == "template-update/v0.2.0"

    git(project, "checkout", "--quiet", "template-update/v0.2.0")
    assert tesler("check", str(project)) == 0
    assert "ok" in capsys.readouterr().out


def test_adopt_renders_the_served_template_and_records_its_url(
    releases_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repository = tmp_path / "hand-made"
    repository.mkdir()
    (repository / "README.md").write_text("# Hand made\n", encoding="utf-8")
    git(repository, "init", "--quiet", "--initial-branch=main")
    commit(repository, "hand-made")
    capsys.readouterr()

    code = tesler(
        "adopt", str(repository), "--template", releases_url, "--json",
        "--data", "project_name=hand-made", "--data", "licence=MIT",
    )  # fmt: skip
    assert code == 1  # the remote template's questions are known: a typo is an error
    assert "no such question" in capsys.readouterr().err

    code = tesler(
        "adopt", str(repository), "--template", releases_url, "--json",
        "--data", "project_name=hand-made",
    )  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["version"] == "v0.2.0"
    answers = yaml.safe_load(git(repository, "show", f"template-adopt:{ANSWERS}"))
    assert answers["_src_path"] == releases_url


def test_fleet_plans_and_applies_against_served_repositories(
    releases_url: str, git_server: GitHttpServer, tmp_path: Path
) -> None:
    remotes = {}
    for name in ("alpha", "beta"):
        project = _new(releases_url, tmp_path / name, "v0.1.0", "--data", f"project_name={name}")
        remotes[name] = git_server.create(f"fleet-{name}")
        git(project, "push", "--quiet", remotes[name], "main")
        shutil.rmtree(project)
    listing = "".join(
        f"  - name: {name}\n    remote: {url}\n    version: v0.2.0\n"
        for name, url in remotes.items()
    )
    manifest = tmp_path / "fleet.yml"
    manifest.write_text(
        f"template: {releases_url}\nsettings:\n  jobs: 2\nrepositories:\n{listing}",
        encoding="utf-8",
    )

    plan_report = tmp_path / "plan.json"
    assert tesler("fleet", "plan", str(manifest), "--json", "-o", str(plan_report)) == 0
    rows = json.loads(plan_report.read_text(encoding="utf-8"))["rows"]
    assert {(row["name"], row["action"], row["current"]) for row in rows} == {
        ("alpha", "update", "v0.1.0"),
        ("beta", "update", "v0.1.0"),
    }

    pushes_before = git_server.requests.count(("POST", "/fleet-alpha.git/git-receive-pack"))
    apply_report = tmp_path / "apply.json"
    assert tesler("fleet", "apply", str(manifest), "--json", "-o", str(apply_report)) == 0
    rows = json.loads(apply_report.read_text(encoding="utf-8"))["rows"]
    assert {(row["name"], row["outcome"], row["pushed"]) for row in rows} == {
        ("alpha", "updated", True),
        ("beta", "updated", True),
    }
    assert git_server.requests.count(("POST", "/fleet-alpha.git/git-receive-pack")) > pushes_before
    heads = git(tmp_path, "ls-remote", "--heads", remotes["alpha"])
    assert "refs/heads/template-update/v0.2.0" in heads


def test_a_project_copied_from_a_relative_path_checks_and_updates_cleanly(
    releases_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`copier copy ../tpl proj` records `../tpl`; tesler resolves it where Copier does."""
    git(tmp_path, "clone", "--quiet", releases_url, "tpl")
    here = tmp_path / "here"
    here.mkdir()
    copied = _copier("copy", "--defaults", "--vcs-ref", "v0.1.0", "../tpl", "proj", cwd=here)
    assert copied.returncode == 0, copied.stderr
    project = here / "proj"
    assert _answers(project)["_src_path"] == "../tpl"
    git(project, "init", "--quiet", "--initial-branch=main")
    commit(project, "generate at v0.1.0")
    monkeypatch.chdir(here)

    assert tesler("check", "proj", "--only", "answers", "--only", "edited") == 0
    assert tesler("check", "proj", "--only", "behind") == 4
    assert tesler("update", "proj") == 0
    git(project, "checkout", "--quiet", "template-update/v0.2.0")
    assert _answers(project)["_src_path"] == "../tpl"
    assert tesler("check", "proj") == 0
