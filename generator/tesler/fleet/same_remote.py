"""Tell when two spellings of a git remote name the same repository.

A repository listed twice in a manifest (under two names, or as `https://host/o/r` and
`git@host:o/r.git`) would be updated by two workers at once, racing on its update branch.
The identity here is deliberately generous: host (no user, no credential, no default
port) plus path without `.git` or trailing slashes, whatever the transport; a local path
is the directory git would open.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

_SCP_LIKE = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>(?!//).*)$")
_DEFAULT_PORTS = {"ssh": 22, "git": 9418, "http": 80, "https": 443}
# Forges that ignore case in owner and repository names.
_CASELESS_HOSTS = frozenset({"github.com", "gitlab.com", "bitbucket.org"})


def identity(remote: str, base: Path) -> str:
    """A key equal for every spelling of one repository; `base` anchors relative paths."""
    if "://" in remote:
        parts = urlsplit(remote)
        if parts.scheme == "file":
            return _local(Path(parts.path), base)
        host = (parts.hostname or "").lower()
        port = parts.port if parts.port not in {None, _DEFAULT_PORTS.get(parts.scheme)} else None
        return _remote(host if port is None else f"{host}:{port}", parts.path)
    scp = _SCP_LIKE.match(remote)
    if scp is not None and "/" not in scp["host"]:
        return _remote(scp["host"].lower(), scp["path"])
    return _local(Path(remote), base)


def _remote(host: str, path: str) -> str:
    path = re.sub(r"/+", "/", path).strip("/").removesuffix(".git").rstrip("/")
    return f"{host}/{path.lower() if host in _CASELESS_HOSTS else path}"


def _local(path: Path, base: Path) -> str:
    resolved = (base / path.expanduser()).resolve()
    # git opens `repo` as `repo.git` when only the latter exists.
    sibling = resolved.with_name(f"{resolved.name}.git")
    if not resolved.exists() and sibling.exists():
        return f"local:{sibling}"
    return f"local:{resolved}"
