"""Benchmark `tesler new` against plain `copier copy`, and time zero-to-green.

Prints ratios against a baseline measured in the same run (goal: render ratio <= 1.1).
Measures the committed HEAD of this checkout. Usage: `uv run python benchmarks/bench_new.py [runs]`.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _timed(command: list[str], cwd: Path) -> float:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main(runs: int) -> int:
    """Run the benchmark and print its figures."""
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        template = work / "template"
        subprocess.run(["git", "clone", "--quiet", str(REPO_ROOT), str(template)], check=True)
        copier_times, tesler_times = [], []
        for run in range(runs):
            copier = [str(BIN / "copier"), "copy", "--quiet", "--defaults", "--vcs-ref", "HEAD"]
            tesler = [str(BIN / "tesler"), "new", str(work / f"tesler-{run}"), "--template"]
            copier_times.append(_timed([*copier, str(template), str(work / f"copier-{run}")], work))
            tesler_times.append(
                _timed(
                    [*tesler, str(template), "--vcs-ref", "HEAD", "--defaults", "--no-setup"], work
                )
            )
        copier_median = statistics.median(copier_times)
        tesler_median = statistics.median(tesler_times)
        print(f"plain copier copy          median {copier_median:6.2f} s over {runs} runs")
        print(f"tesler new --no-setup      median {tesler_median:6.2f} s over {runs} runs")
        print(f"ratio tesler/copier        {tesler_median / copier_median:6.2f}  (goal <= 1.10)")

        project = work / "green"
        start = time.perf_counter()
        _timed(
            [str(BIN / "tesler"), "new", str(project), "--template", str(template),
             "--vcs-ref", "HEAD", "--defaults"],
            work,
        )  # fmt: skip
        created = time.perf_counter() - start
        check = _timed(["make", "check"], project)
        print(f"tesler new with set-up     {created:6.2f} s (render, uv, dvc repro+push, commit)")
        print(f"make check                 {check:6.2f} s")
        print(f"zero to green              {created + check:6.2f} s  (warm uv cache)")
        shutil.rmtree(project, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
