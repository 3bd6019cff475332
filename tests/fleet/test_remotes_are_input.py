"""A manifest's remotes are input: `plan`, `status` and `apply` run nothing a remote says.

Issue 12's repro: `remote: "--upload-pack=touch pwned;:"` made `fleet plan`, documented as
read-only, run the command.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.conftest import tesler

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(
    ("remote", "words"),
    [
        ('"--upload-pack=touch pwned;:"', "starts with '-'"),
        ('"ext::sh -c touch% pwned"', "remote helpers"),
    ],
)
def test_a_remote_that_git_would_run_is_blocked_and_runs_nothing(
    template_history: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    remote: str,
    words: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    manifest = tmp_path / "fleet.yml"
    manifest.write_text(
        f"template: {template_history}\n"
        "repositories:\n"
        f"  - name: hostile\n    remote: {remote}\n    version: v0.2.0\n",
        encoding="utf-8",
    )
    capsys.readouterr()

    assert tesler("fleet", "plan", str(manifest), "--json") == 1
    (row,) = json.loads(capsys.readouterr().out)["rows"]
    assert row["action"] == "blocked"
    assert words in row["reason"]

    assert tesler("fleet", "status", str(manifest), "--json") == 0
    (status,) = json.loads(capsys.readouterr().out)["rows"]
    assert words in status["problem"]

    assert tesler("fleet", "apply", str(manifest), "--json") == 1
    (applied,) = json.loads(capsys.readouterr().out)["rows"]
    assert applied["outcome"] == "blocked"

    assert sorted(tmp_path.rglob("pwned*")) == []


def test_a_template_that_git_would_run_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    manifest = tmp_path / "fleet.yml"
    manifest.write_text(
        'template: "--upload-pack=touch pwned;:"\n'
        f"repositories:\n  - name: a\n    remote: {tmp_path / 'a.git'}\n    version: v0.2.0\n",
        encoding="utf-8",
    )
    assert tesler("fleet", "plan", str(manifest)) == 1
    stderr = " ".join(capsys.readouterr().err.split())
    assert "`template:` in the manifest is '--upload-pack=touch pwned;:'" in stderr
    assert "Traceback" not in stderr
    assert sorted(tmp_path.rglob("pwned*")) == []
