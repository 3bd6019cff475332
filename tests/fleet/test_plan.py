"""`tesler fleet plan`: reads every remote, never writes, and says why a repository is blocked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tesler.fleet.manifest import load_manifest
from tesler.fleet.plan import plan_fleet
from tests.conftest import git, tesler
from tests.fleet.conftest import Fleet, commit_all, make_fleet, standard_manifest
from tests.test_hostile_yaml import ALIAS_BOMB


@pytest.fixture(scope="module")
def fleet(
    tmp_path_factory: pytest.TempPathFactory, template_history: Path, sources: dict[str, Path]
) -> Fleet:
    return make_fleet(tmp_path_factory.mktemp("plan"), template_history, sources)


@pytest.fixture(scope="module")
def manifest(fleet: Fleet) -> Path:
    # Each entry is its own repository: a manifest may not list one remote twice.
    copies = {"pinned": "current", "edge": "clean", "retuned": "current"}
    for name, source in copies.items():
        remote = fleet.root / "remotes" / f"{name}.git"
        git(fleet.root, "clone", "--quiet", "--bare", str(fleet.remotes[source]), str(remote))
    pinned = f"  - name: pinned\n    remote: {fleet.root}/remotes/pinned.git\n    version: v0.1.0\n"
    edge = f"  - name: edge\n    remote: {fleet.root}/remotes/edge.git\n    channel: edge\n"
    retuned = (
        f"  - name: retuned\n    remote: {fleet.root}/remotes/retuned.git\n    channel: stable\n"
        "    data:\n      coverage_floor: 95\n"
    )
    return fleet.manifest(standard_manifest(fleet) + pinned + edge + retuned)


def plan_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    capsys.readouterr()
    code = tesler("fleet", "plan", *argv, "--json")
    return code, json.loads(capsys.readouterr().out)


def rows_by_name(report: dict[str, object]) -> dict[str, dict[str, object]]:
    rows = report["rows"]
    assert isinstance(rows, list)
    return {row["name"]: row for row in rows}


def test_plan_reports_action_and_reason_for_every_repository(
    manifest: Path, fleet: Fleet, capsys: pytest.CaptureFixture[str]
) -> None:
    before = fleet.all_refs()
    code, report = plan_json(capsys, str(manifest))
    rows = rows_by_name(report)
    assert code == 1  # some repositories are blocked
    assert {name: row["action"] for name, row in rows.items()} == {
        "clean": "update",
        "edited": "update",
        "conflicted": "update",
        "current": "up-to-date",
        "invalid": "blocked",
        "unanswered": "blocked",
        "unreachable": "blocked",
        "pinned": "blocked",
        "edge": "update",
        "retuned": "update",
    }
    assert rows["clean"]["current"] == "v0.1.0"
    assert rows["clean"]["target"] == "v0.2.0"
    assert rows["clean"]["behind"] == 1
    assert rows["clean"]["update_branch"] == "template-update/v0.2.0"
    assert rows["current"]["behind"] == 0
    assert "not valid YAML" in str(rows["invalid"]["reason"])
    assert ".copier-answers.yml" in str(rows["unanswered"]["reason"])
    assert "unreachable" in str(rows["unreachable"]["reason"])
    assert "pinned ahead" in str(rows["pinned"]["reason"])
    assert str(rows["edge"]["target"]).startswith("v0.2.0-1-g")
    assert rows["retuned"]["behind"] == 0  # same version, but a declared answer differs
    assert rows["retuned"]["answer_changes"] == ["coverage_floor: 90 -> 95"]
    assert fleet.all_refs() == before  # plan only reads


def test_plan_table_names_blocked_reasons(
    manifest: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert tesler("fleet", "plan", str(manifest)) == 1
    printed = capsys.readouterr().out
    assert "clean" in printed
    assert "pinned ahead" in printed
    assert "blocked" in printed
    assert "answers coverage_floor: 90 -> 95" in printed


def test_an_alias_bomb_in_a_repositorys_answers_file_blocks_that_repository_only(
    fresh_fleet: Fleet, sources: dict[str, Path], tmp_path: Path
) -> None:
    work = tmp_path / "bomb"
    git(tmp_path, "clone", "--quiet", str(sources["current"]), str(work))
    (work / ".copier-answers.yml").write_text(ALIAS_BOMB, encoding="utf-8")
    commit_all(work, "an answers file that expands to 387 million strings")
    remote = fresh_fleet.root / "remotes" / "bomb.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(work), str(remote))
    path = fresh_fleet.manifest(
        f"template: {fresh_fleet.template}\nchannels:\n  stable: v0.2.0\nrepositories:\n"
        f"  - name: bomb\n    remote: {remote}\n    channel: stable\n"
        f"  - name: current\n    remote: {fresh_fleet.remotes['current']}\n    channel: stable\n"
    )
    report = plan_fleet(load_manifest(path))
    rows = {row.name: row for row in report.rows}
    assert rows["bomb"].action == "blocked"
    # Copier never writes aliases: the first one (line 2) refuses the file, nothing expands.
    assert rows["bomb"].reason == "invalid answers file: YAML aliases are not allowed (line 2)"
    assert rows["current"].action == "up-to-date"
