"""Your data, not ours: four shapes of a team's own file, each green on the first commit.

Each shape is built at test time from data that ships with scikit-learn (make_shapes.py) and
brought with `tesler new --data dataset=file`; then the project's gates pass, its pipeline is up
to date, it scores a raw file in the source's own format, a shifted batch fails the drift monitor,
and the team can edit every file it owns without `tesler check` complaining. Slow: each shape
builds an environment and reproduces the pipeline.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT, git, run_in, tesler

pytestmark = pytest.mark.slow

SHAPES = ("binary", "multiclass", "regression", "parquet")
# Answers a shape adds to the defaults: the regression model also goes behind the service, so its
# API tests run on a numeric prediction in `make check`.
EXTRA_ANSWERS = {"regression": ("serving=fastapi",)}
IDENTITY = ("-c", "user.name=tester", "-c", "user.email=tester@example.com")


@pytest.fixture(scope="session")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """Build every shape's file once: {shape: {file, target}} (paths absolute)."""
    directory = tmp_path_factory.mktemp("shapes")
    uv = shutil.which("uv")
    assert uv is not None
    built = subprocess.run(
        [
            *(uv, "run", "--no-project", "--with", "scikit-learn", "--with", "pandas"),
            *("--with", "pyarrow", "python", str(REPO_ROOT / "tests/own_data/make_shapes.py")),
            str(directory),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    found = {}
    for line in built.stdout.splitlines():
        shape = json.loads(line)
        found[shape["shape"]] = {"file": str(directory / shape["file"]), "target": shape["target"]}
    return found


# Each shape's tests share its set-up project: one xdist group per shape keeps them in one
# process (`--dist loadgroup`), while different shapes spread over the processes.
@pytest.fixture(
    scope="module",
    params=[pytest.param(shape, marks=pytest.mark.xdist_group(f"own-{shape}")) for shape in SHAPES],
)
def own_project(
    request: pytest.FixtureRequest,
    shapes: dict[str, dict[str, str]],
    template_repo: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """A project made by `tesler new` on one shape of data, fully set up."""
    shape = shapes[str(request.param)]
    destination = tmp_path_factory.mktemp(f"own-{request.param}") / "project"
    code = tesler(
        "new",
        str(destination),
        "--template",
        str(template_repo),
        "--vcs-ref",
        "HEAD",
        "--defaults",
        "--data",
        "dataset=file",
        "--data",
        f"data_path={shape['file']}",
        "--data",
        f"target={shape['target']}",
        *[arg for extra in EXTRA_ANSWERS.get(str(request.param), ()) for arg in ("--data", extra)],
    )
    assert code == 0, f"tesler new on the {request.param} shape exited {code}"
    return destination


def test_first_commit_is_green_and_up_to_date(own_project: Path) -> None:
    assert git(own_project, "status", "--porcelain") == ""
    committed = set(git(own_project, "ls-files").split())
    assert {"contract.yaml", "dvc.lock", "uv.lock"} <= committed
    assert any(name.startswith("data/source/") and name.endswith(".dvc") for name in committed)
    check = run_in(own_project, "make", "check")
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]
    if (own_project / "src/ml_project/api.py").exists():
        # The service's tests ran: only they import the API module (0 % coverage else).
        api = re.search(r"^src/\w+/api\.py(?:\s+\d+){4}\s+(\d+)%", check.stdout, re.MULTILINE)
        assert api, check.stdout[-3000:]
        assert int(api.group(1)) >= 80, api.group(0)
    status = run_in(own_project, "uv", "run", "--frozen", "dvc", "status")
    assert "up to date" in status.stdout, status.stdout + status.stderr


def test_scores_a_raw_file_in_the_source_format(own_project: Path) -> None:
    contract = yaml.safe_load((own_project / "contract.yaml").read_text(encoding="utf-8"))
    source = Path(contract["source"]["path"])
    batch = f"data/incoming/batch{source.suffix}"
    made = run_in(
        own_project,
        "uv",
        "run",
        "--frozen",
        "python",
        str(REPO_ROOT / "tests/own_data/raw_batch.py"),
        str(source),
        contract["target"]["column"],
        batch,
        "25",
    )
    assert made.returncode == 0, made.stderr
    scored = run_in(
        own_project,
        "uv",
        "run",
        "--frozen",
        "ml_project",
        "score",
        batch,
        "data/incoming/scored.csv",
        "--model",
        "models/model.skops",
    )
    assert scored.returncode == 0, scored.stdout + scored.stderr
    assert "scored 25 rows" in scored.stdout
    lines = (own_project / "data/incoming/scored.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("row_id,prediction")
    assert len(lines) == 26


def test_a_shifted_batch_fails_the_drift_monitor(own_project: Path) -> None:
    made = run_in(
        own_project,
        "uv",
        "run",
        "--frozen",
        "ml_project",
        "make-drifted-batch",
        "data/incoming/drifted.csv",
        "--shift",
        "1",
    )
    assert made.returncode == 0, made.stdout + made.stderr
    drift = run_in(
        own_project,
        "uv",
        "run",
        "--frozen",
        "ml_project",
        "drift",
        "data/processed/train.csv",
        "data/incoming/drifted.csv",
    )
    assert drift.returncode == 3, drift.stdout + drift.stderr
    assert "DRIFT" in drift.stdout


def test_check_passes_after_the_team_edits_every_file_it_owns(
    own_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("params.yaml", "contract.yaml", "README.md", "src/ml_project/model.py"):
        file = own_project / name
        file.write_text(file.read_text(encoding="utf-8") + "\n# ours\n", encoding="utf-8")
    (own_project / "tests" / "test_ours.py").write_text('"""Our own tests."""\n')
    git(own_project, "add", "--all")
    git(own_project, *IDENTITY, "commit", "--quiet", "--no-verify", "-m", "our edits")

    code = tesler("check", str(own_project), "--json")

    report = json.loads(capsys.readouterr().out)
    assert code == 0, report["findings"]
