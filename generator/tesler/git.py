"""The one way tesler runs git, and the rules for values that reach its command line.

Template locations, remotes, refs and paths come from users, answers files and manifests.
A value starting with `-` is refused before git sees it (git would read
`--upload-pack=<command>` as an option and run the command); every such value is then
passed after `--`, or after `--end-of-options` where git reads a revision.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tesler.errors import CommandError, UnsafeValueError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# `ext::sh -c ...`, `fd::3`: git's remote-helper syntax, which runs programs.
_HELPER = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*::")
# Tags, branches, commits, `git describe` output and HEAD~N: what a `_commit` or `--to` holds.
# Narrower than git's own rules on purpose: no spaces, no `..`, no `@{`, nothing option-like.
_REF = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._+/@-]*(?:[~^][0-9]*)*$")


@dataclass(frozen=True)
class GitResult:
    """What one git command returned."""

    command: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def ok(self) -> bool:
        """True when git exited 0."""
        return self.returncode == 0

    @property
    def text(self) -> str:
        """The output as text (git prints paths and refs as UTF-8)."""
        return self.stdout.decode("utf-8", errors="replace")

    @property
    def reason(self) -> str:
        """Git's first useful error line, without `fatal: `, for a one-line message."""
        lines = [line.strip() for line in self.stderr.decode(errors="replace").splitlines()]
        useful = [line for line in lines if line and not line.startswith(("warning:", "hint:"))]
        if not useful:
            return f"git exited with status {self.returncode}"
        return useful[0].removeprefix("fatal: ").removeprefix("error: ")


def call(args: Sequence[str], cwd: Path | None = None) -> GitResult:
    """Run `git ARGS` in `cwd` and return its result, whatever the exit status."""
    command = ("git", *args)
    try:
        completed = subprocess.run(command, cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise CommandError(
            "git", list(command), "git: command not found", fix="install git"
        ) from None
    return GitResult(command, completed.returncode, completed.stdout, completed.stderr)


def run(
    args: Sequence[str], cwd: Path | None, *, step: str = "git", fix: str = "see git's message"
) -> str:
    """Run one git command; return its output or raise CommandError naming the step."""
    result = call(args, cwd)
    if not result.ok:
        output = result.text + result.stderr.decode(errors="replace")
        raise CommandError(step, list(result.command), output, fix=fix)
    return result.text


def query(args: Sequence[str], cwd: Path | None) -> str | None:
    """Output of a read-only git query, or None when git says no (not a repo, no such ref)."""
    result = call(args, cwd)
    return result.text.rstrip() if result.ok else None


def plain_value(value: str, what: str, *, fix: str) -> str:
    """`value` unchanged, or an error when git could read it as an option or it holds controls."""
    if not value:
        raise UnsafeValueError(what, value, "it is empty", fix=fix)
    if value.startswith("-"):
        raise UnsafeValueError(
            what, value, "it starts with '-', so git would read it as an option", fix=fix
        )
    if _CONTROL.search(value):
        raise UnsafeValueError(what, value, "it contains control characters", fix=fix)
    return value


def checked_location(value: str, what: str, *, fix: str) -> str:
    """A repository location (URL, `host:path` or path) git may be given, or an error."""
    plain_value(value, what, fix=fix)
    if _HELPER.match(value):
        raise UnsafeValueError(
            what, value, "git remote helpers (`transport::address`) run programs", fix=fix
        )
    return value


def checked_ref(value: str, what: str, *, fix: str) -> str:
    """A tag, branch, commit or `git describe` string, or an error naming where it came from."""
    plain_value(value, what, fix=fix)
    if not _REF.match(value) or ".." in value or "@{" in value or value.endswith((".lock", "/")):
        raise UnsafeValueError(
            what, value, "it is not a tag, branch, commit or HEAD of the template", fix=fix
        )
    return value


def is_plain_ref(value: str) -> bool:
    """True when `value` passes `checked_ref` (for code that reports instead of raising)."""
    try:
        checked_ref(value, "ref", fix="")
    except UnsafeValueError:
        return False
    return True


def commit_of(repository: Path, ref: str) -> str | None:
    """The commit `ref` names in `repository`, or None."""
    return query(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], repository
    )


def file_at(repository: Path, ref: str, path: str) -> str | None:
    """The text of `path` at `ref` (a blob read raw: no textconv, no filter), or None."""
    result = call(["cat-file", "blob", "--end-of-options", f"{ref}:{path}"], repository)
    return result.stdout.decode("utf-8", errors="replace") if result.ok else None


def changed_paths(root: Path, pathspec: str = ".", *, ignored: bool = False) -> list[str]:
    """Paths (from the repository root) that differ from HEAD, untracked ones included."""
    command = ["status", "--porcelain", "-z", "--untracked-files=all"]
    if ignored:  # Copier's `.rej` files may match a `*.rej` ignore rule
        command.append("--ignored")
    output = run([*command, "--", pathspec], root, step="read git status")
    paths = []
    skip_next = False
    for entry in filter(None, output.split("\0")):
        if skip_next:  # the source path of a rename or copy
            skip_next = False
            continue
        paths.append(entry[3:])
        skip_next = entry[0] in "RC"
    return paths


def unmerged_paths(root: Path, pathspec: str = ".") -> set[str]:
    """Paths left unmerged in the index (a three-way merge that conflicted)."""
    output = run(["ls-files", "--unmerged", "-z", "--", pathspec], root, step="read the index")
    return {entry.split("\t", 1)[1] for entry in output.split("\0") if "\t" in entry}


def identity(cwd: Path, *, name: str, email: str) -> list[str]:
    """`-c` options naming a committer wherever git has none configured (CI, fresh machines)."""
    options = []
    for key, fallback in (("user.name", name), ("user.email", email)):
        if not query(["config", key], cwd):
            options += ["-c", f"{key}={fallback}"]
    return options
