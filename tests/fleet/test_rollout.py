"""Waves, the readonly backend and --verify: how apply decides what runs and what is pushed."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import git, tesler
from tests.fleet.conftest import Fleet, commit_all

BRANCH = "template-update/v0.2.0"


def manifest(fleet: Fleet, members: dict[str, int], settings: str = "", extra: str = "") -> Path:
    """Members by wave, all following `stable`; `extra` is added to every repository."""
    repos = "".join(
        f"  - name: {name}\n    remote: {fleet.remotes[name]}\n    channel: stable\n"
        f"    wave: {wave}\n{extra}"
        for name, wave in members.items()
    )
    return fleet.manifest(
        f"template: {fleet.template}\nchannels:\n  stable: v0.2.0\n"
        f"settings:\n  jobs: 2\n{settings}repositories:\n{repos}"
    )


def apply(path: Path, *argv: str) -> tuple[int, dict[str, dict[str, object]]]:
    report = path.parent / "report.json"
    code = tesler("fleet", "apply", str(path), "--json", "-o", str(report), *argv)
    return code, {row["name"]: row for row in json.loads(report.read_text())["rows"]}


def test_a_failed_wave_stops_later_waves(fresh_fleet: Fleet) -> None:
    path = manifest(fresh_fleet, {"invalid": 0, "clean": 1})
    code, rows = apply(path)
    assert code == 1
    assert rows["invalid"]["outcome"] == "blocked"
    assert rows["clean"]["outcome"] == "skipped"
    assert "wave 0 had failures" in str(rows["clean"]["message"])
    assert BRANCH not in fresh_fleet.heads("clean")


def test_later_waves_run_when_configured_to_continue(fresh_fleet: Fleet) -> None:
    path = manifest(fresh_fleet, {"invalid": 0, "clean": 1}, "  stop_on_wave_failure: false\n")
    code, rows = apply(path)
    assert code == 1  # the blocked repository still fails the run
    assert rows["clean"]["outcome"] == "updated"
    assert BRANCH in fresh_fleet.heads("clean")


def test_readonly_backend_updates_in_a_clone_and_pushes_nothing(fresh_fleet: Fleet) -> None:
    path = manifest(fresh_fleet, {"clean": 0, "current": 0})
    before = fresh_fleet.all_refs()
    code, rows = apply(path, "--push", "readonly")
    assert code == 0
    assert rows["clean"]["outcome"] == "updated"
    assert rows["clean"]["pushed"] is False
    assert fresh_fleet.all_refs() == before


@pytest.fixture
def gated(fresh_fleet: Fleet, sources: dict[str, Path], tmp_path: Path) -> Fleet:
    """Two members whose `make check` passes or fails at once (real gates are tested elsewhere)."""
    for name, recipe in (("passes", "@true"), ("fails", "@echo gate failed && false")):
        work = tmp_path / name
        git(tmp_path, "clone", "--quiet", str(sources["clean"]), str(work))
        (work / "Makefile").write_text(f"check:\n\t{recipe}\n", encoding="utf-8")
        commit_all(work, "a fast gate")
        remote = fresh_fleet.root / "remotes" / f"{name}.git"
        git(tmp_path, "clone", "--quiet", "--bare", str(work), str(remote))
        fresh_fleet.remotes[name] = remote
    return fresh_fleet


def test_verify_pushes_only_updates_whose_gates_pass(gated: Fleet) -> None:
    path = manifest(gated, {"passes": 0, "fails": 0})
    code, rows = apply(path, "--verify")
    assert code == 1
    assert rows["passes"]["outcome"] == "updated"
    assert rows["passes"]["verified"] is True
    assert rows["fails"]["outcome"] == "failed"
    assert "make check failed" in str(rows["fails"]["message"])
    assert "gate failed" in str(rows["fails"]["message"])
    assert BRANCH in gated.heads("passes")
    assert BRANCH not in gated.heads("fails")


def test_answer_overrides_update_a_repository_already_at_its_version(fresh_fleet: Fleet) -> None:
    path = manifest(fresh_fleet, {"current": 0}, extra="    data:\n      coverage_floor: 95\n")
    code, rows = apply(path)
    assert code == 0
    assert rows["current"]["outcome"] == "updated"
    answers = fresh_fleet.show("current", f"{BRANCH}:.copier-answers.yml")
    assert "coverage_floor: 95" in answers
    assert "_commit: v0.2.0" in answers
    code, rows = apply(path)
    assert rows["current"]["outcome"] == "unchanged"


def test_an_outdated_update_branch_with_added_commits_is_never_replaced(
    fresh_fleet: Fleet, tmp_path: Path
) -> None:
    path = manifest(fresh_fleet, {"clean": 0})
    assert apply(path)[0] == 0
    work = tmp_path / "someone"
    git(tmp_path, "clone", "--quiet", str(fresh_fleet.remotes["clean"]), str(work))
    git(work, "checkout", "--quiet", BRANCH)
    (work / "FIX.md").write_text("resolved by hand\n", encoding="utf-8")
    commit_all(work, "a person's commit on the update branch")
    git(work, "checkout", "--quiet", "main")
    (work / "OTHER.md").write_text("unrelated work\n", encoding="utf-8")
    commit_all(work, "main moves on")
    git(work, "push", "--quiet", "origin", "main", BRANCH)
    before = fresh_fleet.all_refs()
    code, rows = apply(path)
    assert code == 1
    assert rows["clean"]["outcome"] == "failed"
    assert "replacing it would lose work" in str(rows["clean"]["message"])
    assert fresh_fleet.all_refs() == before


def _slow_member(fleet: Fleet, sources: dict[str, Path], tmp_path: Path, recipe: str) -> None:
    """A member `slow` whose `make check` runs `recipe`."""
    work = tmp_path / "slow"
    git(tmp_path, "clone", "--quiet", str(sources["clean"]), str(work))
    (work / "Makefile").write_text(f"check:\n\t{recipe}\n", encoding="utf-8")
    commit_all(work, "a gate that waits")
    remote = fleet.root / "remotes" / "slow.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(work), str(remote))
    fleet.remotes["slow"] = remote


def _wait_for(path: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 300  # a guard against hanging, not a measurement
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def test_a_second_apply_of_the_same_fleet_refuses_while_the_first_runs(
    fresh_fleet: Fleet, sources: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started, release = tmp_path / "started", tmp_path / "release"
    wait = f"touch {started}; while [ ! -e {release} ]; do sleep 0.05; done"
    _slow_member(fresh_fleet, sources, tmp_path, wait)
    path = manifest(fresh_fleet, {"slow": 0})
    report = fresh_fleet.root / "first.json"
    first = subprocess.Popen(
        [sys.executable, "-c", "from tesler.cli import run; run()", "fleet", "apply",
         str(path), "--verify", "--json", "-o", str(report)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait_for(started, first)
        before = fresh_fleet.all_refs()
        assert tesler("fleet", "apply", str(path)) == 1
        err = " ".join(capsys.readouterr().err.split())
        assert f"another `tesler fleet apply` is running on this fleet (pid {first.pid}," in err
        assert ".tesler-fleet-state.json.lock" in err
        assert "fix: wait for it to finish" in err
        assert fresh_fleet.all_refs() == before
    finally:
        release.touch()
        _, stderr = first.communicate(timeout=600)
    assert first.returncode == 0, stderr
    state = json.loads((fresh_fleet.root / ".tesler-fleet-state.json").read_text())
    assert state["results"]["slow"]["outcome"] == "updated"
    assert BRANCH in fresh_fleet.heads("slow")
    assert apply(path)[0] == 0  # the lock went with the first run


def test_verify_runs_make_check_in_a_throw_away_clone_without_tesler_secrets(
    fresh_fleet: Fleet, sources: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = {
        "GITHUB_TOKEN": "ghs_from_the_operator_0001",
        "TESLER_GITHUB_TOKEN": "ghs_from_the_operator_0002",
        "AWS_SECRET_ACCESS_KEY": "aws-secret-of-the-operator",
        "MY_SERVICE_PASSWORD": "another-secret-of-the-operator",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    captured = tmp_path / "captured"
    # The repository's own gate: print everything it can see, and where it runs.
    _slow_member(
        fresh_fleet, sources, tmp_path,
        f"env > {captured}.env; pwd > {captured}.pwd; git remote -v > {captured}.remotes",
    )  # fmt: skip
    code, rows = apply(manifest(fresh_fleet, {"slow": 0}), "--verify")
    assert code == 0, rows
    assert rows["slow"]["verified"] is True
    env = dict(
        line.split("=", 1)
        for line in Path(f"{captured}.env").read_text().splitlines()
        if "=" in line
    )
    assert not set(secrets) & set(env)
    assert not any(value in Path(f"{captured}.env").read_text() for value in secrets.values())
    assert env["HOME"] != str(Path.home())
    assert "PATH" in env
    where = Path(Path(f"{captured}.pwd").read_text().strip())
    assert where.name == "verify"
    assert not where.exists()  # thrown away with the run
    assert Path(f"{captured}.remotes").read_text() == ""  # nothing to push back to
