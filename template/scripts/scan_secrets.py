"""`make secrets`: detect-secrets on the files named on stdin, skipping files found clean before.

detect-secrets rescans every file on every run: 6 s of CPU for a new project on 2 cores, the
largest gate beside the tests (2026-12-02), although between two `make check` runs few files
change. detect-secrets keeps no cache, so this script keeps one (hand-written for that reason):
a file is skipped when the same content at the same path was scanned clean before, with the same
baseline, exclusions and detect-secrets version. Anything else is scanned by detect-secrets'
own pre-commit hook, with the options the pre-commit hook uses.

The record of clean files lives in the repository's git directory (`git rev-parse --git-path`),
where no commit can put one: a clone (CI's, a reviewer's) starts without it and scans every file.
Outside a git repository nothing is recorded.
"""

# ruff: noqa: INP001  (a script run by make, not an importable package)

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

BASELINE = Path(".secrets.baseline")
RECORD_NAME = "detect-secrets-clean"


def main() -> int:
    """Scan the files named on stdin (one per line) that were not found clean before."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exclude-files", default="", help="regex of paths not to scan")
    options = parser.parse_args()
    names = [line for line in sys.stdin.read().splitlines() if line]
    record = _record_path()
    key = _key(options.exclude_files)
    clean = _read_record(record, key)
    digests = {name: _digest(Path(name)) for name in names}
    to_scan = [name for name in names if clean.get(name) != digests[name]]
    if to_scan:
        sys.stdout.write(
            f"detect-secrets-hook --no-verify on {len(to_scan)} of {len(names)} file(s)\n"
        )
        sys.stdout.flush()  # before the hook's own report
        status = _scan(to_scan, options.exclude_files)
        if status != 0:
            return status
    else:
        sys.stdout.write(
            f"{len(names)} file(s) unchanged since they were found clean: nothing to scan\n"
        )
    if record is not None:
        _write_record(record, key, digests)
    return 0


def _scan(names: list[str], exclude: str) -> int:
    # Imported only when a file must be scanned: the import alone takes ~1 s of CPU.
    from detect_secrets.pre_commit_hook import main as hook  # noqa: PLC0415

    arguments = ["--no-verify", "--baseline", str(BASELINE)]
    if exclude:
        arguments += ["--exclude-files", exclude]
    # `--` ends the options: a file named like an option is still a file to scan.
    return hook([*arguments, "--", *names])


def _record_path() -> Path | None:
    found = subprocess.run(  # noqa: S603  (fixed arguments; git from PATH, as make finds it)
        ["git", "rev-parse", "--git-path", RECORD_NAME],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return Path(found.stdout.strip()) if found.returncode == 0 and found.stdout.strip() else None


def _key(exclude: str) -> str:
    """What a verdict depends on besides the file: the baseline, the exclusions, the scanner."""
    key = hashlib.sha256()
    for part in (version("detect-secrets").encode(), exclude.encode(), BASELINE.read_bytes()):
        key.update(hashlib.sha256(part).digest())
    return key.hexdigest()


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:  # unreadable or gone: never recorded, the scan reports it
        return ""


def _read_record(record: Path | None, key: str) -> dict[str, str]:
    if record is None:
        return {}
    try:
        first, *lines = record.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    if first != key:
        return {}
    clean = {}
    for line in lines:
        digest, _, name = line.partition(" ")
        clean[name] = digest
    return clean


def _write_record(record: Path, key: str, digests: dict[str, str]) -> None:
    lines = [key, *(f"{digest} {name}" for name, digest in digests.items() if digest)]
    partial = record.with_name(f"{record.name}.{os.getpid()}")
    partial.write_text("\n".join(lines) + "\n", encoding="utf-8")
    partial.replace(record)


if __name__ == "__main__":
    sys.exit(main())
