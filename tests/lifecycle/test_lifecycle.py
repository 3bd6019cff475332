"""The model lifecycle in a freshly generated project, with real git, GTO tags and DVC.

One story, in order, as a team would type it: a first model is promoted and registered as
v0.0.1; a worse one is rejected and prod stays; a better one is promoted as v0.0.2 through
the CI path (commit, then `make release-model`); `make rollback` puts v0.0.1 back and scoring
uses it at once; a drifted batch makes the monitor fail. Its own project: the shared
`classification_project` must stay pristine for the other tests.
"""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING

import pytest

from tests.conftest import git, run_in, tesler

if TYPE_CHECKING:
    import subprocess
    from pathlib import Path

# One process builds the project the whole story runs in (`pytest -n 2 --dist loadgroup`).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("lifecycle")]

PACKAGE = "ml_project"
BASELINE, WORSE, BETTER = "0.01", "0.001", "1.0"  # the logistic regression's C


@pytest.fixture(scope="module")
def project(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project created by `tesler new` (default answers), set up as a person would."""
    destination = tmp_path_factory.mktemp("lifecycle") / "project"
    assert tesler("new", str(destination), "--template", str(template_repo),
                  "--vcs-ref", "HEAD", "--defaults") == 0  # fmt: skip
    setup = run_in(destination, "make", "setup")
    assert setup.returncode == 0, setup.stderr
    return destination


def ok(project: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """Run a command that must succeed; return it for its output."""
    completed = run_in(project, *command)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return completed


def set_c(project: Path, value: str) -> None:
    """Change the model's C in params.yaml, as a person edits it."""
    params = project / "params.yaml"
    text = re.sub(r"(?m)^  C: [0-9.]+", f"  C: {value}", params.read_text(encoding="utf-8"))
    params.write_text(text, encoding="utf-8")


def prod(project: Path) -> str:
    """The version `score` uses: what a user sees of prod."""
    output = project.parent / "scores.csv"
    scored = ok(project, "uv", "run", "--frozen", PACKAGE, "score", "data/processed/test.csv",
                str(output))  # fmt: skip
    versions = {line.split(",")[-1] for line in output.read_text().splitlines()[1:]}
    assert len(versions) == 1, versions
    [version] = versions
    assert f"with model {version} (prod" in scored.stdout
    return version


def assert_clean(project: Path) -> None:
    assert git(project, "status", "--porcelain") == ""
    assert "up to date" in ok(project, "uv", "run", "--frozen", "dvc", "status").stdout


def test_promote_reject_promote_rollback_then_drift_fails_the_monitor(project: Path) -> None:
    started = time.perf_counter()

    # A baseline model: the first one needs only the floor; `make retrain` commits and registers.
    set_c(project, BASELINE)
    first = ok(project, "make", "retrain")
    assert "promotion ACCEPTED" in first.stdout
    assert "registered model v0.0.1" in first.stdout
    assert prod(project) == "v0.0.1"
    assert_clean(project)
    card = ok(project, "uv", "run", "--frozen", PACKAGE, "model-card", "v0.0.1").stdout
    assert "## Data versions (DVC hashes" in card
    assert f"`model.C`: {BASELINE}" in card

    # A worse model is rejected: exit 3, nothing committed or tagged, prod unchanged.
    head, tags = git(project, "rev-parse", "HEAD"), git(project, "tag")
    set_c(project, WORSE)
    worse = run_in(project, "make", "retrain")
    assert worse.returncode != 0
    assert "Error 3" in worse.stderr
    assert "promotion REJECTED" in worse.stdout
    assert "does not beat champion v0.0.1" in worse.stdout
    decision = json.loads((project / "promotion.json").read_text())
    assert decision["promoted"] is False
    assert decision["champion"]["source"] == "re-scored on this run's test split"
    assert (git(project, "rev-parse", "HEAD"), git(project, "tag")) == (head, tags)
    assert prod(project) == "v0.0.1"
    # Drop the rejected run, as the message says.
    ok(project, "git", "checkout", "HEAD", "--", ".")  # dvc.lock is staged (autostage)
    ok(project, "uv", "run", "--frozen", "dvc", "checkout")
    assert_clean(project)

    # A better model, the CI way: reproduce, commit (a merged pull request), release.
    set_c(project, BETTER)
    ok(project, "make", "repro")
    ok(project, "git", "commit", "--quiet", "--all", "-m", "Retrain with C=1.0")
    released = ok(project, "make", "release-model")
    assert "registered model v0.0.2" in released.stdout
    assert prod(project) == "v0.0.2"
    again = ok(project, "make", "release-model")
    assert "already registered as model v0.0.2" in again.stdout

    # Roll back in one command: v0.0.1 is prod again, recorded as GTO tags, used at once.
    rollback = ok(project, "make", "rollback")
    assert "prod: v0.0.2 -> v0.0.1" in rollback.stdout
    assert prod(project) == "v0.0.1"
    assert {"model#prod!#3", "model#prod#4"} <= set(git(project, "tag").split())
    assert "v0.0.1" in ok(project, "make", "registry").stdout

    # The monitor: the test split does not drift; a drifted batch fails it with exit 3.
    assert "no drift" in ok(project, "make", "drift").stdout
    batch = project.parent / "drifted.csv"
    ok(project, "make", "drifted-batch", f"DRIFTED={batch}")
    drift = run_in(project, "make", "drift", f"CURRENT={batch}")
    assert drift.returncode != 0
    assert "Error 3" in drift.stderr
    assert "retraining recommended" in drift.stdout
    report = json.loads((project / "reports" / "drift" / "drift.json").read_text())
    assert report["drifted"], report  # the shifted numeric features

    # Nothing the lifecycle did leaves the repository dirty; run records are there.
    assert_clean(project)
    assert json.loads((project / "runs" / "rollback.json").read_text())["outcome"] == "success"
    print(f"lifecycle after set-up: {time.perf_counter() - started:.0f} s")  # noqa: T201
