"""One repository's apply, run in a worker process: clone, update, verify, publish.

Everything happens in a temporary clone that is deleted afterwards; the remote is the
only thing changed, and only by the push backend. Any error becomes a `failed` row:
one repository's failure never reaches the others.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from tesler import git, isolation
from tesler.answers_file import ANSWERS_FILE, inspect
from tesler.errors import TeslerError
from tesler.fleet import pull_request
from tesler.fleet.errors import FleetError
from tesler.fleet.push import PushRequest, backend_for
from tesler.fleet.remote import checked_branch, checked_remote, list_heads
from tesler.fleet.report import ApplyRow, ConflictRow
from tesler.process import run
from tesler.update import CONFLICTS_HEADER

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tesler.fleet.manifest import PushConfig
    from tesler.update import UpdateResult

_REMOTE_UPDATE = "refs/tesler/remote-update"
# Set by apply: the directory under which each worker keeps its own Copier mirror cache.
COPIER_CACHE_ROOT = "TESLER_COPIER_CACHE_ROOT"
_IDENTITY = {"user.name": "tesler fleet", "user.email": "tesler-fleet@localhost"}


@dataclass(frozen=True)
class Job:
    """Everything a worker needs for one repository (picklable)."""

    name: str
    wave: int
    remote: str
    branch: str
    github: str | None
    target_ref: str
    from_version: str | None
    to_version: str | None
    update_branch: str
    update_branch_commit: str | None
    data: Mapping[str, object]
    branch_prefix: str
    trust_migrations: bool
    verify: bool
    push: PushConfig
    token: str | None
    draft_conflicts: bool = False


def adopt_parent(environ: dict[str, str], cwd: str) -> None:
    """Worker initializer: a forkserver child starts with the server's, not the caller's, env.

    `environ` carries TMPDIR, so Copier's and git's temporary files follow the scratch choice.
    """
    os.environ.clear()
    os.environ.update(environ)
    tempfile.tempdir = environ.get("TMPDIR")
    cache_root = environ.get(COPIER_CACHE_ROOT)
    if cache_root:
        # Copier keeps one git mirror per remote template and refreshes it on every render;
        # two workers refreshing one mirror break each other's worktrees (seen here: "bad
        # object worktrees/copier._vcs.clone.*"), so each worker keeps its own.
        os.environ["COPIER_CACHE_DIR"] = str(Path(cache_root) / str(os.getpid()))
    os.chdir(cwd)


def run_job(job: Job) -> ApplyRow:
    """Apply one repository; never raises."""
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix=f"tesler-fleet-{job.name}-"))
    try:
        row = _apply(job, scratch / "repo")
    except TeslerError as error:
        message = f"{error.message} (fix: {error.fix})" if error.fix else error.message
        row = _row(job, "failed", message=message)
    except Exception as error:  # noqa: BLE001  (a bug must fail one repository, not the fleet)
        row = _row(job, "failed", message=f"{type(error).__name__}: {error}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return row.model_copy(update={"seconds": round(time.monotonic() - started, 3)})


def _row(job: Job, outcome: str, **fields: object) -> ApplyRow:
    return ApplyRow.model_validate(
        {
            "name": job.name,
            "wave": job.wave,
            "outcome": outcome,
            "from_version": job.from_version,
            "to_version": job.to_version,
            **fields,
        }
    )


def _apply(job: Job, clone: Path) -> ApplyRow:
    git.run(
        [
            "clone",
            "--quiet",
            "--no-tags",
            "--single-branch",
            f"--branch={checked_branch(job.branch)}",
            "--",
            checked_remote(job.remote),
            str(clone),
        ],
        clone.parent,
        step=f"clone {job.name}",
        fix="check the remote URL and branch in the manifest",
    )
    for key, value in _IDENTITY.items():
        if not git.query(["config", key], clone):
            git.run(["config", key, value], clone)
    if job.update_branch_commit is not None:
        git.run(
            [
                "fetch",
                "--quiet",
                "--no-tags",
                "--",
                job.remote,
                f"+refs/heads/{job.update_branch}:{_REMOTE_UPDATE}",
            ],
            clone,
        )
        if _already_applied(job, clone):
            return _publish(job, clone, job.update_branch_commit, "unchanged")
        _refuse_foreign_commits(job, clone)
    from tesler.update import update_project  # noqa: PLC0415  (imports Copier: workers only)

    result = update_project(
        clone,
        to_ref=job.target_ref,
        data=job.data,
        branch_prefix=job.branch_prefix,
        trust=job.trust_migrations,
        keep_conflict_branch=job.draft_conflicts,
    )
    conflicted = result.status == "conflict"
    if conflicted and result.commit is None:
        return _row(job, "conflict", to_version=result.to_version, **_conflict_fields(result))
    if not conflicted and result.status != "updated":
        return _row(job, "up-to-date", to_version=result.to_version)
    if result.commit is None or result.branch is None:
        return _row(job, "failed", message=f"the update ended {result.status} without a commit")
    if job.verify and not conflicted:
        _verify(clone, result.commit)
    job = _with_result(job, result)
    commit = result.commit
    remote = job.update_branch_commit
    if remote is not None and _tree(clone, commit) == _tree(clone, remote):
        commit = remote  # the remote already holds this content: keep its commit, push nothing
    outcome = "unchanged" if commit == job.update_branch_commit else "updated"
    return _publish(job, clone, commit, "conflict" if conflicted else outcome, result=result)


def _conflict_fields(result: UpdateResult) -> dict[str, object]:
    return {
        "conflicts": [ConflictRow(path=c.path, kind=c.kind, hunk=c.hunk) for c in result.conflicts],
        "message": f"{len(result.conflicts)} conflict(s): {', '.join(result.conflicted_paths)}",
    }


def _already_applied(job: Job, clone: Path) -> bool:
    """The remote's update branch grows from today's base and records the target and overrides.

    Those inputs determine the update, so re-running it would change nothing; commits a
    person added on top of the branch (conflict fixes, say) are kept, not overwritten.
    """
    if git.query(["merge-base", "--is-ancestor", "HEAD", _REMOTE_UPDATE], clone) is None:
        return False
    message = git.query(["log", "-1", "--format=%B", _REMOTE_UPDATE], clone) or ""
    if CONFLICTS_HEADER in message:
        return False  # a draft of a conflicted update: the conflicts may be gone now
    text = git.file_at(clone, _REMOTE_UPDATE, ANSWERS_FILE)
    recorded = inspect(text or "")
    if recorded.version is None or recorded.version != job.to_version:
        return False
    return all(recorded.answers.get(key) == value for key, value in job.data.items())


def _refuse_foreign_commits(job: Job, clone: Path) -> None:
    """An outdated update branch is replaced only if it is tesler's single commit.

    Commits someone added on top (a conflict resolution, a fix) would be lost by the
    replacement, so the repository fails with the branch left as it is.
    """
    own = git.run(["rev-list", "--count", f"HEAD..{_REMOTE_UPDATE}"], clone).strip()
    if own != "1":
        raise FleetError(
            f"{job.update_branch} on the remote is outdated and has {own} commits of its own, "
            "not one tesler commit: replacing it would lose work",
            fix=f"merge {job.update_branch} (or delete it on the remote), then apply again",
        )


def _verify(clone: Path, commit: str) -> None:
    """`make check` of the update, the repository's own code: isolated (tesler.isolation)."""
    verify = isolation.clone_commit(clone, commit, clone.parent / "verify")
    run(
        ["make", "check"],
        verify,
        step="make check",
        fix="run `make check` on the update branch",
        env=isolation.allowlisted_env(clone.parent / "home"),
    )


def _tree(clone: Path, commit: str) -> str | None:
    """The tree of `commit`, if the clone has it (a remote branch is fetched only when known)."""
    return git.query(["rev-parse", "--verify", "--quiet", f"{commit}^{{tree}}"], clone)


def _with_result(job: Job, result: UpdateResult) -> Job:
    """The versions (and branch) the update actually produced, which name the branch."""
    branch = result.branch or job.update_branch
    remote_commit = job.update_branch_commit
    if branch != job.update_branch:
        remote_commit = list_heads(job.remote, [branch]).get(branch)
    return replace(
        job,
        from_version=result.from_version,
        to_version=result.to_version,
        update_branch=branch,
        update_branch_commit=remote_commit,
    )


def _publish(
    job: Job, clone: Path, commit: str, outcome: str, result: UpdateResult | None = None
) -> ApplyRow:
    conflicted = outcome == "conflict"
    request = PushRequest(
        clone=clone,
        remote=job.remote,
        repository=job.name,
        github=job.github,
        base_branch=job.branch,
        branch=job.update_branch,
        commit=commit,
        remote_commit=job.update_branch_commit,
        title=f"Update template from {job.from_version} to {job.to_version}"
        + (" (conflicts to resolve)" if conflicted else ""),
        body=pull_request.body(result),
        draft=conflicted,
    )
    published = backend_for(job.push, token=job.token).publish(request)
    return _row(
        job,
        outcome,
        branch=job.update_branch,
        commit=commit,
        pushed=published.pushed,
        pull_request=published.pull_request,
        verified=True if job.verify and outcome == "updated" else None,
        **(_conflict_fields(result) if conflicted and result is not None else {}),
    )
