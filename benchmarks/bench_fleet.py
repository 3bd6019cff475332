"""Benchmark the fleet commands against a serial shell loop of plain `copier update`.

Prints, from one run:
- apply: a fleet of N repositories one release behind, updated by a serial shell loop of
  `copier update` (clone, update, commit, push each) versus `tesler fleet apply --jobs J`,
  like for like: the loop's temporary files go to the same directory as apply's clones (the
  scratch directory apply picks, `/dev/shm` when roomy, or `--scratch`) (goal: >= 3x faster);
- no-op reconcile: `tesler fleet apply` over an up-to-date fleet (goal: <= 0.1 s per repository);
- plan: `tesler fleet plan` over M repositories, each its own bare remote (goal: <= 60 s).

Measures the committed HEAD of this checkout. Usage:
`uv run python benchmarks/bench_fleet.py [--repos 50] [--plan-repos 1000] [--jobs 2]`
(`--repos 8 --plan-repos 50` is a quick run).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from projects import machine

from tesler.fleet.scratch import scratch_root

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
README = "template/README.md.jinja"
IDENTITY = ["-c", "user.name=bench", "-c", "user.email=bench@localhost"]
BASELINE = """
set -e
for remote in "$@"; do
  work=$(mktemp -d)
  git clone --quiet "$remote" "$work/repo"
  cd "$work/repo"
  copier update --quiet --defaults --vcs-ref v0.2.0
  git checkout --quiet -b template-update/v0.2.0
  git add --all
  git -c user.name=bench -c user.email=bench@localhost commit --quiet -m "Update template"
  git push --quiet origin template-update/v0.2.0
  cd /
  rm -rf "$work"
done
"""


def _env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}


def _run(command: list[str], cwd: Path) -> None:
    subprocess.run(command, cwd=cwd, env=_env(), check=True, capture_output=True)


def _timed(command: list[str], cwd: Path, *, ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, env=_env(), capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if completed.returncode not in ok:
        sys.stderr.write(completed.stdout.decode() + completed.stderr.decode())
        message = f"{command[:4]} exited {completed.returncode}"
        raise SystemExit(message)
    return elapsed


def _commit(repo: Path, message: str) -> None:
    _run(["git", "add", "--all"], repo)
    _run(["git", *IDENTITY, "commit", "--quiet", "--no-verify", "-m", message], repo)


def template_with_releases(work: Path) -> Path:
    """The HEAD of this checkout, with two releases: v0.2.0 changes one README line."""
    template = work / "template"
    _run(["git", "clone", "--quiet", "--no-tags", str(REPO_ROOT), str(template)], work)
    readme = template / README
    section = "\n## Fleet\n\nfleet line one\nfleet line two\nfleet line three\n"
    readme.write_text(readme.read_text(encoding="utf-8") + section, encoding="utf-8")
    _commit(template, "fleet section")
    _run(["git", "tag", "v0.1.0"], template)
    text = readme.read_text(encoding="utf-8")
    readme.write_text(text.replace("fleet line two", "fleet line two, revised"), encoding="utf-8")
    _commit(template, "revise the fleet section")
    _run(["git", "tag", "v0.2.0"], template)
    return template


def project_at(template: Path, work: Path, version: str) -> Path:
    """One project generated at `version` and committed."""
    project = work / f"project-{version}"
    _run(
        [str(BIN / "tesler"), "new", str(project), "--template", str(template),
         "--vcs-ref", version, "--defaults", "--no-setup"],
        work,
    )  # fmt: skip
    _run(["git", "init", "--quiet", "--initial-branch=main"], project)
    _commit(project, f"generate at {version}")
    return project


def remotes(project: Path, directory: Path, count: int) -> list[Path]:
    """`count` bare remotes holding the project (copies of one bare clone: cheap to make)."""
    directory.mkdir(parents=True)
    first = directory / "repo-0000.git"
    _run(["git", "clone", "--quiet", "--bare", str(project), str(first)], directory)
    made = [first]
    for index in range(1, count):
        copy = directory / f"repo-{index:04d}.git"
        shutil.copytree(first, copy, symlinks=True)
        made.append(copy)
    return made


def manifest(path: Path, template: Path, repos: list[Path], scratch: Path | None = None) -> Path:
    """A manifest following `stable` (v0.2.0) for every remote (temporary clones in `scratch`)."""
    entries = "".join(
        f"  - name: {repo.stem}\n    remote: {repo}\n    channel: stable\n" for repo in repos
    )
    settings = f"settings:\n  scratch: {scratch}\n" if scratch else ""
    path.write_text(
        f"template: {template}\nchannels:\n  stable: v0.2.0\n{settings}repositories:\n{entries}",
        encoding="utf-8",
    )
    return path


def bench_apply(work: Path, template: Path, old: Path, count: int, *, jobs: int) -> None:
    """Serial `copier update` loop versus `tesler fleet apply --jobs`: same work, same disk.

    Both write their temporary clones to one directory: the scratch directory apply picks
    itself (a roomy tmpfs, else the system's temporary directory).
    """
    scratch = scratch_root("auto") or Path(tempfile.gettempdir())
    loop = remotes(old, work / "loop", count)
    script = work / "loop.sh"
    script.write_text(BASELINE, encoding="utf-8")
    saved = dict(os.environ)
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"  # this env's copier
    os.environ["TMPDIR"] = str(scratch)
    baseline = _timed(["bash", str(script), *map(str, loop)], work)
    os.environ.clear()
    os.environ.update(saved)
    fleet = manifest(work / "apply.yml", template, remotes(old, work / "fleet", count), scratch)
    tesler = [str(BIN / "tesler"), "fleet", "apply", str(fleet), "--jobs", str(jobs), "--json"]
    applied = _timed(tesler, work)
    rerun = _timed(tesler, work)
    _line(f"serial copier update loop (TMPDIR={scratch})", baseline, count)
    _line(f"tesler fleet apply --jobs {jobs} (same dir)", applied, count)
    print(
        f"{'like for like, loop/tesler':34} {baseline / applied:8.2f}x  "
        f"(goal >= 3x; {count} repositories)"
    )
    _line("re-apply (branches already pushed)", rerun, count)


def _line(label: str, seconds: float, count: int, goal: str = "") -> None:
    per = f"{seconds / count:.3f} s per repository"
    print(f"{label:34} {seconds:8.2f} s  ({per}{'; goal ' + goal if goal else ''})")


def bench_noop(work: Path, template: Path, new: Path, count: int, jobs: int) -> None:
    """`tesler fleet apply` over a fleet already at its target: plan, then nothing to do."""
    fleet = manifest(work / "noop.yml", template, remotes(new, work / "current", count))
    elapsed = _timed(
        [str(BIN / "tesler"), "fleet", "apply", str(fleet), "--jobs", str(jobs), "--json"], work
    )
    _line("no-op reconcile (up-to-date fleet)", elapsed, count, "<= 0.1 s")


def bench_plan(work: Path, template: Path, old: Path, count: int) -> None:
    """`tesler fleet plan` over `count` repositories, each its own bare remote."""
    fleet = manifest(work / "plan.yml", template, remotes(old, work / "many", count))
    elapsed = _timed([str(BIN / "tesler"), "fleet", "plan", str(fleet), "--json"], work, ok=(0, 1))
    _line(f"plan of {count} repositories", elapsed, count, "<= 60 s in all")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=50, help="fleet size for apply and no-op")
    parser.add_argument("--plan-repos", type=int, default=1000, help="fleet size for plan")
    parser.add_argument("--jobs", type=int, default=2, help="tesler fleet apply --jobs")
    parser.add_argument("--skip-apply", action="store_true", help="skip the slow apply figure")
    args = parser.parse_args(argv)
    print(f"bench_fleet: {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as scratch:
        work = Path(scratch)
        template = template_with_releases(work)
        old = project_at(template, work, "v0.1.0")
        new = project_at(template, work, "v0.2.0")
        if not args.skip_apply:
            bench_apply(work, template, old, args.repos, jobs=args.jobs)
        bench_noop(work, template, new, args.repos, args.jobs)
        bench_plan(work, template, old, args.plan_repos)
    print(f"end: {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
