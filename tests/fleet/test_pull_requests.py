"""Pull requests of `fleet apply`: the body says what changed, a conflict can open a draft."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.conftest import tesler
from tests.fleet.test_github import FakeGithub, serve_github

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.fleet.conftest import Fleet

BRANCH = "template-update/v0.2.0"


@pytest.fixture
def fake_github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGithub]:
    monkeypatch.setenv("TESLER_GITHUB_TOKEN", "t0ken")
    yield from serve_github()


def _manifest(fleet: Fleet, api_url: str) -> Path:
    listing = "".join(
        f"  - name: {name}\n    remote: {fleet.remotes[name]}\n    version: v0.2.0\n"
        f"    github: acme/{name}\n"
        for name in ("clean", "conflicted")
    )
    return fleet.manifest(
        f"template: {fleet.template}\n"
        f"settings:\n  push:\n    backend: github\n    api_url: {api_url}\n"
        f"repositories:\n{listing}"
    )


def _apply(manifest: Path, *extra: str) -> tuple[int, dict[str, dict[str, object]]]:
    report = manifest.parent / "report.json"
    code = tesler("fleet", "apply", str(manifest), "--json", "-o", str(report), *extra)
    return code, {row["name"]: row for row in json.loads(report.read_text())["rows"]}


def _created(github: FakeGithub) -> dict[str, dict[str, object]]:
    return {
        path.split("/")[4]: body
        for method, path, body, _ in github.requests
        if method == "POST" and body is not None
    }


def test_the_pull_request_says_what_changed_and_what_to_run_after_merging(
    fresh_fleet: Fleet, fake_github: FakeGithub
) -> None:
    code, rows = _apply(_manifest(fresh_fleet, fake_github.url))
    assert code == 3  # the conflicted repository; no draft without --draft-conflicts
    assert rows["conflicted"]["pull_request"] is None
    assert BRANCH not in fresh_fleet.heads("conflicted")
    body = str(_created(fake_github)["clean"]["body"])
    assert "- `docs/runbook.md`" in body
    assert "### What changed (template CHANGELOG)" in body
    assert "#### [0.2.0]" in body
    assert "make setup" in body
    assert _created(fake_github)["clean"]["draft"] is False


def test_draft_conflicts_pushes_the_conflicted_update_with_a_draft_listing_them(
    fresh_fleet: Fleet, fake_github: FakeGithub
) -> None:
    manifest = _manifest(fresh_fleet, fake_github.url)
    code, rows = _apply(manifest, "--draft-conflicts")
    assert code == 3  # a draft does not hide the conflict from CI
    conflicted = rows["conflicted"]
    assert conflicted["outcome"] == "conflict"
    assert conflicted["pull_request"] == "https://github.example/acme/conflicted/pull/1"
    assert conflicted["branch"] == BRANCH
    assert "<<<<<<< before updating" in fresh_fleet.show("conflicted", f"{BRANCH}:docs/runbook.md")
    created = _created(fake_github)["conflicted"]
    assert created["draft"] is True
    assert str(created["title"]).endswith("(conflicts to resolve)")
    body = str(created["body"])
    assert "| `docs/runbook.md` | marker |" in body
    assert "fleet line two, edited locally" in body  # the hunk

    refs = fresh_fleet.all_refs()
    code, rows = _apply(manifest, "--draft-conflicts")  # again: same draft, nothing new
    assert code == 3
    assert rows["conflicted"]["outcome"] == "conflict"
    assert rows["conflicted"]["pull_request"] == "https://github.example/acme/conflicted/pull/1"
    assert sum(method == "POST" for method, *_ in fake_github.requests) == 2
    assert fresh_fleet.all_refs() == refs


def test_draft_conflicts_needs_the_github_backend(
    fresh_fleet: Fleet, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = fresh_fleet.manifest(
        f"template: {fresh_fleet.template}\n"
        f"repositories:\n  - name: clean\n    remote: {fresh_fleet.remotes['clean']}\n"
        "    version: v0.2.0\n"
    )
    before = fresh_fleet.all_refs()
    assert tesler("fleet", "apply", str(manifest), "--draft-conflicts") == 1
    assert "--push github" in capsys.readouterr().err
    assert fresh_fleet.all_refs() == before
