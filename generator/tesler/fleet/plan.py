"""`tesler fleet plan`: read every repository's recorded version and decide the action.

Plan only reads: `git ls-remote` and one file per repository fetched from the remote,
never a clone of the whole repository and never a write anywhere.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from tesler.answers_file import ANSWERS_FILE, inspect
from tesler.exit_codes import ExitCode
from tesler.fleet.errors import RemoteError
from tesler.fleet.remote import list_heads, read_files
from tesler.fleet.report import PlanReport, PlanRow
from tesler.fleet.template_index import TemplateIndex, open_template

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tesler.fleet.manifest import LoadedManifest, Repository
    from tesler.fleet.shard import Shard

# Reading a remote is a subprocess waiting on I/O: threads overlap them well.
DEFAULT_READ_JOBS = 8


def select(loaded: LoadedManifest, shard: Shard | None) -> list[Repository]:
    """The manifest's repositories, restricted to one shard when given."""
    repositories = loaded.manifest.repositories
    return [r for r in repositories if shard is None or shard.selects(r.name)]


def plan_fleet(
    loaded: LoadedManifest, *, shard: Shard | None = None, jobs: int = DEFAULT_READ_JOBS
) -> PlanReport:
    """Plan every selected repository, in wave then name order."""
    repositories = select(loaded, shard)
    with open_template(loaded.template) as index, ThreadPoolExecutor(jobs) as pool:
        rows = list(pool.map(lambda repo: plan_repository(loaded, index, repo), repositories))
    return PlanReport(
        manifest=str(loaded.path),
        manifest_digest=loaded.digest,
        template=loaded.template,
        shard=shard,
        rows=tuple(sorted(rows, key=lambda row: (row.wave, row.name))),
    )


class _Blocked(Exception):  # noqa: N818  (control flow inside this module only)
    def __init__(self, row: PlanRow, reason: str) -> None:
        self.row = row.model_copy(update={"action": "blocked", "reason": reason})


def plan_repository(
    loaded: LoadedManifest, index: TemplateIndex, repository: Repository
) -> PlanRow:
    """Decide up-to-date, update or blocked (with the reason) for one repository."""
    row = PlanRow(
        name=repository.name,
        remote=repository.remote,
        branch=repository.branch,
        wave=repository.wave,
        current=None,
        target=None,
        target_ref=loaded.target_ref(repository),
        action="blocked",
    )
    try:
        return _decide(loaded, index, repository, row)
    except _Blocked as blocked:
        return blocked.row


def _decide(
    loaded: LoadedManifest, index: TemplateIndex, repository: Repository, row: PlanRow
) -> PlanRow:
    target = index.resolve(row.target_ref)
    if target is None:
        raise _Blocked(row, f"the template has no ref {row.target_ref!r}")
    row = row.model_copy(update={"target": target.version})
    prefix = loaded.manifest.settings.branch_prefix
    heads, text = _read_remote(repository, row, prefix)
    update_branch = f"{prefix}{target.version}"
    row = row.model_copy(
        update={
            "update_branches": tuple(sorted(set(heads) - {repository.branch})),
            "update_branch": update_branch,
            "update_branch_commit": heads.get(update_branch),
        }
    )
    if text is None:
        raise _Blocked(row, f"no {ANSWERS_FILE} on {row.branch}: not made from the template")
    recorded = inspect(text)
    row = row.model_copy(update={"current": recorded.version})
    if recorded.problem is not None or recorded.version is None:
        raise _Blocked(row, recorded.problem or "invalid answers file")
    current = index.commit_of(recorded.version)
    if current is None:
        raise _Blocked(row, f"{recorded.version!r} is not a version of the template")
    changes = answer_changes(recorded.answers, repository.data)
    row = row.model_copy(update={"answer_changes": changes})
    if current == target.commit:
        # Declared answers are part of the desired state: a changed override is an update.
        return row.model_copy(update={"action": "update" if changes else "up-to-date", "behind": 0})
    if index.is_ancestor(target.commit, current):
        raise _Blocked(
            row,
            f"pinned ahead: the repository is at {recorded.version}, newer than its target "
            f"{target.version}; tesler never downgrades",
        )
    behind = index.releases_between(current, target.commit)
    return row.model_copy(update={"action": "update", "behind": behind})


def answer_changes(
    recorded: Mapping[str, object], overrides: Mapping[str, object]
) -> tuple[str, ...]:
    """`key: old -> new` for each manifest override the answers file does not record yet."""
    return tuple(
        f"{key}: {recorded.get(key)!r} -> {value!r}"
        for key, value in sorted(overrides.items())
        if recorded.get(key) != value
    )


def _read_remote(
    repository: Repository, row: PlanRow, prefix: str
) -> tuple[dict[str, str], str | None]:
    """The remote's branch and update branches, and its answers file (None if absent)."""
    unreachable = row.model_copy(update={"reachable": False})
    try:
        heads = list_heads(repository.remote, [repository.branch, f"{prefix}*"])
        if repository.branch not in heads:
            raise _Blocked(unreachable, f"the remote has no branch {repository.branch!r}")
        files = read_files(repository.remote, repository.branch, [ANSWERS_FILE])
    except RemoteError as error:
        raise _Blocked(unreachable, error.message) from None
    return heads, files[ANSWERS_FILE]


def plan_exit_code(report: PlanReport) -> ExitCode:
    """1 when a repository is blocked (CI must notice), else 0."""
    blocked = any(row.action == "blocked" for row in report.rows)
    return ExitCode.FAILURE if blocked else ExitCode.OK
