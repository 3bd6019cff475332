"""Read a repository's branches and a few files from its remote, without a full clone.

`git archive --remote` fetches one file in one round trip (about 10 ms for a local
remote, measured); servers that refuse it (GitHub, smart HTTP) get a depth-1, blob-less
clone instead, which fetches only the blobs asked for. Nothing here checks out a tree or
runs a repository's hooks or filters: plan and status run no code of the repositories.
"""

from __future__ import annotations

import io
import shutil
import tarfile
import tempfile
from pathlib import Path

from tesler import git
from tesler.errors import UnsafeValueError
from tesler.fleet.errors import RemoteError

_NO_MATCH = "did not match any files"
_FIX = "correct `remote:` and `branch:` of the repository in the manifest"


def checked_remote(url: str) -> str:
    """The manifest's `remote:` if git may be given it, else a RemoteError saying why not."""
    try:
        return git.checked_location(url, "remote", fix=_FIX)
    except UnsafeValueError as error:
        raise RemoteError(error.message, fix=error.fix) from None


def checked_branch(branch: str) -> str:
    """The manifest's `branch:` if it is a plain branch name, else a RemoteError."""
    try:
        return git.checked_ref(branch, "branch", fix=_FIX)
    except UnsafeValueError as error:
        raise RemoteError(error.message, fix=error.fix) from None


def list_heads(url: str, patterns: list[str]) -> dict[str, str]:
    """Branch name -> commit for the remote's branches matching `patterns` (globs allowed)."""
    checked_remote(url)
    result = git.call(["ls-remote", "--heads", "--", url, *(f"refs/heads/{p}" for p in patterns)])
    if not result.ok:
        raise RemoteError(
            f"remote {url} is unreachable: {result.reason}",
            fix="check the remote URL in the manifest and your access to it",
        )
    heads = {}
    for line in result.text.splitlines():
        commit, _, ref = line.partition("\t")
        heads[ref.removeprefix("refs/heads/")] = commit
    return heads


def read_files(url: str, ref: str, paths: list[str]) -> dict[str, str | None]:
    """Text of each path at branch or tag `ref` of the remote; None for a missing path."""
    checked_remote(url)
    checked_branch(ref)
    found: dict[str, str | None] = {}
    for path in paths:
        result = git.call(["archive", "--format=tar", f"--remote={url}", ref, "--", path])
        if result.ok:
            found[path] = _from_tar(result.stdout, path)
        elif _NO_MATCH in result.stderr.decode(errors="replace"):
            found[path] = None
        else:
            # The server refuses upload-archive: read the rest from a blob-less clone.
            found.update(_read_from_clone(url, ref, [p for p in paths if p not in found]))
            break
    return found


def _from_tar(archive: bytes, path: str) -> str | None:
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:") as tar:
        member = tar.getmember(path) if path in tar.getnames() else None
        extracted = tar.extractfile(member) if member is not None else None
        return extracted.read().decode("utf-8", errors="replace") if extracted else None


def _read_from_clone(url: str, ref: str, paths: list[str]) -> dict[str, str | None]:
    checked_remote(url)
    checked_branch(ref)
    scratch = Path(tempfile.mkdtemp(prefix="tesler-read-"))
    try:
        clone = [
            "clone",
            "--quiet",
            "--depth=1",
            "--filter=blob:none",
            "--no-checkout",
            "--single-branch",
            f"--branch={ref}",
            "--",
            url,
            str(scratch / "r"),
        ]
        result = git.call(clone)
        if not result.ok:
            raise RemoteError(
                f"cannot read {ref} of {url}: {result.reason}",
                fix="check the remote URL and branch in the manifest",
            )
        return {path: git.file_at(scratch / "r", "HEAD", path) for path in paths}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
