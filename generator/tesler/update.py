"""`tesler update`: Copier's three-way update in a throw-away clone, conflicts reported.

Copier exits 0 and leaves conflict markers behind. tesler runs the update in a temporary
clone, looks for every kind of conflict itself, and only a clean result reaches the
user's repository, as a new branch `template-update/<version>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tesler import copier_adapter, versions
from tesler.checkout import (
    Checkout,
    commit_all,
    commit_identity,
    open_checkout,
    publish_branch,
    read_answers,
    read_file_at_head,
    refuse_dirty,
    scratch_clone,
)
from tesler.errors import TemplateError, UntrustedTemplateError
from tesler.process import git, git_output
from tesler.template_source import TemplateSource, refuse_dirty_head

if TYPE_CHECKING:
    from collections.abc import Mapping

ConflictKind = Literal["marker", "rej", "unmerged"]
UpdateStatus = Literal["up-to-date", "updated", "conflict", "planned"]

_MARKER_START = "<<<<<<< "
_MARKER_END = ">>>>>>> "


@dataclass(frozen=True)
class Conflict:
    """One place where the template's change and a local edit collide."""

    path: str
    kind: ConflictKind
    hunk: str


@dataclass(frozen=True)
class UpdateResult:
    """What an update did (or would do) to one project."""

    project: Path
    from_version: str
    to_version: str
    status: UpdateStatus
    branch: str | None
    commit: str | None
    conflicts: tuple[Conflict, ...]
    changed_files: tuple[str, ...]
    diff: str = ""

    def as_dict(self) -> dict[str, object]:
        """The JSON report (docs/updating.md documents its fields)."""
        return {
            "project": str(self.project),
            "from_version": self.from_version,
            "to_version": self.to_version,
            "status": self.status,
            "branch": self.branch,
            "commit": self.commit,
            "conflicts": [{"path": c.path, "kind": c.kind, "hunk": c.hunk} for c in self.conflicts],
            "changed_files": list(self.changed_files),
            "diff": self.diff,
        }


def update_project(  # noqa: PLR0913  (one keyword per documented option)
    project: Path,
    *,
    to_ref: str | None = None,
    dry_run: bool = False,
    data: Mapping[str, object] | None = None,
    branch_prefix: str = "template-update/",
    trust: bool = False,
    keep_conflict_branch: bool = False,
) -> UpdateResult:
    """Update `project` to the template at `to_ref` (default: the latest release).

    The user's working tree and current branch are only read. A clean update is committed
    on a new branch `<branch_prefix><version>`; a conflicting one creates nothing unless
    `keep_conflict_branch` asks for the conflicted state to be committed for resolution.
    """
    checkout = open_checkout(project)
    refuse_dirty(checkout)
    answers = read_answers(checkout.path)
    overrides = dict(data or {})
    from_version = str(answers["_commit"])
    source = versions.source_location(str(answers["_src_path"]), checkout.path)
    refs = versions.list_refs(source)
    target_ref = to_ref or _default_target(refs)
    target = _resolve(refs, source, target_ref)
    _refuse_dirty_template(source, target_ref)
    if target == _resolve_or_none(refs, source, from_version) and _answered(answers, overrides):
        return UpdateResult(
            project=checkout.path,
            from_version=from_version,
            to_version=from_version,
            status="up-to-date",
            branch=None,
            commit=None,
            conflicts=(),
            changed_files=(),
        )
    with scratch_clone(checkout, prefix="tesler-update-") as root:
        work = checkout.inside(root)
        _run_copier(work, source, target_ref, overrides, trust=trust)
        to_version = str(read_answers(work)["_commit"])
        conflicts = find_conflicts(root, checkout.subdir)
        changed = _changed_files(root, checkout.subdir)
        if not changed and not conflicts:
            return UpdateResult(
                project=checkout.path,
                from_version=from_version,
                to_version=to_version,
                status="up-to-date",
                branch=None,
                commit=None,
                conflicts=(),
                changed_files=(),
            )
        diff = _staged_diff(root, checkout.subdir) if dry_run else ""
        result = UpdateResult(
            project=checkout.path,
            from_version=from_version,
            to_version=to_version,
            status="conflict" if conflicts else "planned",
            branch=None,
            commit=None,
            conflicts=conflicts,
            changed_files=changed,
            diff=diff,
        )
        if dry_run or (conflicts and not keep_conflict_branch):
            return result
        return _publish(checkout, root, result, answers, branch_prefix)


def _publish(
    checkout: Checkout,
    root: Path,
    result: UpdateResult,
    answers: dict[str, object],
    branch_prefix: str,
) -> UpdateResult:
    message = f"Update template from {result.from_version} to {result.to_version}"
    if result.conflicts:
        message += f"\n\nCONFLICTS to resolve before merging: {_conflicted_paths(result)}"
    commit = commit_all(root, checkout.subdir, commit_identity(checkout, answers), message)
    branch = f"{branch_prefix}{result.to_version}"
    commit = publish_branch(checkout, root, commit, branch)
    return UpdateResult(
        project=result.project,
        from_version=result.from_version,
        to_version=result.to_version,
        status="conflict" if result.conflicts else "updated",
        branch=branch,
        commit=commit,
        conflicts=result.conflicts,
        changed_files=result.changed_files,
    )


def _conflicted_paths(result: UpdateResult) -> str:
    return ", ".join(sorted({conflict.path for conflict in result.conflicts}))


def _default_target(refs: versions.TemplateRefs) -> str:
    """The latest release tag; HEAD when the template has none (as Copier does)."""
    latest = refs.latest()
    return latest.tag if latest else "HEAD"


def _resolve_or_none(refs: versions.TemplateRefs, source: str, ref: str) -> str | None:
    known = refs.resolve(ref)
    if known is None and Path(source).is_dir():
        # A local template can resolve any commit, not only the tips ls-remote lists.
        known = git_output(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], Path(source))
    return known or None


def _resolve(refs: versions.TemplateRefs, source: str, ref: str) -> str:
    resolved = _resolve_or_none(refs, source, ref)
    if resolved is None:
        releases = ", ".join(release.tag for release in refs.releases()) or "none"
        raise TemplateError(
            f"template {source} has no ref {ref!r} (releases: {releases})",
            fix="pass --to with one of the releases, a branch, or HEAD",
        )
    return resolved


def _refuse_dirty_template(source: str, target_ref: str) -> None:
    if not Path(source).is_dir():
        return
    try:
        refuse_dirty_head(TemplateSource(location=source, local_dir=Path(source)), target_ref)
    except TemplateError as error:
        raise TemplateError(
            error.message, fix="commit the template changes, or pass --to with a release tag"
        ) from None


def _answered(answers: Mapping[str, object], overrides: Mapping[str, object]) -> bool:
    """True when the overrides change no recorded answer."""
    return all(answers.get(key) == value for key, value in overrides.items())


def _run_copier(
    work: Path, source: str, target_ref: str, data: Mapping[str, object], *, trust: bool
) -> None:
    try:
        copier_adapter.update(work, vcs_ref=target_ref, data=data, unsafe=False)
    except UntrustedTemplateError as error:
        # Copier refuses to run a template's migration commands unless trusted. They only
        # run when one applies to this version range, and running them is the point of a
        # breaking release, so --trust lifts the refusal for migrations and nothing else:
        # tasks or Jinja extensions in a template would still be refused.
        if not trust or set(error.features) != {"migrations"}:
            raise UntrustedTemplateError(
                source,
                error.features,
                fix="read the template's `_migrations` in copier.yml, then pass --trust "
                "to let them run"
                if set(error.features) == {"migrations"}
                else "tesler templates must not use tasks or Jinja extensions",
            ) from error
        copier_adapter.update(work, vcs_ref=target_ref, data=data, unsafe=True)


def find_conflicts(root: Path, subdir: str = "") -> tuple[Conflict, ...]:
    """Every conflict Copier left in the clone at `root`: markers, `.rej` files, unmerged paths.

    Paths are relative to the project directory `subdir` of the repository.
    """
    prefix = f"{subdir}/" if subdir else ""
    conflicts: list[Conflict] = []
    with_markers: set[str] = set()
    for path in _status_paths(root, subdir, ignored=True):
        if path.endswith(".rej"):
            text = (root / path).read_text(encoding="utf-8", errors="replace")
            conflicts.append(Conflict(path.removeprefix(prefix)[: -len(".rej")], "rej", text))
            continue
        file = root / path
        if not file.is_file():
            continue
        before = read_file_at_head(root, path) or ""
        for hunk in _marker_hunks(file.read_text(encoding="utf-8", errors="replace")):
            if hunk not in before:  # a file that documents conflict markers is not a conflict
                conflicts.append(Conflict(path.removeprefix(prefix), "marker", hunk))
                with_markers.add(path)
    unmerged = git(["ls-files", "--unmerged", "-z", "--", subdir or "."], root)
    unmerged_paths = {entry.split("\t", 1)[1] for entry in unmerged.split("\0") if entry}
    conflicts.extend(
        Conflict(path.removeprefix(prefix), "unmerged", "unmerged in the git index")
        for path in sorted(unmerged_paths - with_markers)
    )
    return tuple(conflicts)


def _marker_hunks(text: str) -> list[str]:
    hunks = []
    current: list[str] | None = None
    for line in text.splitlines(keepends=True):
        if line.startswith(_MARKER_START):
            current = [line]
        elif current is not None:
            current.append(line)
            if line.startswith(_MARKER_END):
                hunks.append("".join(current))
                current = None
    return hunks


def _status_paths(root: Path, subdir: str, *, ignored: bool = False) -> list[str]:
    """Paths (from the repository root) that differ from HEAD, untracked ones included."""
    command = ["status", "--porcelain", "-z", "--untracked-files=all"]
    if ignored:  # Copier's `.rej` files may match a `*.rej` ignore rule
        command.append("--ignored")
    output = git([*command, "--", subdir or "."], root)
    paths = []
    skip_next = False
    for entry in filter(None, output.split("\0")):
        if skip_next:
            skip_next = False
            continue
        paths.append(entry[3:])
        skip_next = entry[0] in "RC"
    return paths


def _changed_files(root: Path, subdir: str) -> tuple[str, ...]:
    prefix = f"{subdir}/" if subdir else ""
    return tuple(sorted(path.removeprefix(prefix) for path in _status_paths(root, subdir)))


def _staged_diff(root: Path, subdir: str) -> str:
    """The whole change as one unified diff (new files included), relative to the project."""
    git(["add", "--all", "--", subdir or "."], root)
    relative = [f"--relative={subdir}"] if subdir else []
    return git(["diff", "--cached", "--no-color", *relative, "HEAD"], root)
