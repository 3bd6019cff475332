"""Run a repository's own code (`make check`, workflow steps) away from what it must not touch.

`fleet apply --verify` and `tesler workflows run` execute code that other people wrote.
They run it in a throw-away clone (never the user's working tree, never the clone apply
pushes from), with the clone's `origin` removed, and with an environment built from an
allow-list: tools, locale, certificates and uv's caches pass; tokens, cloud keys, SSH
agents and everything else tesler's own environment holds do not. HOME is a fresh
directory, so `~/.gitconfig` credential helpers, `~/.aws` or `~/.netrc` are not found.

This is not a sandbox: the code runs as the user, and a step that names an absolute
path can reach it. docs/security.md says what is and is not protected.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from tesler import git

# Passed through when set (and, for URLs, when they carry no credential).
ALLOWED_VARIABLES = (
    "PATH",
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "USER",
    "LOGNAME",
    "TERM",
    "PYENV_ROOT",
    "PYENV_VERSION",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONUNBUFFERED",
    "PYTEST_XDIST_AUTO_NUM_WORKERS",  # how many processes `make test` may use on this machine
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "GIT_SSL_CAINFO",
    "PIP_CERT",
    "UV_CACHE_DIR",
    "UV_PYTHON_INSTALL_DIR",
    "UV_PYTHON_PREFERENCE",
    "UV_PYTHON_DOWNLOADS",
    "UV_OFFLINE",
    "UV_LINK_MODE",
    "UV_NATIVE_TLS",
    "UV_INDEX_URL",
    "UV_DEFAULT_INDEX",
    "UV_INDEX",
    "UV_EXTRA_INDEX_URL",
    "UV_FIND_LINKS",
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
)


def allowlisted_env(home: Path) -> dict[str, str]:
    """The environment for someone else's code: the allow-list, HOME and TMPDIR under `home`."""
    env = {
        name: value
        for name in ALLOWED_VARIABLES
        if (value := os.environ.get(name)) is not None and not _carries_credential(value)
    }
    # uv's cache and Python installs default to the real HOME: keep them where they are,
    # or every run would download (or, offline, fail to find) what is already there.
    env.setdefault("UV_CACHE_DIR", str(_user_dir("XDG_CACHE_HOME", ".cache") / "uv"))
    env.setdefault(
        "UV_PYTHON_INSTALL_DIR", str(_user_dir("XDG_DATA_HOME", ".local/share") / "uv" / "python")
    )
    temp = home / "tmp"
    temp.mkdir(parents=True, exist_ok=True)
    env.update(
        HOME=str(home),
        TMPDIR=str(temp),
        DVC_NO_ANALYTICS="1",  # no network calls from DVC
        GIT_TERMINAL_PROMPT="0",  # git never asks for a password
        GIT_CONFIG_NOSYSTEM="1",  # nor reads a system credential helper
    )
    return env


def clone_commit(repository: Path, commit: str, destination: Path) -> Path:
    """A full copy (`--no-hardlinks`) of `repository` with `commit` checked out, no remote."""
    git.run(
        ["clone", "--quiet", "--no-hardlinks", "--no-checkout", "--", str(repository),
         str(destination)],
        destination.parent,
        step="clone for the run",
    )  # fmt: skip
    git.run(
        ["-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", commit, "--"],
        destination,
        step="check out the run's commit",
    )
    git.run(["remote", "remove", "origin"], destination, step="detach the clone from its origin")
    return destination


def clone_worktree(toplevel: Path, destination: Path) -> list[str]:
    """Clone `toplevel` at HEAD, then copy in what `git status` shows; return those paths.

    The run sees the files as they are on disk, committed or not (git-ignored files
    excepted, as on a runner): a developer checks a change before committing it.
    """
    head = git.run(["rev-parse", "--verify", "HEAD^{commit}"], toplevel).strip()
    clone_commit(toplevel, head, destination)
    changed = _null_list(git.query(["diff", "--name-only", "--no-renames", "-z", "HEAD"], toplevel))
    untracked = _null_list(
        git.query(["ls-files", "--others", "--exclude-standard", "-z"], toplevel)
    )
    paths = sorted(set(changed) | set(untracked))
    for relative in paths:
        source, target = toplevel / relative, destination / relative
        if target.is_symlink() or target.is_file():
            target.unlink()
        if source.is_symlink() or source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target, follow_symlinks=False)
    return paths


def _null_list(output: str | None) -> list[str]:
    return [item for item in (output or "").split("\0") if item]


def _carries_credential(value: str) -> bool:
    """A URL with a user part (`https://user:token@host`): an index or proxy login."""
    return re.search(r"://[^/\s]*@", value) is not None


def _user_dir(variable: str, default: str) -> Path:
    configured = os.environ.get(variable)
    return Path(configured) if configured else Path.home() / default
