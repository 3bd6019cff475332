"""The set-up's first run of the pipeline: one process when dvc.yaml is plain, `dvc repro` if not.

That the one-process run leaves what `dvc repro` would (dvc.lock, `dvc status` clean, a second
`dvc repro` running nothing) is checked on set-up projects by test_generated_project.py and
own_data/; these tests check when the set-up may take that path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import yaml

from tesler.first_run import stages_in_one_process
from tesler.project_setup import PIPELINE_IN_ONE_PROCESS, setup_steps
from tests.conftest import create_project

if TYPE_CHECKING:
    from pathlib import Path

PACKAGE = "ml_project"
TEMPLATE_STAGES = ["ingest", "validate", "featurize", "train", "evaluate", "promote"]


@pytest.fixture(scope="module")
def rendered(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A default project as the template renders it, before any set-up."""
    return create_project(template_repo, tmp_path_factory.mktemp("first-run"), "--no-setup")


def _plain_copy(rendered: Path, destination: Path) -> Path:
    """The files the decision reads, copied from `rendered`: dvc.yaml, answers, run_stages.py."""
    (destination / "src" / PACKAGE / "jobs").mkdir(parents=True)
    (destination / "src" / PACKAGE / "jobs" / "run_stages.py").touch()
    for name in ("dvc.yaml", ".copier-answers.yml"):
        (destination / name).write_bytes((rendered / name).read_bytes())
    return destination


def _stages(project: Path) -> dict[str, dict[str, object]]:
    document = yaml.safe_load((project / "dvc.yaml").read_text(encoding="utf-8"))
    stages: dict[str, dict[str, object]] = document["stages"]
    return stages


def _write_stages(project: Path, stages: dict[str, dict[str, object]]) -> None:
    document = yaml.safe_load((project / "dvc.yaml").read_text(encoding="utf-8"))
    document["stages"] = stages
    (project / "dvc.yaml").write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def test_the_templates_pipeline_runs_in_one_process_then_dvc_records_it(rendered: Path) -> None:
    assert stages_in_one_process(rendered, PACKAGE) == TEMPLATE_STAGES

    steps = {step.name: step.command for step in setup_steps(rendered)}

    assert steps[PIPELINE_IN_ONE_PROCESS] == [
        "uv", "run", "--frozen", PACKAGE, "run-stages", *TEMPLATE_STAGES,
    ]  # fmt: skip
    assert steps["dvc commit"] == ["uv", "run", "--frozen", "dvc", "commit", "--force", "--quiet"]
    assert "dvc repro" not in steps


def test_a_stage_with_a_command_of_its_own_sends_the_first_run_to_dvc_repro(
    rendered: Path, tmp_path: Path
) -> None:
    project = _plain_copy(rendered, tmp_path / "project")
    assert stages_in_one_process(project, PACKAGE) == TEMPLATE_STAGES
    stages = _stages(project)
    _write_stages(project, {**stages, "report": {"cmd": "python scripts/report.py"}})

    assert stages_in_one_process(project, PACKAGE) is None
    steps = {step.name: step.command for step in setup_steps(project)}
    assert steps["dvc repro"] == ["uv", "run", "--frozen", "dvc", "repro"]
    assert PIPELINE_IN_ONE_PROCESS not in steps


@pytest.mark.parametrize(
    "change",
    [
        "a stage listed before the stage whose output it reads",
        "a foreach stage",
        "a stage run from another folder",
        "an output that is neither a path nor a path with options",
    ],
)
def test_a_dvc_yaml_that_is_not_plain_is_left_to_dvc_repro(
    rendered: Path, tmp_path: Path, change: str
) -> None:
    project = _plain_copy(rendered, tmp_path / "project")
    stages = _stages(project)
    if change.startswith("a stage listed before"):
        stages = {"validate": stages["validate"], **stages}
    elif change == "a foreach stage":
        stages["train"] = {"foreach": [1, 2], "do": stages["train"]}
    elif change == "a stage run from another folder":
        stages["train"] = {**stages["train"], "wdir": "elsewhere"}
    else:
        stages["train"] = {**stages["train"], "outs": [["models/model.skops"]]}
    _write_stages(project, stages)

    assert stages_in_one_process(project, PACKAGE) is None


def test_a_template_without_the_run_stages_command_or_a_name_like_an_option_gets_dvc_repro(
    rendered: Path,
) -> None:
    assert stages_in_one_process(rendered, "-rf") is None
    assert stages_in_one_process(rendered, "other_package") is None
