"""A user's project checkout, handled read-only: changes happen in a throw-away clone.

`update` and `adopt` never write to the user's working tree or current branch. They work
in a `git clone --shared` of HEAD in a temporary directory and, on success, fetch the
result into the user's repository as a new branch, which is the only thing they create.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tesler import git
from tesler.errors import DirtyTreeError, ProjectError

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping


@dataclass(frozen=True)
class Checkout:
    """A project inside a git repository: where it is and which commit it is at."""

    path: Path
    toplevel: Path
    subdir: str
    head: str

    def inside(self, root: Path) -> Path:
        """The same project directory inside another clone of the repository."""
        return root / self.subdir if self.subdir else root


def open_checkout(path: Path) -> Checkout:
    """Find the git repository and HEAD commit of the project at `path`."""
    project = path.expanduser().resolve()
    if not project.is_dir():
        raise ProjectError(f"{project} is not a directory", fix="pass the project's directory")
    toplevel = git.query(["rev-parse", "--show-toplevel"], project)
    if toplevel is None:
        raise ProjectError(
            f"{project} is not inside a git repository",
            fix="run `git init && git add --all && git commit -m init` in it first",
        )
    head = git.commit_of(project, "HEAD")
    if not head:
        raise ProjectError(
            f"{project} has no commit yet", fix="commit the project (`git commit`) first"
        )
    top = Path(toplevel).resolve()
    subdir = project.relative_to(top).as_posix()
    return Checkout(path=project, toplevel=top, subdir="" if subdir == "." else subdir, head=head)


def dirty_files(checkout: Checkout) -> list[str]:
    """Modified, staged and untracked (not ignored) files of the project."""
    return git.changed_paths(checkout.path)


def refuse_dirty(checkout: Checkout) -> None:
    """Refuse to work on a project with uncommitted changes, naming them."""
    files = dirty_files(checkout)
    if files:
        raise DirtyTreeError(checkout.path, files)


def commit_identity(checkout: Checkout, answers: Mapping[str, object]) -> list[str]:
    """`git -c` options naming the committer: the user's git identity, else the answers'."""
    return git.identity(
        checkout.toplevel,
        name=str(answers.get("author_name") or "tesler"),
        email=str(answers.get("author_email") or "tesler@localhost"),
    )


@contextmanager
def scratch_clone(checkout: Checkout, prefix: str) -> Iterator[Path]:
    """A temporary clone of the project's repository at HEAD, removed afterwards."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    root = directory / "repo"
    try:
        # --shared borrows the user's objects: no copy, and nothing written to their repo.
        git.run(
            [
                "clone",
                "--quiet",
                "--shared",
                "--no-checkout",
                "--",
                str(checkout.toplevel),
                str(root),
            ],
            directory,
            step="clone the project",
        )
        git.run(
            ["-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", checkout.head],
            root,
            step="check out the project",
        )
        yield root
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def commit_all(root: Path, subdir: str, identity: list[str], message: str) -> str:
    """Stage everything in the project part of the clone, commit it, return the commit."""
    git.run(["add", "--all", "--", subdir or "."], root, step="stage the update")
    git.run(
        [*identity, "commit", "--quiet", "--no-verify", "--allow-empty", "-m", message],
        root,
        step="commit the update",
        fix="configure git (`git config --global user.email ...`)",
    )
    return git.run(["rev-parse", "HEAD"], root).strip()


def publish_branch(checkout: Checkout, root: Path, commit: str, branch: str) -> str:
    """Create `branch` at `commit` in the user's repository; reuse it if it holds the same tree.

    An existing branch with other content is the user's (or an earlier, different update):
    it is never moved, the user decides what to do with it.
    """
    if git.query(["check-ref-format", "--branch", branch], checkout.toplevel) is None:
        raise ProjectError(
            f"`{branch}` is not a valid branch name", fix="pass --to with a tag name"
        )
    existing = git.commit_of(checkout.toplevel, f"refs/heads/{branch}")
    if existing:
        if git.query(["rev-parse", f"{existing}^{{tree}}"], checkout.toplevel) == git.query(
            ["rev-parse", f"{commit}^{{tree}}"], root
        ):
            return existing
        raise ProjectError(
            f"branch {branch} already exists in {checkout.toplevel} with other content",
            fix=f"merge or delete it (`git branch -D {branch}`), then run tesler again",
        )
    git.run(["update-ref", "refs/heads/tesler-result", commit], root)
    git.run(
        [
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            "--",
            str(root),
            f"refs/heads/tesler-result:refs/heads/{branch}",
        ],
        checkout.toplevel,
        step=f"create branch {branch}",
    )
    return commit


def read_file_at_head(root: Path, path: str) -> str | None:
    """The committed text of `path` in the clone, or None when HEAD has no such file."""
    return git.file_at(root, "HEAD", path)
