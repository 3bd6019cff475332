"""A template's released versions, read with git alone (no Copier).

A release is what Copier takes for one: a tag that parses as a PEP 440 version (`v0.3`,
`0.4.0`, `v1.0.0rc1`), ordered by `packaging`, pre-releases left out unless asked for (as
Copier's `--prereleases` does). `tesler check` asks "is this project behind?" on every CI
run, so the answer costs one `git ls-remote`, not the ~0.6 s of importing Copier plus a clone.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

from tesler import git
from tesler.errors import TemplateError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tesler.locations import TemplateLocation

# What `git describe --tags --always` prints past a tag, and Copier records as `_commit`.
_DESCRIBE = re.compile(r"^(?P<tag>.+)-(?P<ahead>\d+)-g(?P<sha>[0-9a-f]{4,64})$")
_HEX = re.compile(r"^[0-9a-f]{4,64}$")


@dataclass(frozen=True, order=True)
class Release:
    """A tag that names a PEP 440 version; ordered by version, not by name."""

    version: Version
    tag: str = field(compare=False)

    @property
    def is_prerelease(self) -> bool:
        """True for `rc`, `a`, `b` and `.dev` versions, which Copier skips unless asked."""
        return self.version.is_prerelease

    def __str__(self) -> str:
        """The tag as written in the template repository."""
        return self.tag


def parse_release(tag: str) -> Release | None:
    """The release a tag names, or None when the tag is not a version (as Copier decides)."""
    try:
        return Release(Version(tag), tag)
    except InvalidVersion:
        return None


def is_release(tag: str, *, prereleases: bool = False) -> bool:
    """True for the tags Copier would update to (pre-releases only when asked)."""
    release = parse_release(tag)
    return release is not None and (prereleases or not release.is_prerelease)


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

    location: TemplateLocation
    tags: Mapping[str, str]
    branches: Mapping[str, str]
    head: str | None

    def releases(self, *, prereleases: bool = False) -> list[Release]:
        """Release tags, oldest first (pre-releases only when asked)."""
        found = (parse_release(tag) for tag in self.tags)
        return sorted(r for r in found if r is not None and (prereleases or not r.is_prerelease))

    def latest(self, *, prereleases: bool = False) -> Release | None:
        """The highest release, or None when the template has none."""
        releases = self.releases(prereleases=prereleases)
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
        if self.location.local_dir is not None:
            # A local template resolves any commit, not only the tips ls-remote lists.
            return git.commit_of(self.location.local_dir, ref)
        return None

    def names(self, *, prereleases: bool = False) -> str:
        """The releases as a list for a message."""
        return ", ".join(r.tag for r in self.releases(prereleases=prereleases)) or "none"


def list_refs(location: TemplateLocation, *, fix: str = "") -> TemplateRefs:
    """Read every ref of the template with one `git ls-remote` (local path or URL)."""
    result = git.call(["ls-remote", "--", location.git])
    if not result.ok:
        raise TemplateError(
            f"cannot read the versions of template {location}: {result.reason}",
            fix=fix
            or "check that the template is reachable from here (network, credentials, "
            "the URL or path)",
        )
    tags: dict[str, str] = {}
    branches: dict[str, str] = {}
    head = None
    for line in result.text.splitlines():
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
    return TemplateRefs(location=location, tags=tags, branches=branches, head=head)


def read_template_file(location: TemplateLocation, ref: str, path: str, *, fix: str) -> str:
    """The text of `path` in the template at `ref` (e.g. copier.yml at the recorded version).

    `fix` says what to do when the template has no `ref` (the caller knows where the ref
    came from).
    """
    text = read_template_files(location, ref, [path], fix=fix)[path]
    if text is None:
        raise TemplateError(
            f"template {location} has no {path} at {ref}, so it is not a Copier template there",
            fix=fix,
        )
    return text


def read_template_files(
    location: TemplateLocation, ref: str, paths: list[str], *, fix: str
) -> dict[str, str | None]:
    """The text of each of `paths` at `ref` (None for a missing file), with one clone at most.

    A local template is read in place; a remote one through a blob-less bare clone, which
    fetches only the trees and the files asked for.
    """
    if location.local_dir is not None and location.local_dir.is_dir():
        return _read(location.local_dir, ref, paths, location, fix)
    with tempfile.TemporaryDirectory(prefix="tesler-template-") as directory:
        clone = ["clone", "--quiet", "--bare", "--filter=blob:none", "--", location.git, directory]
        result = git.call(clone)
        if not result.ok:
            raise TemplateError(
                f"cannot clone template {location}: {result.reason}",
                fix="check that the template is reachable from here",
            )
        return _read(Path(directory), ref, paths, location, fix)


def _read(
    repository: Path, ref: str, paths: list[str], location: TemplateLocation, fix: str
) -> dict[str, str | None]:
    if git.commit_of(repository, ref) is None:
        raise TemplateError(f"template {location} has no version {ref!r}", fix=fix)
    return {path: git.file_at(repository, ref, path) for path in paths}
