"""The fleet manifest: strict, and every error names the line to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from tesler.fleet.errors import ManifestError
from tesler.fleet.manifest import GithubPush, load_manifest
from tests.conftest import tesler

VALID = """\
template: ../template
channels:
  stable: v0.2.0
  edge: main
settings:
  stop_on_wave_failure: false
  jobs: 4
  push:
    backend: github
    api_url: http://127.0.0.1:9/api
repositories:
  - name: churn
    remote: git@github.com:acme/churn.git
    channel: stable
    data:
      coverage_floor: 85
    wave: 1
  - name: fraud
    remote: /srv/git/fraud.git
    branch: trunk
    version: v0.1.0
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fleet.yml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        load_manifest(write(tmp_path, text))
    return caught.value.problems


def test_valid_manifest_loads_with_defaults_and_resolved_paths(tmp_path: Path) -> None:
    loaded = load_manifest(write(tmp_path, VALID))
    churn, fraud = loaded.manifest.repositories
    assert loaded.template == str((tmp_path.parent / "template").resolve())
    assert loaded.state_file == tmp_path / ".tesler-fleet-state.json"
    assert loaded.target_ref(churn) == "v0.2.0"
    assert loaded.target_ref(fraud) == "v0.1.0"
    assert churn.branch == "main"
    assert churn.data == {"coverage_floor": 85}
    assert fraud.wave == 0
    assert isinstance(loaded.manifest.settings.push, GithubPush)
    assert not loaded.manifest.settings.stop_on_wave_failure


def test_digest_ignores_comments_and_layout(tmp_path: Path) -> None:
    first = load_manifest(write(tmp_path, VALID)).digest
    second = load_manifest(write(tmp_path, "# a comment\n" + VALID)).digest
    third = load_manifest(write(tmp_path, VALID.replace("jobs: 4", "jobs: 3"))).digest
    assert first == second
    assert first != third


def test_unknown_key_names_its_line_and_the_likely_key(tmp_path: Path) -> None:
    text = VALID.replace("    branch: trunk\n", "    brnch: trunk\n")
    assert problems(tmp_path, text) == [
        "fleet.yml:20: unknown key 'repositories[1].brnch'; did you mean 'branch'?"
    ]


def test_every_problem_is_reported_in_line_order(tmp_path: Path) -> None:
    text = VALID.replace("jobs: 4", "jobs: 0").replace("wave: 1", 'wave: "1"')
    text = text.replace("    version: v0.1.0\n", "")
    found = problems(tmp_path, text)
    assert [problem.split(":")[1] for problem in found] == ["7", "17", "18"]
    assert "settings.jobs" in found[0]
    assert "repositories[0].wave" in found[1]
    assert "give exactly one of `version` (a pin) or `channel`" in found[2]


def test_dangling_channel_and_duplicate_names_are_errors(tmp_path: Path) -> None:
    text = VALID.replace("channel: stable", "channel: beta").replace("name: fraud", "name: churn")
    found = problems(tmp_path, text)
    assert found[0].startswith("fleet.yml:14: repositories[0].channel 'beta' is not a channel")
    assert found[1].startswith("fleet.yml:18: repository name 'churn' is already used")


def test_duplicate_keys_and_bad_yaml_name_the_line(tmp_path: Path) -> None:
    duplicated = VALID.replace("    wave: 1\n", "    wave: 1\n    wave: 2\n")
    assert problems(tmp_path, duplicated) == ["fleet.yml:18: duplicate key 'repositories[0].wave'"]
    broken = VALID.replace("  edge: main\n", "  edge: [main\n")
    assert problems(tmp_path, broken)[0].startswith("fleet.yml:5: not valid YAML")


def test_cli_prints_the_problems_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, VALID.replace("remote: /srv", "remote_url: /srv"))
    assert tesler("fleet", "plan", str(path)) == 1
    printed = capsys.readouterr().err
    assert "fleet.yml:19: unknown key 'repositories[1].remote_url'" in printed
    assert "fix:" in printed


def test_missing_manifest_and_bad_shard_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert tesler("fleet", "plan", str(tmp_path / "absent.yml")) == 1
    assert "cannot read it" in capsys.readouterr().err
    path = write(tmp_path, VALID)
    assert tesler("fleet", "plan", str(path), "--shard", "3/2") == 1
    assert "--shard '3/2' is not of the form I/N" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "fleet.yml:1: not UTF-8 text (byte 0x89 at offset 0)",
        ),
        (
            b"template: x\nrepositories:\n\x00\x01\x02",
            "fleet.yml:3: not valid YAML: character U+0000",
        ),
        (  # libyaml counts bytes: the 10 two-byte letters before the NUL would put it on line 7
            "# équipe données modèles éé\n".encode() * 2 + b"template: x\n\x00\n\n\n",
            "fleet.yml:4: not valid YAML: character U+0000",
        ),
    ],
)
def test_a_binary_manifest_is_an_error_naming_the_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, problem: str
) -> None:
    path = tmp_path / "fleet.yml"
    path.write_bytes(content)
    assert tesler("fleet", "plan", str(path)) == 1
    err = capsys.readouterr().err
    assert problem in err
    assert "fix:" in err
    assert "Traceback" not in err


def _two(first: str, second: str) -> str:
    return (
        "template: ../template\nchannels:\n  stable: v0.2.0\nrepositories:\n"
        f"  - name: one\n    remote: {first}\n    channel: stable\n"
        f"  - name: two\n    remote: {second}\n    channel: stable\n"
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("git@github.com:Acme/Churn.git", "https://github.com/acme/churn"),
        ("ssh://git@example.org:22/x/y.git", "git@example.org:x/y"),
        ("https://x-access-token:T@example.org/o/r.git", "https://example.org:443/o/r/"),
        ("remotes/a.git", "{tmp}/remotes/a.git/"),
        ("file://{tmp}/remotes/a.git", "./remotes/../remotes/a"),
    ],
)
def test_a_remote_listed_twice_is_an_error_naming_both_entries(
    tmp_path: Path, first: str, second: str
) -> None:
    (tmp_path / "remotes" / "a.git").mkdir(parents=True)
    text = _two(first.format(tmp=tmp_path), second.format(tmp=tmp_path))
    (problem,) = problems(tmp_path, text)
    assert problem.startswith("fleet.yml:9: repositories[1] (two) remote ")
    assert "is the same repository as repositories[0] (one) at line 6" in problem
    assert "list each repository once" in problem


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("https://example.org/o/r", "https://example.org/o/r2"),
        ("https://example.org/O/R", "https://example.org/o/r"),  # case matters off the forges
        ("https://example.org/o/r", "https://example.com/o/r"),
        ("remotes/a.git", "remotes/b.git"),
    ],
)
def test_different_remotes_are_not_confused(tmp_path: Path, first: str, second: str) -> None:
    loaded = load_manifest(write(tmp_path, _two(first, second)))
    assert [repository.name for repository in loaded.manifest.repositories] == ["one", "two"]
