"""`tesler update`: Copier's three-way update in a throw-away clone, conflicts reported.

Copier exits 0 and leaves conflict markers behind. tesler runs the update in a temporary
clone, looks for every kind of conflict itself, and only a clean result reaches the
user's repository, as a new branch `template-update/<version>`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from tesler import answers_file, copier_adapter, git, locations, release_notes, versions
from tesler.checkout import (
    Checkout,
    commit_all,
    commit_identity,
    open_checkout,
    publish_branch,
    read_file_at_head,
    refuse_dirty,
    scratch_clone,
)
from tesler.errors import TemplateError, UntrustedTemplateError
from tesler.process import run
from tesler.questions import TEMPLATE_CONFIG
from tesler.template_source import RenderTarget, refuse_dirty_head

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from tesler.release_notes import ChangelogSection, Migration

ConflictKind = Literal["marker", "rej", "unmerged"]
UpdateStatus = Literal["up-to-date", "updated", "conflict", "planned"]
# What happened to uv.lock: `refreshed` on the branch, or `stale` (run `uv lock` after merging).
LockStatus = Literal["not-needed", "refreshed", "stale"]

# Opens the commit message of a conflicted update kept on its branch (--keep-conflict-branch).
CONFLICTS_HEADER = "CONFLICTS to resolve before merging"
PYPROJECT = "pyproject.toml"
UV_LOCK = "uv.lock"
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
    changelog: tuple[ChangelogSection, ...] = ()
    migrations: tuple[Migration, ...] = ()
    uv_lock: LockStatus = "not-needed"

    @property
    def conflicted_paths(self) -> tuple[str, ...]:
        """Each conflicted file once, sorted."""
        return tuple(sorted({conflict.path for conflict in self.conflicts}))

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
            "uv_lock": self.uv_lock,
            "changelog": [
                {"version": c.version, "heading": c.heading, "text": c.text} for c in self.changelog
            ],
            "migrations": [
                {"version": m.version, "when": m.when, "command": m.command}
                for m in self.migrations
            ],
        }

    def notes_markdown(self) -> str:
        """The CHANGELOG sections and migrations as Markdown (a pull request body's part)."""
        return release_notes.markdown(self.changelog, self.migrations)


def update_project(  # noqa: PLR0913  (one keyword per documented option)
    project: Path,
    *,
    to_ref: str | None = None,
    dry_run: bool = False,
    data: Mapping[str, object] | None = None,
    branch_prefix: str = "template-update/",
    trust: bool = False,
    keep_conflict_branch: bool = False,
    prereleases: bool = False,
    lock: bool = True,
) -> UpdateResult:
    """Update `project` to the template at `to_ref` (default: the latest release).

    The user's working tree and current branch are only read. A clean update is committed
    on a new branch `<branch_prefix><version>`; a conflicting one creates nothing unless
    `keep_conflict_branch` asks for the conflicted state to be committed for resolution.
    """
    checkout = open_checkout(project)
    refuse_dirty(checkout)
    recorded = answers_file.load(checkout.path)
    answers = recorded.values
    overrides = dict(data or {})
    source, from_version = recorded.template()
    if to_ref is not None:
        git.checked_ref(to_ref, "--to", fix="pass a tag, a branch, a commit or HEAD")
    refs = versions.list_refs(
        source,
        fix=f"`_src_path` in {answers_file.ANSWERS_FILE} names where the template is: check "
        "that it is reachable from here, or set it to the template's URL",
    )
    target_ref = to_ref or _default_target(refs, prereleases=prereleases)
    target = _resolve(refs, target_ref)
    _refuse_downgrade(from_version, target_ref)
    _refuse_dirty_template(source, target_ref)
    up_to_date = UpdateResult(
        project=checkout.path,
        from_version=from_version,
        to_version=from_version,
        status="up-to-date",
        branch=None,
        commit=None,
        conflicts=(),
        changed_files=(),
    )
    if target == refs.resolve(from_version) and _answered(answers, overrides):
        return up_to_date
    with scratch_clone(checkout, prefix="tesler-update-") as root:
        work = checkout.inside(root)
        _run_copier(work, source, target_ref, overrides, trust=trust)
        to_version = answers_file.load(work).commit
        conflicts = find_conflicts(root, checkout.subdir)
        changed = _changed_files(root, checkout.subdir)
        if not changed and not conflicts:
            return replace(up_to_date, to_version=to_version)
        uv_lock = _refresh_lock(work, changed, locked=lock and not dry_run and not conflicts)
        changed = _changed_files(root, checkout.subdir)
        changelog, migrations = _notes(source, target_ref, from_version, to_version)
        result = UpdateResult(
            project=checkout.path,
            from_version=from_version,
            to_version=to_version,
            status="conflict" if conflicts else "planned",
            branch=None,
            commit=None,
            conflicts=conflicts,
            changed_files=changed,
            diff=_staged_diff(root, checkout.subdir) if dry_run else "",
            changelog=changelog,
            migrations=migrations,
            uv_lock=uv_lock,
        )
        if dry_run or (conflicts and not keep_conflict_branch):
            return result
        return _publish(checkout, root, result, answers, branch_prefix)


def _refresh_lock(work: Path, changed: tuple[str, ...], *, locked: bool) -> LockStatus:
    """Run `uv lock` when the update changed the dependencies, so the branch is complete.

    Without it, the first `make check` after merging rewrites uv.lock and `make repro`
    reruns every stage. A dry run or a conflicted update only says the lock is stale.
    """
    if PYPROJECT not in changed or not (work / UV_LOCK).is_file():
        return "not-needed"
    if not locked:
        return "stale"
    run(
        ["uv", "lock"],
        work,
        step="uv lock",
        fix="check that PyPI is reachable, or pass --no-lock and run `uv lock` after merging",
    )
    return "refreshed"


def _notes(
    source: locations.TemplateLocation, target_ref: str, from_version: str, to_version: str
) -> tuple[tuple[ChangelogSection, ...], tuple[Migration, ...]]:
    files = versions.read_template_files(
        source, target_ref, [release_notes.CHANGELOG, TEMPLATE_CONFIG], fix="pass --to"
    )
    changelog = files[release_notes.CHANGELOG] or ""
    config = files[TEMPLATE_CONFIG] or ""
    return (
        release_notes.changelog_between(changelog, from_version, to_version),
        release_notes.migrations_between(config, TEMPLATE_CONFIG, from_version, to_version)
        if config
        else (),
    )


def _publish(
    checkout: Checkout,
    root: Path,
    result: UpdateResult,
    answers: dict[str, object],
    branch_prefix: str,
) -> UpdateResult:
    message = f"Update template from {result.from_version} to {result.to_version}"
    if result.conflicts:
        message += f"\n\n{CONFLICTS_HEADER}: " + ", ".join(result.conflicted_paths)
    commit = commit_all(root, checkout.subdir, commit_identity(checkout, answers), message)
    branch = f"{branch_prefix}{result.to_version}"
    commit = publish_branch(checkout, root, commit, branch)
    return replace(
        result, status="conflict" if result.conflicts else "updated", branch=branch, commit=commit
    )


def _default_target(refs: versions.TemplateRefs, *, prereleases: bool) -> str:
    """The latest release tag; HEAD when the template has none (as Copier does)."""
    latest = refs.latest(prereleases=prereleases)
    return latest.tag if latest else "HEAD"


def _resolve(refs: versions.TemplateRefs, ref: str) -> str:
    resolved = refs.resolve(ref)
    if resolved is None:
        raise TemplateError(
            f"template {refs.location} has no ref {ref!r} (releases: {refs.names()})",
            fix="pass --to with one of the releases, a branch, or HEAD",
        )
    return resolved


def _refuse_downgrade(from_version: str, target_ref: str) -> None:
    """Copier refuses to move a project to an older release; say so before cloning anything."""
    current = versions.RecordedVersion.parse(from_version).release
    target = versions.parse_release(target_ref)
    if current is not None and target is not None and target < current:
        raise TemplateError(
            f"the project is at {from_version}, newer than {target_ref}: tesler never downgrades",
            fix="pass --to with a release at or after the project's version",
        )


def _refuse_dirty_template(source: locations.TemplateLocation, target_ref: str) -> None:
    if source.local_dir is None or not source.local_dir.is_dir():
        return
    try:
        refuse_dirty_head(RenderTarget(source, target_ref, None))
    except TemplateError as error:
        raise TemplateError(
            error.message, fix="commit the template changes, or pass --to with a release tag"
        ) from None


def _answered(answers: Mapping[str, object], overrides: Mapping[str, object]) -> bool:
    """True when the overrides change no recorded answer."""
    return all(answers.get(key) == value for key, value in overrides.items())


def _run_copier(
    work: Path,
    source: locations.TemplateLocation,
    target_ref: str,
    data: Mapping[str, object],
    *,
    trust: bool,
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
                str(source),
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
    for path in git.changed_paths(root, subdir or ".", ignored=True):
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
    unmerged = git.unmerged_paths(root, subdir or ".")
    conflicts.extend(
        Conflict(path.removeprefix(prefix), "unmerged", "unmerged in the git index")
        for path in sorted(unmerged - with_markers)
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


def _changed_files(root: Path, subdir: str) -> tuple[str, ...]:
    prefix = f"{subdir}/" if subdir else ""
    return tuple(
        sorted(path.removeprefix(prefix) for path in git.changed_paths(root, subdir or "."))
    )


def _staged_diff(root: Path, subdir: str) -> str:
    """The whole change as one unified diff (new files included), relative to the project."""
    git.run(["add", "--all", "--", subdir or "."], root)
    relative = [f"--relative={subdir}"] if subdir else []
    return git.run(["diff", "--cached", "--no-color", *relative, "HEAD"], root)
