"""Benchmark the generated scoring service against a bare handler on the same model.

Sets up a `serving=fastapi` project from this checkout's template (or uses `--project`), then
serves, side by side on 127.0.0.1 with uvicorn from the project's environment:
- the project's app (found in its Dockerfile's uvicorn CMD), given the trained model file;
- a bare handler: a minimal FastAPI app, in the same environment, that loads the same model
  file with skops and calls `predict` on the posted rows, with no validation or logging.
Each gets the same bounded load: `--requests` one-row requests (after a warm-up) at each
concurrency, stopping early at `--seconds`, sent in `--rounds` parts with the two in turns.
Then the service alone gets the same load with every 5th body hostile. Prints p50/p99 latency,
throughput and errors, and the ratio service/bare (goals: p50 <= 1.5x the bare handler at
concurrency 1, no errors at 20).
Usage: `uv run python benchmarks/bench_service.py [--project PATH] [--requests 2000]`.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Self

from projects import (
    BenchError,
    clean_env,
    current_generator,
    data_files,
    machine,
    model_file,
    read_rows,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

BARE_APP = '''"""The least a service can do: load the model once, predict the posted rows."""

import os

import pandas as pd
import skops.io as sio
from fastapi import FastAPI, Request

PATH = os.environ["BENCH_MODEL_FILE"]
# A benchmark of our own freshly trained file: trust what it holds.
MODEL = sio.load(PATH, trusted=sio.get_untrusted_types(file=PATH))
app = FastAPI()


@app.post("/predict")
async def predict(request: Request) -> dict:
    body = await request.json()
    rows = next(value for value in body.values() if isinstance(value, list))
    return {"predictions": MODEL.predict(pd.DataFrame(rows)).tolist()}
'''
WARM_UP = 50
JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Target:
    """A served app: how to start it and what to post to it."""

    label: str
    app: str
    app_dir: Path
    env: dict[str, str]


@dataclass(frozen=True)
class Load:
    """The outcome of one bounded load run."""

    latencies: list[float]
    errors: int
    seconds: float

    def line(self) -> str:
        """p50, p99, throughput and errors, for the report."""
        if len(self.latencies) < 2:  # noqa: PLR2004  (quantiles need two values)
            return f"{len(self.latencies)} answers, {self.errors} errors"
        cuts = statistics.quantiles(self.latencies, n=100)
        rate = len(self.latencies) / self.seconds
        return (
            f"p50 {cuts[49] * 1000:7.1f} ms  p99 {cuts[98] * 1000:7.1f} ms  "
            f"{rate:6.1f} req/s  {len(self.latencies)} answered  {self.errors} errors"
        )

    def p50(self) -> float:
        """Median latency in seconds."""
        return statistics.median(self.latencies) if self.latencies else float("nan")


def app_of(project: Path) -> str:
    """The ASGI app the project's image serves (Dockerfile CMD), else its Makefile's uvicorn."""
    for name, pattern in (
        ("Dockerfile", r'"uvicorn",\s*"([\w.]+:\w+)"'),
        ("Makefile", r"uvicorn\s+([\w.]+:\w+)"),
    ):
        for path in [project / name, *sorted((project / "make").glob("*.mk"))]:
            if path.is_file() and (match := re.search(pattern, path.read_text())):
                return match[1]
    message = f"{project}: no uvicorn app in its Dockerfile or Makefiles (serving=fastapi?)"
    raise BenchError(message)


def model_variable(project: Path) -> str:
    """The environment variable the image sets to its model file (Dockerfile ENV)."""
    dockerfile = project / "Dockerfile"
    text = dockerfile.read_text() if dockerfile.is_file() else ""
    match = re.search(r"\b([A-Z_]*MODEL[A-Z_]*)=\S+", text)
    return match[1] if match else "MODEL_PATH"


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A uvicorn process on 127.0.0.1, stopped on exit."""

    target: Target
    python: Path
    log: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        """Start uvicorn and wait (at most 120 s) until it answers /openapi.json."""
        self.port = free_port()
        command = [str(self.python), "-m", "uvicorn", self.target.app, "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--app-dir", str(self.target.app_dir)]
        command += ["--no-access-log", "--log-level", "warning"]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(  # in its app folder, where the project's files are
                command,
                cwd=self.target.app_dir,
                env=self.target.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                self.get("/openapi.json")
            except OSError:
                time.sleep(0.3)
            else:
                return self
        self.__exit__()
        message = f"{self.target.label} did not start:\n{self.log.read_text()[-3000:]}"
        raise BenchError(message)

    def __exit__(self, *_: object) -> None:
        """Stop uvicorn."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def get(self, path: str) -> bytes:
        """GET `path`; OSError if it does not answer 200."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        if response.status != 200:  # noqa: PLR2004
            message = f"GET {path}: {response.status}"
            raise OSError(message)
        return body


def _resolve(spec: dict[str, object], schema: object) -> dict[str, object]:
    """Follow a `$ref` inside the OpenAPI document."""
    while isinstance(schema, dict) and "$ref" in schema:
        node: object = spec
        for part in str(schema["$ref"]).lstrip("#/").split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        schema = node
    return schema if isinstance(schema, dict) else {}


@dataclass(frozen=True)
class Shot:
    """One request: where to POST and what."""

    path: str
    body: bytes


def request_of(spec: dict[str, object], sample: dict[str, str]) -> Shot:
    """The POST path and a one-row JSON body built from the service's own OpenAPI spec.

    The body schema's array property holds the rows; each row takes the properties the item
    schema lists, with the sample row's values (numbers where they parse as numbers).
    """
    paths = spec.get("paths", {})
    for path, operations in paths.items() if isinstance(paths, dict) else []:
        post = operations.get("post") if isinstance(operations, dict) else None
        if not isinstance(post, dict):
            continue
        content = post.get("requestBody", {}).get("content", {})
        body = _resolve(spec, content.get("application/json", {}).get("schema", {}))
        properties = body.get("properties", {})
        for name, prop in properties.items() if isinstance(properties, dict) else []:
            array = _resolve(spec, prop)
            if array.get("type") != "array":
                continue
            columns = _resolve(spec, array.get("items", {})).get("properties", {})
            names = list(columns) if isinstance(columns, dict) else []
            row = {column: _value(sample[column]) for column in names if column in sample}
            return Shot(str(path), json.dumps({name: [row]}).encode())
    message = "the service's OpenAPI spec has no POST operation taking an array of rows"
    raise BenchError(message)


def _value(text: str) -> object:
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text else number


def load(server: Server, shot: Shot, *, count: int, threads: int, seconds: float) -> Load:
    """Send `count` requests from `threads` keep-alive connections; stop at `seconds`."""
    return mixed_load(server, shot, [], count=count, threads=threads, seconds=seconds, every=0).good


def hostile_shots(good: Shot) -> list[Shot]:
    """Bodies an attacker or a careless client sends: each must be refused with a 4xx, fast.

    Over the byte cap (extra keys), just under it (extra keys: validation work), a NaN and a
    `true` and a text where numbers go.
    """
    body = json.loads(good.body)
    row = next(iter(body.values()))[0]
    numeric = next(key for key, value in row.items() if isinstance(value, (int, float)))
    key = next(iter(body))

    def with_extra(size: int) -> bytes:
        extra = {f"extra_{index}": index for index in range(size // 16)}
        return json.dumps({key: [{**row, **extra}]}).encode()

    nan = json.dumps({key: [{**row, numeric: float("nan")}]}).encode()  # NaN: not JSON proper
    typed = json.dumps({key: [{**row, numeric: True}, {**row, numeric: "14.2"}]}).encode()
    return [
        Shot(good.path, with_extra(2 * 1024 * 1024)),
        Shot(good.path, with_extra(900 * 1024)),
        Shot(good.path, nan),
        Shot(good.path, typed),
    ]


@dataclass(frozen=True)
class MixedLoad:
    """A run with hostile bodies among the good ones: the good ones' latencies, what was refused."""

    good: Load
    refused: int
    hostile_errors: int

    def line(self) -> str:
        """The good requests' figures, then the hostile ones' outcome."""
        return (
            f"{self.good.line()}; hostile: {self.refused} refused (4xx), "
            f"{self.hostile_errors} errors (5xx or no answer)"
        )


def mixed_load(  # noqa: PLR0913  (load's keywords, and how often a body is hostile)
    server: Server,
    good: Shot,
    hostile: list[Shot],
    *,
    count: int,
    threads: int,
    seconds: float,
    every: int,
) -> MixedLoad:
    """Send `count` requests from `threads` keep-alive connections; stop at `seconds`.

    Every `every`-th request is one of the hostile bodies, in turn (none when `every` is 0).
    """
    tickets: Iterator[int] = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"errors": 0, "refused": 0, "hostile_errors": 0}
    deadline = time.monotonic() + seconds

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                ticket = next(tickets)
            if ticket >= count:
                break
            is_hostile = every > 0 and ticket % every == every - 1
            shot = hostile[(ticket // every) % len(hostile)] if is_hostile else good
            start = time.perf_counter()
            try:
                connection.request("POST", shot.path, shot.body, JSON)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = 0
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            elapsed = time.perf_counter() - start
            with lock:
                if is_hostile:
                    key = "refused" if 400 <= status < 500 else "hostile_errors"  # noqa: PLR2004
                    counts[key] += 1
                elif status == 200:  # noqa: PLR2004
                    latencies.append(elapsed)
                else:
                    counts["errors"] += 1
        connection.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    good_load = Load(latencies, counts["errors"], time.perf_counter() - started)
    return MixedLoad(good_load, counts["refused"], counts["hostile_errors"])


def targets(project: Path, scratch: Path) -> list[Target]:
    """The project's service and the bare handler, both on the project's trained model."""
    model = model_file(project)
    service_env = clean_env(**{model_variable(project): str(model)})
    (scratch / "bare_handler.py").write_text(BARE_APP, encoding="utf-8")
    bare_env = clean_env(BENCH_MODEL_FILE=str(model))
    return [
        Target("service", app_of(project), project, service_env),
        Target("bare handler", "bare_handler:app", scratch, bare_env),
    ]


def combined(loads: list[Load]) -> Load:
    """One load made of several runs: every latency, every error, the time of all of them."""
    return Load(
        [latency for run in loads for latency in run.latencies],
        sum(run.errors for run in loads),
        sum(run.seconds for run in loads),
    )


def bench(
    project: Path, scratch: Path, args: argparse.Namespace
) -> tuple[dict[tuple[str, int], Load], dict[int, MixedLoad]]:
    """Run the bounded load against each target at each concurrency (and the hostile mix).

    Both servers run side by side, idle when not asked; each concurrency's requests are sent in
    `--rounds` parts, the two targets in turns (the order swapped every round), so a change in
    the machine's speed, which moves single runs here by a third, hits both alike.
    """
    header, rows = read_rows(data_files(project)[0])
    sample = dict(zip(header, rows[0], strict=True))
    python = project / ".venv" / "bin" / "python"
    runs: dict[tuple[str, int], list[Load]] = {}
    mixed: dict[int, MixedLoad] = {}
    with contextlib.ExitStack() as stack:
        servers = {
            target.label: stack.enter_context(
                Server(target, python, scratch / f"{target.label.replace(' ', '-')}.log")
            )
            for target in targets(project, scratch)
        }
        # The service's spec shapes the request; the bare handler takes the same body.
        shot = request_of(json.loads(servers["service"].get("/openapi.json")), sample)
        for label, server in servers.items():
            warm = load(server, shot, count=WARM_UP, threads=1, seconds=args.seconds)
            if warm.errors:
                log = server.log.read_text()[-2000:]
                message = f"{label}: warm-up requests to {shot.path} failed:\n{log}"
                raise BenchError(message)
        share, seconds = max(1, args.requests // args.rounds), args.seconds / args.rounds
        for concurrency in args.concurrency:
            for turn in range(args.rounds):
                order = list(servers.items())
                for label, server in order if turn % 2 == 0 else reversed(order):
                    runs.setdefault((label, concurrency), []).append(
                        load(server, shot, count=share, threads=concurrency, seconds=seconds)
                    )
            if args.hostile_every:
                mixed[concurrency] = mixed_load(
                    servers["service"], shot, hostile_shots(shot), count=args.requests,
                    threads=concurrency, seconds=args.seconds, every=args.hostile_every,
                )  # fmt: skip
    return {key: combined(loads) for key, loads in runs.items()}, mixed


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="a set-up serving=fastapi project to use")
    parser.add_argument("--requests", type=int, default=2000, help="requests per run")
    parser.add_argument("--seconds", type=float, default=120.0, help="time limit per run")
    parser.add_argument(
        "--rounds", type=int, default=10, help="parts each run is sent in, the targets in turns"
    )
    parser.add_argument(
        "--concurrency",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[1, 20],
        help="comma-separated concurrency levels",
    )
    parser.add_argument(
        "--hostile-every",
        type=int,
        default=5,
        help="also run the service with every Nth request a hostile body (0: no such run)",
    )
    args = parser.parse_args(argv)
    print(f"bench_service: {machine()}")
    scratch = Path(tempfile.mkdtemp(prefix="bench-service-"))
    try:
        project = args.project
        if project is None:
            generator = current_generator(scratch)
            project = scratch / "service" / "project"
            project.parent.mkdir()
            generator.new(project, ["serving=fastapi"])
        project = project.resolve()
        print(f"project {project}; app {app_of(project)}; model {model_file(project).name}")
        print(f"{args.requests} one-row requests per run (limit {args.seconds:.0f} s)")
        results, mixed = bench(project, scratch, args)
    except BenchError as error:
        print(f"bench_service: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for (label, concurrency), outcome in results.items():
        print(f"{label:13} concurrency {concurrency:3}: {outcome.line()}")
    for concurrency, mixed_outcome in mixed.items():
        mix = f"service, 1 in {args.hostile_every} hostile, concurrency {concurrency:3}"
        print(f"{mix}: {mixed_outcome.line()}")
    for concurrency in args.concurrency:
        service, bare = results["service", concurrency], results["bare handler", concurrency]
        goal = "  (goal <= 1.5x)" if concurrency == 1 else ""
        ratio = service.p50() / bare.p50()
        print(f"p50 service/bare at concurrency {concurrency}: {ratio:.2f}x{goal}")
    print(f"end: {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
