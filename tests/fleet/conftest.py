"""Fixtures for fleet tests: a template with releases, and fleets of real bare remotes.

Generating projects is the slow part, so the working copies are made once per session
(at v0.1.0 and v0.2.0); each test module pushes them to fresh bare remotes, which takes
milliseconds, and writes its own manifest.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import git, tesler

# A template-owned file: the generated README is the team's, which updates never touch.
README = "template/docs/runbook.md.jinja"
FLEET_SECTION = "\n## Fleet\n\nfleet line one\nfleet line two\nfleet line three\n"
IDENTITY = ("-c", "user.name=t", "-c", "user.email=t@t")
# A string metric with markup: every rendering must show it as text, never as markup.
METRICS = '{"test": {"accuracy": 0.9561, "f1": 0.9655}, "note": "<script>x</script> | *b*"}\n'


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep the fleet tests on one test process (`--dist loadgroup`).

    Each process that runs one of them generates the session's sources (about 4 s): one
    process instead of two saves that much of the fast tier's two cores.
    """
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.xdist_group("fleet"))


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "--all")
    git(repo, *IDENTITY, "commit", "--quiet", "--no-verify", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="session")
def template_history(mechanics_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template with releases v0.1.0 and v0.2.0 (a runbook line changed) and one more commit.

    It is the trimmed template (tests/conftest.py, `mechanics_template`): the fleet tests render
    about 90 times, and the fleet's mechanics never read the package or its infrastructure.
    """
    history = tmp_path_factory.mktemp("history") / "template"
    git(mechanics_template.parent, "clone", "--quiet", str(mechanics_template), str(history))
    readme = history / README
    readme.write_text(readme.read_text(encoding="utf-8") + FLEET_SECTION, encoding="utf-8")
    commit_all(history, "fleet section")
    git(history, "tag", "v0.1.0")
    text = readme.read_text(encoding="utf-8")
    readme.write_text(text.replace("fleet line two", "fleet line two, revised in v0.2.0"))
    commit_all(history, "revise the fleet section")
    git(history, "tag", "v0.2.0")
    (history / "template" / "EDGE.md").write_text("unreleased\n", encoding="utf-8")
    commit_all(history, "unreleased change")
    return history


def _generate(template: Path, parent: Path, name: str, version: str) -> Path:
    project = parent / name
    code = tesler(
        "new", str(project), "--template", str(template), "--vcs-ref", version,
        "--defaults", "--no-setup", "--data", f"project_name={name}", "--data", "coverage_floor=90",
    )  # fmt: skip
    assert code == 0, f"tesler new {name} exited {code}"
    git(project, "init", "--quiet", "--initial-branch=main")
    commit_all(project, f"generate {name} at {version}")
    return project


@pytest.fixture(scope="session")
def sources(template_history: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Working copies of every kind of fleet member, committed, one per name."""
    parent = tmp_path_factory.mktemp("sources")
    made = {
        "clean": _generate(template_history, parent, "clean", "v0.1.0"),
        "current": _generate(template_history, parent, "current", "v0.2.0"),
    }
    for name, base in (("edited", "clean"), ("conflicted", "clean"), ("invalid", "clean")):
        made[name] = parent / name
        git(parent, "clone", "--quiet", str(made[base]), str(made[name]))
    # The clean one commits the quality figures a real project's pipeline would.
    (made["clean"] / "metrics.json").write_text(METRICS, encoding="utf-8")
    (made["clean"] / "promotion.json").write_text('{"promoted": true, "reason": "first model"}\n')
    commit_all(made["clean"], "metrics of the first model")
    (made["edited"] / "NOTES.md").write_text("team notes\n", encoding="utf-8")
    commit_all(made["edited"], "a harmless local edit")
    readme = made["conflicted"] / "docs" / "runbook.md"
    text = readme.read_text(encoding="utf-8")
    readme.write_text(text.replace("fleet line two", "fleet line two, edited locally"))
    commit_all(made["conflicted"], "edit the line the template changes")
    (made["invalid"] / ".copier-answers.yml").write_text("_src_path: [unclosed\n")
    commit_all(made["invalid"], "break the answers file")
    made["unanswered"] = parent / "unanswered"
    made["unanswered"].mkdir()
    git(made["unanswered"], "init", "--quiet", "--initial-branch=main")
    (made["unanswered"] / "README.md").write_text("hand-made\n", encoding="utf-8")
    commit_all(made["unanswered"], "hand-made repository")
    return made


@dataclass(frozen=True)
class Fleet:
    """Bare remotes for the sources, and where to write manifests."""

    root: Path
    template: Path
    remotes: dict[str, Path]

    def manifest(self, body: str, name: str = "fleet.yml") -> Path:
        """Write a manifest next to the remotes."""
        path = self.root / name
        path.write_text(body, encoding="utf-8")
        return path

    def heads(self, name: str) -> dict[str, str]:
        """Branch -> commit on a remote."""
        listed = git(self.root, "ls-remote", "--heads", str(self.remotes[name]))
        return {
            ref.removeprefix("refs/heads/"): sha
            for sha, _, ref in (line.partition("\t") for line in listed.splitlines())
        }

    def show(self, name: str, revision: str) -> str:
        """A file at a revision of a remote (`branch:path`)."""
        return git(self.root, "--git-dir", str(self.remotes[name]), "show", revision)

    def all_refs(self) -> dict[str, str]:
        """Every ref of every reachable remote, for "nothing changed" assertions."""
        refs = {}
        for name, remote in self.remotes.items():
            if remote.exists():
                for line in git(self.root, "ls-remote", str(remote)).splitlines():
                    sha, _, ref = line.partition("\t")
                    refs[f"{name}:{ref}"] = sha
        return refs


def make_fleet(root: Path, template: Path, sources: dict[str, Path]) -> Fleet:
    """Push every source to its own new bare remote under `root` (plus one that is missing)."""
    root.mkdir(parents=True, exist_ok=True)
    remotes = {}
    for name, source in sources.items():
        remote = root / "remotes" / f"{name}.git"
        subprocess.run(
            ["git", "clone", "--quiet", "--bare", str(source), str(remote)],
            check=True,
            capture_output=True,
        )
        remotes[name] = remote
    remotes["unreachable"] = root / "remotes" / "gone.git"
    return Fleet(root=root, template=template, remotes=remotes)


def standard_manifest(fleet: Fleet, *, push: str = "local", extra: str = "") -> str:
    """Every kind of member, all following the `stable` channel (v0.2.0)."""
    repos = "".join(
        f"  - name: {name}\n    remote: {remote}\n    channel: stable\n"
        for name, remote in fleet.remotes.items()
    )
    return (
        f"template: {fleet.template}\n"
        "channels:\n  stable: v0.2.0\n  edge: main\n"
        f"settings:\n  jobs: 2\n  push:\n    backend: {push}\n{extra}"
        f"repositories:\n{repos}"
    )


@pytest.fixture
def fresh_fleet(tmp_path: Path, template_history: Path, sources: dict[str, Path]) -> Fleet:
    """A new fleet for a test that writes to its remotes."""
    return make_fleet(tmp_path / "fleet", template_history, sources)


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
