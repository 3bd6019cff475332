"""`tesler check` against a template served over git's smart HTTP vs the same template on disk.

The template (a committed snapshot of this checkout, tagged v0.1.0) is served by
`git http-backend` on 127.0.0.1; one project records its URL, the other its path. Each
check runs as a `tesler` process, after one warm-up run; the figure is the median of
`--repeat` runs, and the ratio compares the two transports measured in the same run.

    uv run python benchmarks/bench_check_transport.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import snapshot_repository  # noqa: E402  (after the path is set)
from tests.support.git_http import serve_git  # noqa: E402

TESLER = str(Path(sys.executable).parent / "tesler")


def _run(*command: str, cwd: Path | None = None) -> None:
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)


def _project(template: str, destination: Path) -> Path:
    _run(TESLER, "new", str(destination), "--template", template, "--vcs-ref", "v0.1.0",
         "--defaults", "--no-setup")  # fmt: skip
    _run("git", "init", "--quiet", "--initial-branch=main", cwd=destination)
    _run("git", "add", "--all", cwd=destination)
    _run("git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "g", cwd=destination)
    return destination


def _median(project: Path, repeat: int, *only: str) -> float:
    command = [TESLER, "check", str(project), *only]
    subprocess.run(command, capture_output=True, check=False)  # warm-up (Copier's mirror)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
        if completed.returncode not in {0, 4}:
            raise SystemExit(completed.stderr.decode())
    return statistics.median(times)


def main() -> None:
    """Print the medians and the HTTP/local ratio for the full check and `--only behind`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    work = Path(tempfile.mkdtemp(prefix="bench-check-"))
    os.environ["COPIER_CACHE_DIR"] = str(work / "copier-cache")
    try:
        template = snapshot_repository(ROOT, work / "template")
        _run("git", "tag", "v0.1.0", cwd=template)
        with serve_git(work / "served") as server:
            (work / "served").mkdir(exist_ok=True)
            url = server.publish(template, "tesler")
            local = _project(str(template), work / "local")
            served = _project(url, work / "http")
            for label, only in (("full check", ()), ("--only behind", ("--only", "behind"))):
                on_disk = _median(local, repeat, *only)
                over_http = _median(served, repeat, *only)
                print(
                    f"{label:14} local path {on_disk:.2f} s, smart HTTP {over_http:.2f} s: "
                    f"{over_http / on_disk:.2f}x (medians of {repeat})"
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
