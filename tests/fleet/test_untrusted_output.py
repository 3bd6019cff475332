r"""What other people's repositories and URLs say is printed as text, never as secrets or codes.

A remote URL may carry a credential, git echoes it back in errors, and a repository's
committed metrics may hold terminal escape sequences: every output of plan, apply and
status masks the one and shows the other as `\xNN`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import git, tesler
from tests.fleet.conftest import Fleet, commit_all

SECRET = "s3cr3t-t0ken-value"  # noqa: S105  (a fake credential)
# Port 9 (discard) on loopback: nothing listens, git fails at once and quotes the URL.
CREDENTIAL_REMOTE = f"https://x-access-token:{SECRET}@127.0.0.1:9/org/repo.git"
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x9b31m"


def _manifest(fleet: Fleet, *, name: str, remote: str | Path) -> Path:
    return fleet.manifest(
        f"template: {fleet.template}\nchannels:\n  stable: v0.2.0\n"
        "settings:\n  stop_on_wave_failure: false\n"
        f"repositories:\n  - name: {name}\n    remote: {json.dumps(str(remote))}\n"
        "    channel: stable\n"
    )


def test_a_credential_in_a_remote_url_is_masked_in_every_output(
    fresh_fleet: Fleet, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _manifest(fresh_fleet, name="private", remote=CREDENTIAL_REMOTE)
    written: list[str] = []
    printed: dict[str, str] = {}
    for command in ("plan", "status"):
        for output_format in ("table", "json", "markdown", "html"):
            tesler("fleet", command, str(path), "--format", output_format)
            captured = capsys.readouterr()
            printed[f"{command} {output_format}"] = captured.out
            written += [captured.out, captured.err]
            output = fresh_fleet.root / f"{command}.{output_format}"
            tesler("fleet", command, str(path), "--format", output_format, "-o", str(output))
            written.append(output.read_text(encoding="utf-8"))
    report = fresh_fleet.root / "apply.json"
    assert tesler("fleet", "apply", str(path), "--json", "-o", str(report)) == 1
    captured = capsys.readouterr()
    written += [captured.out, captured.err, report.read_text(encoding="utf-8")]
    written.append((fresh_fleet.root / ".tesler-fleet-state.json").read_text(encoding="utf-8"))
    assert all(SECRET not in text for text in written)
    plan = json.loads(printed["plan json"])
    assert plan["rows"][0]["remote"] == "https://***@127.0.0.1:9/org/repo.git"
    assert "https://***@127.0.0.1:9/org/repo.git" in written[-1]  # the state file's message


def test_escape_sequences_in_committed_metrics_never_reach_the_terminal(
    fresh_fleet: Fleet, sources: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "hostile"
    git(tmp_path, "clone", "--quiet", str(sources["current"]), str(work))
    metrics = {f"acc{ESCAPES}": 0.5, "note": f"red{ESCAPES}text"}
    (work / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    commit_all(work, "metrics with escape sequences")
    remote = fresh_fleet.root / "remotes" / "hostile.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(work), str(remote))
    path = _manifest(fresh_fleet, name="hostile", remote=remote)
    assert tesler("fleet", "status", str(path)) == 0
    table = capsys.readouterr().out
    assert "\x1b" not in table
    assert "\x07" not in table
    assert "\x9b" not in table
    assert "red\\x1b]0;pwned\\x07" in table.replace("\n", "").replace("│", "").replace(" ", "")
    for output_format in ("markdown", "html", "json"):
        assert tesler("fleet", "status", str(path), "--format", output_format) == 0
        text = capsys.readouterr().out
        assert "\x1b" not in text
        assert "\x9b" not in text
