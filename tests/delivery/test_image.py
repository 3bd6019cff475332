"""The production image of a generated project, built by the project's own Makefile and run.

`make image` runs `docker build`. There is no Docker engine here, so `docker` is podman under
that name (as Debian's podman-docker package makes it), building the unmodified Dockerfile with
chroot isolation from local stand-ins for its base images (local_images.py). Then the images
run, through `buildah run`: the batch image scores a batch, as the project's own environment
does; the fastapi image serves `/health` and a prediction for a row made from contract.yaml;
both run as user 10001 and hold no development tool and no source tree.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from tesler.process import project_env
from tests.conftest import (
    USES_CLASSIFICATION_PROJECT,
    USES_FASTAPI_IMAGE,
    git,
    run_in,
    tesler,
)
from tests.delivery.local_images import (
    STORE,
    BaseImages,
    ImageStore,
    copy_base_images,
    ensure_base_images,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

TOOLS = ("buildah", "podman", "debootstrap")
DEV_TOOLS = ("uv", "uvx", "pytest", "ruff", "mypy", "dvc")
APP_USER = 10001
BATCH_ROWS = 20

# Run inside an image, as its user: what a process there can find. Prints one JSON object.
PROBE = """
import importlib.metadata, importlib.util, json, os, shutil, sys, sysconfig
package, tools = sys.argv[1], sys.argv[2:]
site = sysconfig.get_paths()["purelib"]
strays = []
for root, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if os.path.join(root, d) not in {"/proc", "/sys", "/dev", site}]
    strays += [
        os.path.join(root, name) for name in files
        if name in {"pyproject.toml", "uv.lock"}
        or (name.endswith(".py") and package in os.path.join(root, name))
    ]
spec = importlib.util.find_spec(package)
print(json.dumps({
    "executables": {tool: shutil.which(tool) for tool in tools if shutil.which(tool)},
    "distributions": sorted(d.metadata["Name"].lower() for d in importlib.metadata.distributions()),
    "package": spec.origin if spec else None,
    "site": site,
    "src": os.path.exists("/src"),
    "strays": strays,
    "app": sorted(
        os.path.relpath(os.path.join(root, name), "/app")
        for root, _, files in os.walk("/app") for name in files
    ),
}))
"""


@dataclass(frozen=True)
class BuiltImage:
    """An image `make image` built from a project, and what the test needs to run it."""

    name: str
    project: Path
    config: dict[str, Any]

    @property
    def package(self) -> str:
        """The project's Python package (its answer `package_name`)."""
        answers = yaml.safe_load((self.project / ".copier-answers.yml").read_text())
        return str(answers["package_name"])

    @property
    def contract(self) -> dict[str, Any]:
        """The project's data contract, as the service and the scoring read it."""
        loaded: dict[str, Any] = yaml.safe_load((self.project / "contract.yaml").read_text())
        return loaded


@pytest.fixture(scope="session")
def image_store(tmp_path_factory: pytest.TempPathFactory) -> ImageStore:
    """The session's image store, once buildah is known to work here (else skip, or fail in CI).

    It lives in the session's temporary folder (on memory in CI); the base images are made in
    the kept store (STORE) and copied in by `build_image`.
    """
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    reason = ""
    if missing:
        reason = f"{', '.join(missing)} not installed: apt-get install {' '.join(TOOLS)}"
    elif os.geteuid() != 0:
        reason = "building base images needs root (debootstrap, buildah's chroot isolation)"
    store = ImageStore(STORE)
    if not reason:
        store.prepare()
        probe = store.run("buildah", "from", "--quiet", "scratch", check=False)
        if probe.returncode:
            reason = f"buildah cannot work here: {probe.stderr.strip()[-500:]}"
        else:
            store.run("buildah", "rm", probe.stdout.strip())
    if reason and os.environ.get("CI"):
        pytest.fail(f"{reason} (.ci/run installs them in CI, where this test must run)")
    if reason:
        pytest.skip(reason)
    return ImageStore(tmp_path_factory.mktemp("images"), cache_root=STORE).prepare()


@pytest.fixture(scope="session")
def fastapi_project(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A `serving=fastapi` project (default dataset) created and set up by `tesler new`."""
    destination = tmp_path_factory.mktemp("image-fastapi") / "project"
    code = tesler(
        "new", str(destination), "--template", str(template_repo), "--vcs-ref", "HEAD",
        "--defaults", "--data", "serving=fastapi",
    )  # fmt: skip
    assert code == 0, f"tesler new (serving=fastapi) exited {code}"
    return destination


def build_image(store: ImageStore, project: Path, work: Path, *model: str) -> BuiltImage:
    """`make image-model [MODEL_FILE=...]` then `make image`, with podman standing in for docker."""
    images = BaseImages.named_in(project / "Dockerfile")
    kept = ImageStore(STORE)
    ensure_base_images(kept, images, work)
    copy_base_images(kept, store, images, work / "base-images")
    exported = run_in(project, "make", "image-model", *model)
    assert exported.returncode == 0, exported.stdout + exported.stderr
    shim = work / "bin"
    shim.mkdir(parents=True)
    podman = shutil.which("podman")
    assert podman is not None
    (shim / "docker").symlink_to(podman)
    env = {**project_env(), **store.variables, "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}
    built = subprocess.run(
        ["make", "image"], cwd=project, env=env, capture_output=True, text=True, check=False
    )
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    tag = re.search(r'--tag "([^"]+)"', built.stdout)
    assert tag, f"`make image` printed no --tag:\n{built.stdout[-2000:]}"
    return BuiltImage(name=tag.group(1), project=project, config=store.config(tag.group(1)))


def remove_image(store: ImageStore, image: BuiltImage) -> None:
    """Remove a project's image and the build's intermediate images; keep the base images."""
    store.run("buildah", "rmi", image.name, check=False)
    store.run("buildah", "rmi", "--prune", check=False)


@pytest.fixture(scope="session")
def batch_image(
    image_store: ImageStore,
    classification_project: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[BuiltImage]:
    """The image of the default project (serving=batch), shipping its workspace's model file.

    The project is shared with other tests: `make image-model` writes build/ only (ignored).
    """
    work = tmp_path_factory.mktemp("batch")
    model = "MODEL_FILE=models/model.skops"
    image = build_image(image_store, classification_project, work, model)
    yield image
    remove_image(image_store, image)


@pytest.fixture(scope="session")
def fastapi_image(
    image_store: ImageStore, fastapi_project: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BuiltImage]:
    """The image of the serving=fastapi project, on the release path: the model in prod.

    `make release-model` registers the model and assigns it to prod (the registry's git tags,
    on HEAD); `make image-model` then exports prod's verified file.
    """
    released = run_in(fastapi_project, "make", "release-model")
    assert released.returncode == 0, released.stdout + released.stderr
    image = build_image(image_store, fastapi_project, tmp_path_factory.mktemp("fastapi"))
    yield image
    remove_image(image_store, image)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.slow
def test_the_batch_image_scores_a_batch_as_the_projects_environment_does(
    image_store: ImageStore, batch_image: BuiltImage, tmp_path: Path
) -> None:
    project = batch_image.project
    target = batch_image.contract["target"]["column"]
    rows = read_csv(project / "data" / "processed" / "test.csv")[:BATCH_ROWS]
    batch = [{name: value for name, value in row.items() if name != target} for row in rows]
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o777)  # the image's user writes the predictions here
    write_csv(data / "batch.csv", batch)
    entrypoint = batch_image.config["Entrypoint"]
    assert entrypoint == [batch_image.package]
    command = [*entrypoint, "score", "data/batch.csv", "data/scored.csv"]
    with image_store.container(batch_image.name) as container:
        scored = image_store.run(
            "buildah", "run", "--volume", f"{data}:/app/data", container, "--", *command,
            check=False,
        )  # fmt: skip
    assert scored.returncode == 0, scored.stdout + scored.stderr
    in_image = read_csv(data / "scored.csv")
    assert len(in_image) == BATCH_ROWS
    classes = {str(label) for label in batch_image.contract["target"]["classes"]}
    assert {row["prediction"] for row in in_image} <= classes

    # The project's own environment, in a folder laid out as the image's /app, agrees.
    app = tmp_path / "app"
    (app / "models").mkdir(parents=True)
    (app / "data").mkdir()
    for name in ("params.yaml", "contract.yaml", "models/model.skops"):
        shutil.copy2(project / name, app / name)
    write_csv(app / "data" / "batch.csv", batch)
    on_host = subprocess.run(
        [str(project / ".venv" / "bin" / batch_image.package), *command[1:]],
        cwd=app,
        env={**project_env(), "MODEL_PATH": str(app / "models" / "model.skops")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert on_host.returncode == 0, on_host.stderr
    expected = read_csv(app / "data" / "scored.csv")
    compared = [name for name in expected[0] if name != "model_version"]
    assert [[row[name] for name in compared] for row in in_image] == [
        [row[name] for name in compared] for row in expected
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def on_loopback(command: list[str], port: int) -> list[str]:
    """The image's CMD with its --host and --port values replaced: 127.0.0.1 and a free port."""
    replaced = list(command)
    for option, value in (("--host", "127.0.0.1"), ("--port", str(port))):
        assert option in replaced, f"the image's CMD {command} has no {option}"
        replaced[replaced.index(option) + 1] = value
    return replaced


@contextmanager
def serving(store: ImageStore, container: str, command: list[str], log: Path) -> Iterator[int]:
    """Run `command` in the container in the background; yield buildah's pid; stop it after."""
    with log.open("w") as output:
        process = subprocess.Popen(
            ["buildah", "run", container, "--", *command],
            env={**os.environ, **store.variables},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, which we stop as a whole
        )
    try:
        yield process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def request_json(url: str, body: object | None = None) -> tuple[int, Any]:
    """GET (or POST `body` as JSON to) a loopback URL; return the status and the decoded body."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url, data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def wait_for_health(url: str, pid: int, log: Path) -> dict[str, Any]:
    """Poll `url` until it answers (at most 120 s, or until the service exits)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            status, body = request_json(url)
        except OSError:
            assert Path(f"/proc/{pid}").exists(), f"the service exited:\n{log.read_text()[-3000:]}"
            time.sleep(0.5)
            continue
        assert status == 200, (status, body)
        return dict(body)
    pytest.fail(f"no answer from {url} within 120 s:\n{log.read_text()[-3000:]}")


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (read from /proc: buildah's runtime, the served process...)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def uids_running(pid: int, program: str) -> set[int]:
    """The real and effective uids of the processes below `pid` that run `program`."""
    uids: set[int] = set()
    for child in descendants(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            status = Path(f"/proc/{child}/status").read_text()
        except OSError:
            continue
        if program.encode() in cmdline:
            line = next(line for line in status.splitlines() if line.startswith("Uid:"))
            uids.update(int(uid) for uid in line.split()[1:3])
    return uids


def row_from_contract(contract: dict[str, Any]) -> dict[str, object]:
    """A valid row for the service: each feature column at its lowest allowed value."""
    skipped = {contract["target"]["column"], contract.get("id_column")}
    row: dict[str, object] = {}
    for name, column in contract["columns"].items():
        kind = column["type"]
        if name in skipped or not column.get("feature", kind != "text"):
            continue
        if kind in {"number", "integer"}:
            bound = next((b for b in (column.get("min"), column.get("max")) if b is not None), 0)
            row[name] = int(bound) if kind == "integer" else float(bound)
        elif kind == "boolean":
            row[name] = True
        else:
            row[name] = (column.get("categories") or ["a"])[0]
    return row


@pytest.mark.slow
def test_the_fastapi_image_serves_health_and_a_prediction_as_user_10001(
    image_store: ImageStore, fastapi_image: BuiltImage, tmp_path: Path
) -> None:
    port = free_port()
    command = on_loopback(fastapi_image.config["Cmd"], port)
    assert command[0] == "uvicorn"
    assert command[1] == f"{fastapi_image.package}.api:app"
    log = tmp_path / "service.log"
    with (
        image_store.container(fastapi_image.name) as container,
        serving(image_store, container, command, log) as pid,
    ):
        health = wait_for_health(f"http://127.0.0.1:{port}/health", pid, log)
        uids = uids_running(pid, "uvicorn")
        row = row_from_contract(fastapi_image.contract)
        status, answer = request_json(f"http://127.0.0.1:{port}/predict", {"rows": [row]})
    assert health["status"] == "ok"
    assert "/health" in " ".join(fastapi_image.config["Healthcheck"]["Test"])
    assert uids == {APP_USER}, f"the service runs as {uids}"
    assert status == 200, answer
    assert answer["model_version"] == health["model_version"]
    [prediction] = answer["predictions"]
    assert prediction["label"] in fastapi_image.contract["target"]["classes"]
    assert 0 <= prediction["probability"] <= 1


@pytest.mark.slow
@pytest.mark.parametrize(
    "serving_answer",
    [
        pytest.param("batch", marks=USES_CLASSIFICATION_PROJECT),
        pytest.param("fastapi", marks=USES_FASTAPI_IMAGE),
    ],
)
def test_the_image_runs_as_user_10001_with_no_dev_tool_or_source(
    image_store: ImageStore, request: pytest.FixtureRequest, serving_answer: str
) -> None:
    image: BuiltImage = request.getfixturevalue(f"{serving_answer}_image")
    assert image.config["User"] == f"{APP_USER}:{APP_USER}"
    labels = image.config["Labels"]
    head = git(image.project, "rev-parse", "HEAD").strip()
    assert labels["org.opencontainers.image.revision"] == head
    # No release tag v* yet: the version is the commit, whatever tags the model registry made.
    short = git(image.project, "rev-parse", "--short", "HEAD").strip()
    assert labels["org.opencontainers.image.version"] == short
    with image_store.container(image.name) as container:
        uid = image_store.run("buildah", "run", container, "--", "id", "-u").stdout.strip()
        probe = image_store.run(
            "buildah", "run", container, "--", "python", "-c", PROBE, image.package, *DEV_TOOLS
        )  # fmt: skip
    found = json.loads(probe.stdout)
    assert uid == str(APP_USER)
    assert found["executables"] == {}
    assert not set(DEV_TOOLS) & set(found["distributions"])
    assert found["package"].startswith(found["site"]), "the project is installed, not linked"
    assert not found["src"]
    assert found["strays"] == [], "source files outside the installed package"
    assert found["app"] == ["contract.yaml", "models/model.skops", "params.yaml"]
