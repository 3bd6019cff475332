"""A template's released versions, read with git alone (no Copier).

`tesler check` asks "is this project behind?" on every CI run, so the answer must cost
one `git ls-remote`, not the ~0.6 s of importing Copier plus a clone.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tesler.errors import TemplateError

if TYPE_CHECKING:
    from collections.abc import Mapping

_SEMVER = re.compile(r"^v?(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)$")
# What `git describe --tags --always` prints past a tag, and Copier records as `_commit`.
_DESCRIBE = re.compile(r"^(?P<tag>.+)-(?P<ahead>\d+)-g(?P<sha>[0-9a-f]{4,40})$")
_HEX = re.compile(r"^[0-9a-f]{4,40}$")


@dataclass(frozen=True, order=True)
class Release:
    """A release tag `vX.Y.Z`; ordered by version number, not by name."""

    major: int
    minor: int
    patch: int
    tag: str = field(compare=False)

    def __str__(self) -> str:
        """The tag as written in the template repository."""
        return self.tag


def parse_release(tag: str) -> Release | None:
    """The release a tag names, or None when the tag is not a plain semantic version."""
    match = _SEMVER.match(tag)
    if match is None:
        return None
    return Release(int(match["major"]), int(match["minor"]), int(match["patch"]), tag)


@dataclass(frozen=True)
class RecordedVersion:
    """The `_commit` an answers file records: a tag, `tag-N-gSHA`, or a bare commit."""

    text: str
    release: Release | None
    commits_ahead: int
    sha_prefix: str | None

    @classmethod
    def parse(cls, text: str) -> RecordedVersion:
        """Split Copier's `git describe --tags --always` output into its parts."""
        described = _DESCRIBE.match(text)
        if described:
            return cls(
                text, parse_release(described["tag"]), int(described["ahead"]), described["sha"]
            )
        if _HEX.match(text):
            return cls(text, None, 0, text)
        return cls(text, parse_release(text), 0, None)


@dataclass(frozen=True)
class TemplateRefs:
    """The refs of a template repository: tags (peeled to commits), branches and HEAD."""

    source: str
    tags: Mapping[str, str]
    branches: Mapping[str, str]
    head: str | None

    def releases(self) -> list[Release]:
        """Release tags, oldest first."""
        return sorted(filter(None, map(parse_release, self.tags)))

    def latest(self) -> Release | None:
        """The highest release, or None when the template has no release tag."""
        releases = self.releases()
        return releases[-1] if releases else None

    def resolve(self, ref: str) -> str | None:
        """The commit `ref` (tag, branch, HEAD or a describe string) points to, if known."""
        if ref == "HEAD":
            return self.head
        if ref in self.tags:
            return self.tags[ref]
        if ref in self.branches:
            return self.branches[ref]
        recorded = RecordedVersion.parse(ref)
        if recorded.sha_prefix:
            for sha in (*self.tags.values(), *self.branches.values(), self.head or ""):
                if sha.startswith(recorded.sha_prefix):
                    return sha
        return None


def source_location(src_path: str, project: Path) -> str:
    """Where git finds the template an answers file names.

    tesler records local templates with absolute paths; a relative one written by hand is
    taken relative to the project, which is where a reader of the answers file expects it.
    """
    if "://" in src_path or src_path.startswith(("git@", "gh:", "gl:")):
        return src_path
    path = Path(src_path).expanduser()
    return str(path if path.is_absolute() else (project / path).resolve())


def list_refs(source: str) -> TemplateRefs:
    """Read every ref of `source` with one `git ls-remote` (local path or URL)."""
    command = ["git", "ls-remote", source]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise TemplateError(
            f"cannot read the versions of template {source}: "
            f"{completed.stderr.strip() or 'git ls-remote failed'}",
            fix="check `_src_path` in .copier-answers.yml and that the template is reachable",
        )
    tags: dict[str, str] = {}
    branches: dict[str, str] = {}
    head = None
    for line in completed.stdout.splitlines():
        sha, _, ref = line.partition("\t")
        if ref == "HEAD":
            head = sha
        elif ref.startswith("refs/heads/"):
            branches[ref.removeprefix("refs/heads/")] = sha
        elif ref.startswith("refs/tags/"):
            name = ref.removeprefix("refs/tags/")
            if name.endswith("^{}"):
                # The peeled entry of an annotated tag: the commit, which is what we compare.
                tags[name.removesuffix("^{}")] = sha
            else:
                tags.setdefault(name, sha)
    return TemplateRefs(source=source, tags=tags, branches=branches, head=head)


def read_template_file(source: str, ref: str, path: str) -> str:
    """The text of `path` in the template at `ref` (e.g. copier.yml at the recorded version).

    A local template is read in place; a remote one through a blob-less bare clone, which
    fetches only the trees and the one file asked for.
    """
    if Path(source).is_dir():
        return _show(Path(source), ref, path, source)
    with tempfile.TemporaryDirectory(prefix="tesler-template-") as directory:
        command = ["git", "clone", "--quiet", "--bare", "--filter=blob:none", source, directory]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise TemplateError(
                f"cannot clone template {source}: {completed.stderr.strip()}",
                fix="check `_src_path` in .copier-answers.yml and that the template is reachable",
            )
        return _show(Path(directory), ref, path, source)


def _show(repository: Path, ref: str, path: str, source: str) -> str:
    command = ["git", "show", f"{ref}:{path}"]
    completed = subprocess.run(command, cwd=repository, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise TemplateError(
            f"template {source} has no {path} at {ref}",
            fix="check `_commit` in .copier-answers.yml: it must name a commit of the template",
        )
    return completed.stdout
