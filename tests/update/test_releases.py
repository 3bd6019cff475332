"""One rule for what a release is, Copier's: PEP 440 tags ordered by `packaging`.

A tag `v0.3` is a release newer than `v0.2.0`; `0.4.0rc1` is a pre-release, skipped unless
asked for (`--prereleases`), as Copier skips it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from copier._vcs import get_latest_tag

from tesler.versions import parse_release
from tests.conftest import git, tesler
from tests.update.conftest import commit

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def pep440_template(released_mechanics: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """v0.1.0 and v0.2.0, then a release tagged `v0.3` and a pre-release tagged `0.4.0rc1`."""
    template = tmp_path_factory.mktemp("pep440") / "template"
    git(template.parent, "clone", "--quiet", str(released_mechanics), str(template))
    for tag, line in (("v0.3", "Arrived in 0.3."), ("0.4.0rc1", "A candidate for 0.4.")):
        readme = template / "template" / "README.md.jinja"
        readme.write_text(readme.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
        commit(template, line)
        git(template, "tag", tag)
    return template


def _project(template: Path, destination: Path, version: str) -> Path:
    code = tesler(
        "new", str(destination), "--template", str(template), "--vcs-ref", version,
        "--defaults", "--no-setup",
    )  # fmt: skip
    assert code == 0
    git(destination, "init", "--quiet", "--initial-branch=main")
    commit(destination, f"generate at {version}")
    return destination


def test_tags_are_ordered_as_copier_orders_them(pep440_template: Path) -> None:
    assert get_latest_tag(str(pep440_template)) == "v0.3"
    assert get_latest_tag(str(pep440_template), use_prereleases=True) == "0.4.0rc1"
    releases = [parse_release(tag) for tag in ("v0.2.0", "v0.3", "0.4.0rc1", "v0.1.0")]
    ordered = [release.tag for release in sorted(filter(None, releases))]
    assert ordered == ["v0.1.0", "v0.2.0", "v0.3", "0.4.0rc1"]
    assert parse_release("latest") is None


def test_check_and_update_move_a_project_to_v0_3_not_to_the_pre_release(
    pep440_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(pep440_template, tmp_path / "p", "v0.2.0")
    capsys.readouterr()

    assert tesler("check", str(project), "--only", "behind", "--json") == 4
    assert json.loads(capsys.readouterr().out)["latest"] == "v0.3"
    assert tesler("check", str(project), "--only", "behind", "--prereleases", "--json") == 4
    assert json.loads(capsys.readouterr().out)["latest"] == "0.4.0rc1"

    assert tesler("update", str(project), "--json") == 0
    assert json.loads(capsys.readouterr().out)["to_version"] == "v0.3"


def test_a_project_at_v0_3_is_current_and_never_downgraded(
    pep440_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(pep440_template, tmp_path / "p", "v0.3")
    capsys.readouterr()

    assert tesler("check", str(project), "--only", "behind") == 0
    capsys.readouterr()
    assert tesler("update", str(project), "--json") == 0
    assert json.loads(capsys.readouterr().out)["status"] == "up-to-date"

    assert tesler("update", str(project), "--to", "v0.2.0") == 1
    stderr = " ".join(capsys.readouterr().err.split())
    assert "newer than v0.2.0: tesler never downgrades" in stderr
    assert git(project, "branch", "--list", "template-update/*") == ""


def test_the_fleet_counts_releases_by_the_same_rule(
    pep440_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(pep440_template, tmp_path / "p", "v0.1.0")
    remote = tmp_path / "p.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(project), str(remote))
    manifest = tmp_path / "fleet.yml"
    manifest.write_text(
        f"template: {pep440_template}\n"
        f"repositories:\n  - name: p\n    remote: {remote}\n    version: 0.4.0rc1\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    assert tesler("fleet", "plan", str(manifest), "--json") == 0
    (row,) = json.loads(capsys.readouterr().out)["rows"]
    assert (row["action"], row["target"]) == ("update", "0.4.0rc1")
    assert row["behind"] == 2  # v0.2.0 and v0.3; the pre-release is the target, not a release
