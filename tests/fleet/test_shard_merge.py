"""`--shard I/N` splits the fleet by name; `merge` puts the shard reports back together."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tesler.fleet.shard import Shard, parse_shard, shard_of
from tests.conftest import tesler
from tests.fleet.conftest import Fleet, make_fleet, standard_manifest

COUNT = 3


@pytest.fixture(scope="module")
def fleet(
    tmp_path_factory: pytest.TempPathFactory, template_history: Path, sources: dict[str, Path]
) -> Fleet:
    fleet = make_fleet(tmp_path_factory.mktemp("shards"), template_history, sources)
    fleet.manifest(standard_manifest(fleet))
    return fleet


@pytest.fixture(scope="module")
def shard_reports(fleet: Fleet) -> list[Path]:
    """`plan --shard I/3 --json` for every I, as each job of a CI matrix would write it."""
    reports = []
    for index in range(1, COUNT + 1):
        report = fleet.root / f"plan-{index}.json"
        code = tesler(
            "fleet", "plan", str(fleet.root / "fleet.yml"),
            "--shard", f"{index}/{COUNT}", "--json", "-o", str(report),
        )  # fmt: skip
        assert code in {0, 1}
        reports.append(report)
    return reports


def names(report: Path) -> list[str]:
    return [row["name"] for row in json.loads(report.read_text())["rows"]]


def test_shards_partition_the_fleet_by_name(fleet: Fleet, shard_reports: list[Path]) -> None:
    shards = [set(names(report)) for report in shard_reports]
    assert set().union(*shards) == set(fleet.remotes)
    assert sum(len(shard) for shard in shards) == len(fleet.remotes)
    for index, shard in enumerate(shards, start=1):
        assert all(shard_of(name, COUNT) == index for name in shard)


def test_shard_of_is_stable_across_processes() -> None:
    # A fixed value: Python's salted hash() would change between matrix jobs.
    assert [shard_of(name, 4) for name in ("alpha", "beta", "gamma")] == [
        shard_of("alpha", 4), shard_of("beta", 4), shard_of("gamma", 4),
    ]  # fmt: skip
    assert Shard(index=2, count=4).selects("x") == (shard_of("x", 4) == 2)
    assert parse_shard(" 2 / 4 ") == Shard(index=2, count=4)


def test_merge_rebuilds_the_whole_plan(
    fleet: Fleet, shard_reports: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    whole = fleet.root / "whole.json"
    assert tesler("fleet", "plan", str(fleet.root / "fleet.yml"), "--json", "-o", str(whole)) == 1
    merged = fleet.root / "merged.json"
    code = tesler("fleet", "merge", *map(str, reversed(shard_reports)), "-o", str(merged))
    assert code == 1  # as the whole plan: some repositories are blocked
    expected = json.loads(whole.read_text())
    actual = json.loads(merged.read_text())
    assert actual["shard"] is None
    assert actual["manifest_digest"] == expected["manifest_digest"]
    assert actual["rows"] == expected["rows"]
    capsys.readouterr()
    assert tesler("fleet", "merge", *map(str, shard_reports), "--format", "markdown") == 1
    assert capsys.readouterr().out.startswith("## fleet plan: ")


@pytest.mark.parametrize(
    ("pick", "message"),
    [
        ([0, 1], "shard(s) 3/3 are missing"),
        ([0, 1, 2, 2], "are both shard 3/3"),
    ],
)
def test_merge_refuses_missing_or_repeated_shards(
    shard_reports: list[Path],
    pick: list[int],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert tesler("fleet", "merge", *(str(shard_reports[i]) for i in pick)) == 1
    assert message in capsys.readouterr().err


def test_merge_refuses_reports_of_another_manifest_or_kind(
    fleet: Fleet, shard_reports: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    edited = json.loads(shard_reports[2].read_text())
    edited["manifest_digest"] = "0" * 16
    other = fleet.root / "other.json"
    other.write_text(json.dumps(edited))
    assert tesler("fleet", "merge", str(shard_reports[0]), str(shard_reports[1]), str(other)) == 1
    assert "come from different manifests" in capsys.readouterr().err
    whole = fleet.root / "unsharded.json"
    tesler("fleet", "plan", str(fleet.root / "fleet.yml"), "--json", "-o", str(whole))
    assert tesler("fleet", "merge", str(whole)) == 1
    assert "is not a shard report" in capsys.readouterr().err
    garbage = fleet.root / "garbage.json"
    garbage.write_text('{"kind": "plan"}')
    assert tesler("fleet", "merge", str(garbage)) == 1
    assert "is not a tesler fleet report" in capsys.readouterr().err
