"""`tesler update`: a branch per update, conflicts as exit 3, the user's checkout untouched."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tesler.update import update_project
from tests.conftest import git, tesler
from tests.update.conftest import (
    LOCAL_SECTION,
    README,
    V2_SECTION,
    MakeProject,
    commit,
    snapshot_state,
)


def test_clean_update_commits_one_commit_on_a_branch_and_leaves_the_checkout_untouched(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project("v0.1.0")
    head = git(project, "rev-parse", "HEAD").strip()
    before = snapshot_state(project)

    code = tesler("update", str(project))

    assert code == 0
    assert "template-update/v0.2.0" in capsys.readouterr().out
    branch_state = snapshot_state(project)
    assert branch_state[:2] == before[:2]
    assert branch_state[3] == before[3] == ""
    assert "template-update/v0.2.0" in branch_state[2]
    assert (project / "docs/runbook.md").read_text() == git(project, "show", "HEAD:docs/runbook.md")
    log = git(project, "log", "--format=%s", f"{head}..template-update/v0.2.0").splitlines()
    assert log == ["Update template from v0.1.0 to v0.2.0"]
    updated_readme = git(project, "show", "template-update/v0.2.0:docs/runbook.md")
    assert V2_SECTION.strip() in updated_readme
    answers = git(project, "show", "template-update/v0.2.0:.copier-answers.yml")
    assert "_commit: v0.2.0" in answers


def test_update_keeps_a_non_conflicting_local_edit(make_project: MakeProject) -> None:
    project = make_project("v0.1.0")
    (project / "NOTES.md").write_text("ours\n")
    commit(project, "local notes")

    result = update_project(project)

    assert result.status == "updated"
    assert result.changed_files == (".copier-answers.yml", "docs/runbook.md")
    assert git(project, "show", "template-update/v0.2.0:NOTES.md") == "ours\n"


def test_dirty_tree_is_refused_naming_the_files(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project("v0.1.0")
    (project / "docs/runbook.md").write_text("edited, not committed\n")
    (project / "scratch.txt").write_text("untracked\n")
    before = snapshot_state(project)

    code = tesler("update", str(project))

    stderr = " ".join(capsys.readouterr().err.split())
    assert code == 1
    assert "docs/runbook.md" in stderr
    assert "scratch.txt" in stderr
    assert "fix:" in stderr
    assert snapshot_state(project) == before


def test_conflicting_local_edit_exits_3_with_a_json_report_and_leaves_no_branch(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project("v0.1.0")
    readme = project / "docs/runbook.md"
    readme.write_text(readme.read_text() + LOCAL_SECTION)
    commit(project, "our news")
    before = snapshot_state(project)

    code = tesler("update", str(project), "--json")

    report = json.loads(capsys.readouterr().out)
    assert code == 3
    assert report["status"] == "conflict"
    assert report["branch"] is None
    assert report["commit"] is None
    assert report["from_version"] == "v0.1.0"
    assert report["to_version"] == "v0.2.0"
    [conflict] = report["conflicts"]
    assert conflict["path"] == "docs/runbook.md"
    assert conflict["kind"] == "marker"
    assert conflict["hunk"].startswith("<<<<<<< ")
    assert "A line the team wrote itself." in conflict["hunk"]
    assert "This section arrived with v0.2.0." in conflict["hunk"]
    assert snapshot_state(project) == before


def test_conflict_report_on_the_terminal_names_file_and_kind(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project("v0.1.0")
    readme = project / "docs/runbook.md"
    readme.write_text(readme.read_text() + LOCAL_SECTION)
    commit(project, "our news")

    code = tesler("update", str(project))

    stderr = capsys.readouterr().err
    assert code == 3
    assert "docs/runbook.md" in stderr
    assert "marker" in stderr
    assert "nothing was committed" in " ".join(stderr.split())


def test_keep_conflict_branch_commits_the_conflicted_state_and_says_so(
    make_project: MakeProject,
) -> None:
    project = make_project("v0.1.0")
    readme = project / "docs/runbook.md"
    readme.write_text(readme.read_text() + LOCAL_SECTION)
    commit(project, "our news")
    before = snapshot_state(project)

    result = update_project(project, keep_conflict_branch=True)

    assert result.status == "conflict"
    assert result.branch == "template-update/v0.2.0"
    assert "<<<<<<< " in git(project, "show", f"{result.branch}:docs/runbook.md")
    message = git(project, "log", "-1", "--format=%B", result.branch)
    assert "CONFLICTS to resolve" in message
    assert "docs/runbook.md" in message
    assert snapshot_state(project)[:2] == before[:2]
    assert snapshot_state(project)[3] == before[3]


def test_dry_run_shows_files_and_diff_and_writes_nothing(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project("v0.1.0")
    before = snapshot_state(project)
    git_dir_before = sorted(p.name for p in (project / ".git").iterdir())

    code = tesler("update", str(project), "--dry-run")

    stdout = capsys.readouterr().out
    assert code == 0
    assert "would update" in stdout
    assert "+## Template news" in stdout
    assert "docs/runbook.md" in stdout
    assert snapshot_state(project) == before
    assert sorted(p.name for p in (project / ".git").iterdir()) == git_dir_before


def test_dry_run_json_reports_planned_status_and_diff(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project("v0.1.0")

    code = tesler("update", str(project), "--dry-run", "--json")

    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["status"] == "planned"
    assert report["branch"] is None
    assert "docs/runbook.md" in report["changed_files"]
    assert "+This section arrived with v0.2.0." in report["diff"]


def test_up_to_date_project_exits_0_says_so_and_creates_nothing(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project("v0.2.0")
    before = snapshot_state(project)

    code = tesler("update", str(project))

    assert code == 0
    assert "up to date" in capsys.readouterr().out
    assert snapshot_state(project) == before


def test_update_to_an_explicit_ref_and_unknown_ref_is_an_error(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project("v0.1.0")

    assert tesler("update", str(project), "--to", "v9.9.9") == 1
    assert "v0.1.0, v0.2.0" in capsys.readouterr().err

    result = update_project(project, to_ref="v0.2.0")
    assert result.status == "updated"
    assert result.branch == "template-update/v0.2.0"


@pytest.mark.slow  # two updates
def test_rerunning_a_clean_update_reuses_its_branch(make_project: MakeProject) -> None:
    project = make_project("v0.1.0")
    first = update_project(project)
    second = update_project(project)
    assert second.commit == first.commit
    assert git(project, "branch", "--list", "template-update/*").count("template-update") == 1


def test_project_without_answers_file_points_to_adopt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(tmp_path, "init", "--quiet")
    (tmp_path / "a.txt").write_text("a\n")
    commit(tmp_path, "init")
    assert tesler("update", str(tmp_path)) == 1
    assert "tesler adopt" in capsys.readouterr().err


def _template_with_migration(source: Path, destination: Path) -> Path:
    """A template whose v0.2.0 renames NOTES.md to HISTORY.md with a `_migrations` entry."""
    shutil.copytree(source, destination)
    git(destination, "tag", "v0.1.0")
    config = destination / "copier.yml"
    migration = (
        "_migrations:\n"
        "  - version: v0.2.0\n"
        "    command: \"{{ _copier_python }} -c \\\"import pathlib; p = pathlib.Path('NOTES.md'); "
        "p.exists() and p.rename('HISTORY.md')\\\"\"\n"
    )
    config.write_text(config.read_text().replace("_exclude:", migration + "_exclude:", 1))
    readme = destination / README
    readme.write_text(readme.read_text() + V2_SECTION)
    commit(destination, "v0.2.0: notes become history (breaking)")
    git(destination, "tag", "v0.2.0")
    return destination


@pytest.mark.slow  # its own template copy, rendered and updated twice
def test_migration_is_refused_without_trust_and_runs_with_it(
    mechanics_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = _template_with_migration(mechanics_template, tmp_path / "template")
    project = tmp_path / "project"
    args = ("--template", str(template), "--vcs-ref", "v0.1.0", "--defaults", "--no-setup")
    assert tesler("new", str(project), *args) == 0
    git(project, "init", "--quiet", "--initial-branch=main")
    (project / "NOTES.md").write_text("ours\n")
    commit(project, "generate")
    capsys.readouterr()

    assert tesler("update", str(project)) == 1
    stderr = " ".join(capsys.readouterr().err.split())
    assert "migrations" in stderr
    assert "--trust" in stderr
    assert git(project, "branch", "--list", "template-update/*") == ""

    assert tesler("update", str(project), "--trust") == 0
    files = git(project, "ls-tree", "-r", "--name-only", "template-update/v0.2.0").split()
    assert "HISTORY.md" in files
    assert "NOTES.md" not in files
    assert (project / "NOTES.md").exists()


RENAME_MIGRATION = """_migrations:
  - version: v0.2.0
    when: "{{ _stage == 'before' }}"
    command:
      - "{{ _copier_python }}"
      - -c
      - |
        import pathlib, re
        answers = pathlib.Path(".copier-answers.yml")
        text = re.sub(r"^coverage_floor:", "coverage_min:", answers.read_text(), flags=re.M)
        answers.write_text(text)
"""


@pytest.mark.slow  # its own template copy
def test_renamed_question_keeps_its_answer_through_the_documented_migration(
    mechanics_template: Path, tmp_path: Path
) -> None:
    """The example of docs/releasing.md: a breaking rename shipped with a `before` migration."""
    template = tmp_path / "template"
    shutil.copytree(mechanics_template, template)
    git(template, "tag", "v0.1.0")
    project = tmp_path / "project"
    args = ("--template", str(template), "--vcs-ref", "v0.1.0", "--defaults", "--no-setup")
    assert tesler("new", str(project), *args, "--data", "coverage_floor=70") == 0
    git(project, "init", "--quiet", "--initial-branch=main")
    commit(project, "generate")
    for path in [template / "copier.yml", *(template / "template").rglob("*")]:
        if path.is_file() and "coverage_floor" in path.read_text(errors="ignore"):
            path.write_text(path.read_text().replace("coverage_floor", "coverage_min"))
    config = template / "copier.yml"
    config.write_text(config.read_text().replace("_exclude:", RENAME_MIGRATION + "_exclude:", 1))
    commit(template, "Rename coverage_floor to coverage_min (breaking)")
    git(template, "tag", "v0.2.0")

    result = update_project(project, trust=True)

    assert result.status == "updated"
    answers = git(project, "show", "template-update/v0.2.0:.copier-answers.yml")
    assert "coverage_min: 70" in answers
    assert "coverage_floor" not in answers


@pytest.mark.slow  # two updates
def test_project_in_a_subdirectory_of_a_repository_updates_there(
    released_mechanics: Path, tmp_path: Path
) -> None:
    repository = tmp_path / "monorepo"
    repository.mkdir()
    git(repository, "init", "--quiet", "--initial-branch=main")
    (repository / "ROOT.md").write_text("other teams' files\n")
    args = ("--template", str(released_mechanics), "--vcs-ref", "v0.1.0", "--defaults")
    assert tesler("new", str(repository / "svc"), *args, "--no-setup") == 0
    readme = repository / "svc" / "docs" / "runbook.md"
    readme.write_text(readme.read_text() + LOCAL_SECTION)
    commit(repository, "monorepo")

    conflicted = update_project(repository / "svc")
    assert [(c.path, c.kind) for c in conflicted.conflicts] == [("docs/runbook.md", "marker")]

    readme.write_text(readme.read_text().replace(LOCAL_SECTION, ""))
    commit(repository, "drop our news")
    result = update_project(repository / "svc")
    assert result.status == "updated"
    changed = git(repository, "diff", "--name-only", "main", "template-update/v0.2.0").split()
    assert changed == ["svc/.copier-answers.yml", "svc/docs/runbook.md"]
