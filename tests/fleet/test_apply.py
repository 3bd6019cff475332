"""`tesler fleet apply`: temporary clones, pushed branches, loud conflicts, idle reruns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import tesler
from tests.fleet.conftest import Fleet, make_fleet, standard_manifest

BRANCH = "template-update/v0.2.0"


@pytest.fixture(scope="module")
def fleet(
    tmp_path_factory: pytest.TempPathFactory, template_history: Path, sources: dict[str, Path]
) -> Fleet:
    return make_fleet(tmp_path_factory.mktemp("apply"), template_history, sources)


@pytest.fixture(scope="module")
def first_apply(fleet: Fleet) -> tuple[int, dict[str, dict[str, object]], dict[str, str]]:
    """Apply the standard manifest once: exit code, rows by name, and the remotes' refs before."""
    manifest = fleet.manifest(standard_manifest(fleet))
    before = fleet.all_refs()
    report = fleet.root / "apply.json"
    code = tesler("fleet", "apply", str(manifest), "--json", "--output", str(report))
    rows = {row["name"]: row for row in json.loads(report.read_text())["rows"]}
    return code, rows, before


def test_apply_exits_3_and_lists_the_conflict(
    first_apply: tuple[int, dict[str, dict[str, object]], dict[str, str]],
) -> None:
    code, rows, _ = first_apply
    assert code == 3
    conflicted = rows["conflicted"]
    assert conflicted["outcome"] == "conflict"
    conflicts = conflicted["conflicts"]
    assert isinstance(conflicts, list)
    assert [c["path"] for c in conflicts] == ["docs/runbook.md"]
    assert "fleet line two" in conflicts[0]["hunk"]


def test_apply_pushes_update_branches_and_others_keep_going(
    first_apply: tuple[int, dict[str, dict[str, object]], dict[str, str]], fleet: Fleet
) -> None:
    _, rows, before = first_apply
    assert {name: row["outcome"] for name, row in rows.items()} == {
        "clean": "updated",
        "edited": "updated",
        "conflicted": "conflict",
        "current": "up-to-date",
        "invalid": "blocked",
        "unanswered": "blocked",
        "unreachable": "blocked",
    }
    for name in ("clean", "edited"):
        heads = fleet.heads(name)
        assert heads["main"] == before[f"{name}:refs/heads/main"]  # the base is untouched
        assert heads[BRANCH] == rows[name]["commit"]
        assert "fleet line two, revised in v0.2.0" in fleet.show(name, f"{BRANCH}:docs/runbook.md")
        assert "_commit: v0.2.0" in fleet.show(name, f"{BRANCH}:.copier-answers.yml")
    notes = fleet.show("edited", f"{BRANCH}:NOTES.md")
    assert notes == "team notes\n"  # the local edit survives the update
    assert BRANCH not in fleet.heads("conflicted")


@pytest.mark.usefixtures("first_apply")
def test_second_apply_creates_no_commit_and_pushes_nothing(fleet: Fleet) -> None:
    manifest = fleet.root / "fleet.yml"
    after_first = fleet.all_refs()
    report = fleet.root / "again.json"
    code = tesler("fleet", "apply", str(manifest), "--json", "--output", str(report))
    rows = {row["name"]: row for row in json.loads(report.read_text())["rows"]}
    assert code == 3  # the conflict is still there
    assert rows["clean"]["outcome"] == "unchanged"
    assert rows["edited"]["outcome"] == "unchanged"
    assert not rows["clean"]["pushed"]
    assert fleet.all_refs() == after_first
