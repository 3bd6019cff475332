"""`tesler new` rejects bad input with exit 1, a message naming the field, and no DEST."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import git, tesler


@pytest.mark.parametrize(
    ("answer", "field", "words"),
    [
        ("package_name=class", "package_name", "keyword"),
        ("package_name=json", "package_name", "standard-library"),
        ("package_name=Churn-Model", "package_name", "lowercase Python identifier"),
        ("package_name=pandas", "package_name", "shadows a package"),
        ("project_name=9lives", "project_name", "starting with a letter"),
        ("coverage_floor=101", "coverage_floor", "0 to 100"),
        ("coverage_floor=-1", "coverage_floor", "0 to 100"),
        ("coverage_floor=lots", "coverage_floor", "whole number"),
        ("author_email=nobody", "author_email", "e-mail"),
        ("python_version=3.9", "python_version", "3.11, 3.12, 3.13"),
        ("task=clustering", "task", "classification, regression"),
        ("licence=MIT", "licence", "no such question"),
        ("description=", "description", "empty"),
        ("project_name=churn\n", "project_name", "control characters"),
        ("author_name=Team \x1b[31m", "author_name", "control characters"),
        # A byte that is not UTF-8 on the command line (`printf 'a\xffb'`) arrives as a lone
        # surrogate: it once failed the render with an error about the template.
        ("description=a\udcffb", "description", "not UTF-8"),
        ("github_repository=org/churn ", "github_repository", "leading or trailing spaces"),
    ],
)
def test_bad_answer_exits_1_names_the_field_and_leaves_no_destination(
    template_repo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    answer: str,
    field: str,
    words: str,
) -> None:
    destination = tmp_path / "project"
    code = tesler(
        "new",
        str(destination),
        "--template",
        str(template_repo),
        "--vcs-ref",
        "HEAD",
        "--defaults",
        "--no-setup",
        "--data",
        answer,
    )
    stderr = capsys.readouterr().err
    assert code == 1
    assert f"answer {field}=" in stderr
    assert words in " ".join(stderr.split())
    assert "fix:" in stderr
    assert "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []


def test_non_empty_destination_is_refused_and_left_as_it_was(
    template_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    destination = tmp_path / "project"
    destination.mkdir()
    (destination / "notes.txt").write_text("mine\n")
    code = tesler(
        "new", str(destination), "--template", str(template_repo), "--defaults", "--no-setup"
    )
    assert code == 1
    assert "exists and is not empty" in capsys.readouterr().err
    assert [p.name for p in destination.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]


def test_dirty_template_at_head_is_refused_unless_allowed(
    template_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dirty = tmp_path / "dirty-template"
    git(tmp_path, "clone", "--quiet", str(template_repo), str(dirty))
    (dirty / "template" / "EXTRA.md").write_text("uncommitted\n")
    destination = tmp_path / "project"

    refused = tesler(
        "new",
        str(destination),
        "--template",
        str(dirty),
        "--vcs-ref",
        "HEAD",
        "--defaults",
        "--no-setup",
    )
    assert refused == 1
    assert "uncommitted changes (template/EXTRA.md)" in capsys.readouterr().err
    assert not destination.exists()

    allowed = tesler(
        "new",
        str(destination),
        "--template",
        str(dirty),
        "--vcs-ref",
        "HEAD",
        "--defaults",
        "--no-setup",
        "--allow-dirty-template",
    )
    assert allowed == 0
    assert (destination / "EXTRA.md").is_file()


def test_template_without_copier_yml_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = tesler("new", str(tmp_path / "project"), "--template", str(tmp_path), "--defaults")
    assert code == 1
    assert "not a tesler template" in capsys.readouterr().err


def test_missing_destination_argument_is_a_usage_error() -> None:
    assert tesler("new") == 2


def test_answers_are_checked_against_the_questions_of_the_requested_version(
    template_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = tmp_path / "template"
    git(tmp_path, "clone", "--quiet", str(template_repo), str(template))
    git(template, "tag", "v0.1.0")
    with (template / "copier.yml").open("a") as config:
        config.write("\nteam_channel:\n  type: str\n  help: Chat channel.\n  default: ml\n")
    git(template, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "ask channel")

    old = tesler("new", str(tmp_path / "old"), "--template", str(template), "--vcs-ref", "v0.1.0",
                 "--defaults", "--no-setup", "--data", "team_channel=ops")  # fmt: skip
    assert old == 1
    assert "team_channel" in capsys.readouterr().err
    assert not (tmp_path / "old").exists()

    new = tesler("new", str(tmp_path / "new"), "--template", str(template), "--vcs-ref", "HEAD",
                 "--defaults", "--no-setup", "--data", "team_channel=ops")  # fmt: skip
    assert new == 0


@pytest.mark.parametrize(
    ("answers", "field", "words"),
    [
        (["dataset=file", "target=churned"], "data_path", "empty"),
        (["dataset=file", "data_path=sales.xlsx", "target=churned"], "data_path", "CSV or Parquet"),
        (["dataset=file", "data_path=-rf.csv", "target=churned"], "data_path", "starts with '-'"),
        (["dataset=file", "data_path=gone.csv", "target=churned"], "data_path", "does not exist"),
        (["dataset=file", "data_path=DATA", "target="], "target", "empty"),
        (["dataset=wine", "task=regression"], "dataset", "classification dataset"),
        (["dataset=iris"], "dataset", "breast_cancer, diabetes, wine, file"),
        (["dataset=file", "data_path=a\nb.csv", "target=churned"], "data_path", "control"),
        (["dataset=file", "data_path=DATA", "target=churned\x1b[2J"], "target", "control"),
    ],
)
def test_bad_data_answers_exit_1_name_the_question_and_leave_nothing(
    template_repo: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    answers: list[str],
    field: str,
    words: str,
) -> None:
    data = tmp_path_factory.mktemp("data") / "churn.csv"
    data.write_text("tenure,churned\n1,yes\n2,no\n", encoding="utf-8")
    parent = tmp_path_factory.mktemp("parent")
    pairs = [item for answer in answers for item in ("--data", answer.replace("DATA", str(data)))]
    code = tesler(
        "new",
        str(parent / "project"),
        "--template",
        str(template_repo),
        "--vcs-ref",
        "HEAD",
        "--defaults",
        *pairs,
    )
    stderr = " ".join(capsys.readouterr().err.split())
    assert code == 1
    assert f"answer {field}=" in stderr
    assert words in stderr
    assert "fix:" in stderr
    assert "Traceback" not in stderr
    assert list(parent.iterdir()) == []


def _new(template: Path, destination: Path | str, *data: str) -> int:
    extra = [item for answer in data for item in ("--data", answer)]
    return tesler("new", str(destination), "--template", str(template), "--vcs-ref", "HEAD",
                  "--defaults", "--no-setup", *extra)  # fmt: skip


def test_a_rejected_answer_leaves_no_parent_folder_it_created(
    template_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _new(template_repo, tmp_path / "a" / "b" / "project", "package_name=class") == 1
    assert "answer package_name=" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_destination_under_a_regular_file_is_an_error_naming_it(
    template_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    assert _new(template_repo, tmp_path / "notes.txt" / "sub" / "project") == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"destination {tmp_path}/notes.txt/sub/project:" in err
    assert f"{tmp_path}/notes.txt is a file, so no folder can be made under it" in err
    assert "fix: choose a path whose parent folders are directories" in err
    assert "Traceback" not in err
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]


def test_a_destination_under_proc_is_an_error_naming_it(
    template_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _new(template_repo, "/proc/tesler-test/project") == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "destination /proc/tesler-test/project: cannot create it:" in err
    assert "fix: choose a directory on a disk you can write to" in err
    assert "Traceback" not in err
    assert not Path("/proc/tesler-test").exists()


def test_a_destination_inside_the_template_checkout_is_refused(
    template_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _new(template_repo, template_repo / "generated" / "project") == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"it is inside the template checkout {template_repo}" in err
    assert f"fix: choose a directory outside it, e.g. {template_repo.parent}/project" in err
    assert git(template_repo, "status", "--porcelain", "--ignored") == ""


def _can_mount_read_only() -> bool:
    probe = ["unshare", "--user", "--map-root-user", "--mount", "true"]
    try:
        return subprocess.run(probe, capture_output=True, check=False).returncode == 0
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not _can_mount_read_only(), reason="needs unshare (user and mount namespaces)")
def test_a_destination_on_a_read_only_file_system_is_an_error_naming_it(
    template_repo: Path, tmp_path: Path
) -> None:
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    # A private mount namespace: a read-only tmpfs over `read-only`, seen by this command only.
    script = (
        f"mount -t tmpfs -o ro none {read_only} && exec {sys.executable} -c "
        f"'from tesler.cli import run; run()' new {read_only}/sub/project "
        f"--template {template_repo} --vcs-ref HEAD --defaults --no-setup"
    )
    completed = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
        capture_output=True,
        text=True,
        check=False,
    )
    err = " ".join(completed.stderr.split())
    assert completed.returncode == 1, completed.stderr
    assert f"destination {read_only}/sub/project: {read_only} is not writable" in err
    assert "read-only file system" in err
    assert "fix: choose a directory on a disk you can write to" in err
    assert "Traceback" not in err
    assert list(read_only.iterdir()) == []  # nothing reached the real directory either
