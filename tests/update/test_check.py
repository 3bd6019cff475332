"""`tesler check`: exit 4 with reasons when behind, invalid or edited; 0 when all is fine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import REPO_ROOT, tesler
from tests.update.conftest import MakeProject


def _report(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = tesler("check", *argv, "--json")
    return code, json.loads(capsys.readouterr().out)


def test_check_passes_on_an_untouched_project_at_the_latest_release(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project("v0.2.0")
    # Files the pipeline and set-up produce are not the template's: they never count.
    (project / "uv.lock").write_text("version = 1\n")
    (project / "dvc.lock").write_text("schema: '2.0'\n")

    code = tesler("check", str(project))

    assert code == 0
    assert "ok" in capsys.readouterr().out


def test_check_exits_4_when_the_project_is_behind(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project("v0.1.0")

    code, report = _report(capsys, str(project))

    assert code == 4
    assert report["version"] == "v0.1.0"
    assert report["latest"] == "v0.2.0"
    assert report["findings"] == [
        {
            "check": "behind",
            "message": "the project is at v0.1.0, the latest release is v0.2.0; "
            "run `tesler update` to get v0.2.0",
            "path": None,
            "detail": "",
        }
    ]


def test_check_exits_4_when_an_answer_breaks_the_schema(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project("v0.2.0")
    answers_file = project / ".copier-answers.yml"
    answers = yaml.safe_load(answers_file.read_text())
    answers["coverage_floor"] = 300
    answers["licence"] = "MIT"
    answers_file.write_text(yaml.safe_dump(answers))

    code, report = _report(capsys, str(project))

    assert code == 4
    findings = report["findings"]
    assert isinstance(findings, list)
    messages = [finding["message"] for finding in findings]
    assert any(
        m.startswith("coverage_floor: 300 is greater than the maximum of 100") for m in messages
    )
    assert any("'licence'" in m for m in messages)
    assert {finding["check"] for finding in findings} == {"answers"}
    assert report["notes"] == ["edited files not compared: fix the answers first"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("project_name", "churn\n"),
        ("package_name", "churn_model\n"),
        ("github_repository", "org/churn\n"),
        ("description", "a model\rthat overwrites its line"),
        ("author_name", "Team \x1b[31m"),
        ("author_email", "team@example.com "),
    ],
)
def test_check_reports_control_characters_and_edge_spaces_in_text_answers(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str], field: str, value: str
) -> None:
    project = make_project("v0.2.0")
    answers_file = project / ".copier-answers.yml"
    answers = yaml.safe_load(answers_file.read_text())
    answers[field] = value
    answers_file.write_text(yaml.safe_dump(answers))

    code, report = _report(capsys, str(project), "--only", "answers")

    assert code == 4
    findings = report["findings"]
    assert isinstance(findings, list)
    assert findings  # one per rule broken: a trailing newline is a control character and a space
    assert {finding["check"] for finding in findings} == {"answers"}
    assert all(finding["message"].startswith(f"{field}: ") for finding in findings)


def test_check_exits_4_and_lists_template_files_edited_locally(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project("v0.2.0")
    # The runbook is the template's; README.md is the team's (project-owned): never reported.
    runbook = project / "docs" / "runbook.md"
    runbook.write_text(runbook.read_text() + "\nOur own paragraph.\n")
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nOur own paragraph.\n")
    (project / ".editorconfig").unlink()
    (project / "NOTES.md").write_text("not the template's file\n")

    code, report = _report(capsys, str(project))

    assert code == 4
    findings = report["findings"]
    assert isinstance(findings, list)
    assert [(f["check"], f["path"]) for f in findings] == [
        ("edited", ".editorconfig"),
        ("edited", "docs/runbook.md"),
    ]
    assert "+Our own paragraph." in findings[1]["detail"]
    assert "deleted" in findings[0]["message"]


def test_check_only_runs_the_chosen_checks_and_rejects_unknown_ones(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project("v0.1.0")
    (project / "docs" / "runbook.md").write_text("rewritten\n")

    code, report = _report(capsys, str(project), "--only", "edited")
    assert code == 4
    assert report["checked"] == ["edited"]
    assert report["latest"] is None

    assert tesler("check", str(project), "--only", "speed") == 2


def test_behind_check_does_not_import_copier_and_is_fast(make_project: MakeProject) -> None:
    project = make_project("v0.1.0")
    # The library call is what CI pays for "behind?"; the CLI adds Typer, Rich and the
    # pydantic that Typer imports (about 1 s here, where no bytecode is cached).
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "start = time.perf_counter()\n"
        "from tesler.check import check_project\n"
        f"result = check_project(Path({str(project)!r}), checks=['behind'])\n"
        "seconds = time.perf_counter() - start\n"
        "from tesler.cli import main\n"
        f"code = main(['check', {str(project)!r}, '--only', 'behind'])\n"
        "print(code, len(result.findings), 'copier' in sys.modules, round(seconds, 3))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    )
    code, findings, imported, seconds = completed.stdout.split()[-4:]
    assert (code, findings) == ("4", "1")
    assert imported == "False", "the behind check imported copier"
    assert float(seconds) < 1.0


@pytest.mark.usefixtures("default_template")
def test_schema_output_validates_default_answers_and_rejects_bad_ones(
    make_project: MakeProject, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project("v0.2.0")
    capsys.readouterr()
    assert tesler("schema") == 0
    schema = json.loads(capsys.readouterr().out)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())

    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(answers, schema)

    properties = schema["properties"]
    assert properties["coverage_floor"]["minimum"] == 0
    assert properties["coverage_floor"]["maximum"] == 100
    assert properties["task"]["enum"] == ["", "classification", "regression"]
    assert properties["dataset"]["enum"] == ["breast_cancer", "diabetes", "wine", "file"]
    assert "package_name" in schema["required"]
    for bad in ({"coverage_floor": 300}, {"task": "clustering"}, {"package_name": "json"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**answers, **bad}, schema)

    output = tmp_path / "answers.schema.json"
    assert tesler("schema", "--output", str(output)) == 0
    assert json.loads(output.read_text()) == schema
