"""The template's history, read with git alone: which commit a version names, what is newer.

Copier records a project's template version as `git describe --tags --always` of the
template commit (`v0.2.0`, `v0.2.0-3-gabc1234`, or a bare hash). The index resolves
those strings to commits so "behind", "up to date" and "ahead" follow git ancestry.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tesler import git
from tesler.errors import TemplateError
from tesler.locations import parse as parse_location
from tesler.versions import is_release

if TYPE_CHECKING:
    from collections.abc import Iterator

_DESCRIBED = re.compile(r"^(?P<tag>.+)-(?P<count>\d+)-g(?P<sha>[0-9a-f]{4,40})$")


@dataclass(frozen=True)
class Target:
    """A template ref resolved to a commit, and the version string Copier would record."""

    ref: str
    commit: str
    version: str


class TemplateIndex:
    """Read-only questions about one template repository's commits and tags."""

    def __init__(self, git_dir: Path, source: str) -> None:
        """Wrap an existing repository (a checkout or a bare clone) at `git_dir`."""
        self.git_dir = git_dir
        self.source = source
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, ...], str | None] = {}

    def _git(self, *args: str) -> str | None:
        key = args
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        value = git.query(list(args), self.git_dir)
        with self._lock:
            self._cache[key] = value
        return value

    def resolve(self, ref: str) -> Target | None:
        """The commit and recorded version of a tag, branch, HEAD or commit; None if unknown."""
        if not git.is_plain_ref(ref):
            return None
        commit = self._git(
            "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"
        )
        if not commit:
            return None
        version = self._git("describe", "--tags", "--always", "--end-of-options", commit) or commit
        return Target(ref=ref, commit=commit, version=version)

    def commit_of(self, version: str) -> str | None:
        """The commit a recorded `_commit` value names, or None if the template lacks it."""
        described = _DESCRIBED.match(version)
        name = described["sha"] if described else version
        if not git.is_plain_ref(name):
            return None
        return self._git(
            "rev-parse", "--verify", "--quiet", "--end-of-options", f"{name}^{{commit}}"
        )

    def is_ancestor(self, older: str, newer: str) -> bool:
        """True when commit `older` is in the history of commit `newer`."""
        key = ("merge-base", "--is-ancestor", "--end-of-options", older, newer)
        with self._lock:
            if key in self._cache:
                return self._cache[key] is not None
        value = git.query(list(key), self.git_dir)
        with self._lock:
            self._cache[key] = value
        return value is not None

    def releases_between(self, current: str, target: str) -> int:
        """How many release tags `target` has that `current` does not (commits)."""
        listed = self._git("tag", f"--merged={target}", f"--no-merged={current}") or ""
        return sum(1 for tag in listed.split() if is_release(tag))


@contextmanager
def open_template(source: str) -> Iterator[TemplateIndex]:
    """Index a local template checkout in place, or a bare partial clone of a remote one."""
    location = parse_location(source, what="`template:` in the manifest")
    if location.local_dir is not None and "://" not in location.git:
        if git.query(["rev-parse", "--git-dir"], location.local_dir) is None:
            raise TemplateError(
                f"template {source} is not a git repository, so it has no versions",
                fix="point `template:` in the manifest at a git clone or URL of the template",
            )
        yield TemplateIndex(location.local_dir, source)
        return
    scratch = Path(tempfile.mkdtemp(prefix="tesler-template-"))
    try:
        git.run(
            [
                "clone",
                "--bare",
                "--quiet",
                "--filter=blob:none",
                "--",
                location.git,
                str(scratch / "t"),
            ],
            scratch,
            step="read the template's history",
            fix=f"check that the template URL {source} is reachable",
        )
        yield TemplateIndex(scratch / "t", source)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
