"""The result types of plan, apply and status: frozen models that round-trip through JSON.

Every rendering (terminal table, JSON, Markdown, HTML) and the shard merge read these
types and nothing else, so the four outputs cannot disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from tesler.fleet.shard import Shard  # noqa: TC001  (pydantic reads the annotation at run time)

Action = Literal["up-to-date", "update", "blocked"]
Outcome = Literal["up-to-date", "updated", "unchanged", "conflict", "failed", "blocked", "skipped"]
Scalar = float | int | str | bool | None


def now() -> str:
    """UTC time stamp used in reports and the state file."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlanRow(_Model):
    """What plan found for one repository and what apply would do with it."""

    name: str
    remote: str
    branch: str
    wave: int
    current: str | None
    target: str | None
    target_ref: str
    action: Action
    reason: str | None = None
    behind: int | None = None
    update_branch: str | None = None
    update_branch_commit: str | None = None
    update_branches: tuple[str, ...] = ()
    answer_changes: tuple[str, ...] = ()
    reachable: bool = True


class ConflictRow(_Model):
    """One conflict left by a template update: file, kind (marker, rej, unmerged), hunk."""

    path: str
    kind: str
    hunk: str


class ApplyRow(_Model):
    """What apply did to one repository."""

    name: str
    wave: int
    outcome: Outcome
    from_version: str | None = None
    to_version: str | None = None
    branch: str | None = None
    commit: str | None = None
    pushed: bool = False
    pull_request: str | None = None
    verified: bool | None = None
    conflicts: tuple[ConflictRow, ...] = ()
    message: str | None = None
    seconds: float = 0.0


class LastResult(_Model):
    """The most recent apply outcome for one repository, as the state file keeps it."""

    outcome: Outcome
    at: str
    to_version: str | None = None
    branch: str | None = None
    pull_request: str | None = None
    message: str | None = None


class StatusRow(_Model):
    """The state of one repository: version, lag, open update branches and quality figures."""

    name: str
    wave: int
    version: str | None
    target: str | None
    behind: int | None
    update_branches: tuple[str, ...] = ()
    last_result: LastResult | None = None
    metrics: dict[str, Scalar] = Field(default_factory=dict)
    promotion: dict[str, Scalar] = Field(default_factory=dict)
    promotion_state: str | None = None
    coverage_floor: float | int | None = None
    problem: str | None = None


class _Report(_Model):
    manifest: str
    manifest_digest: str
    template: str
    generated_at: str = Field(default_factory=now)
    shard: Shard | None = None


class PlanReport(_Report):
    """`tesler fleet plan`."""

    kind: Literal["plan"] = "plan"
    rows: tuple[PlanRow, ...]


class ApplyReport(_Report):
    """`tesler fleet apply`."""

    kind: Literal["apply"] = "apply"
    backend: str
    rows: tuple[ApplyRow, ...]


class StatusReport(_Report):
    """`tesler fleet status`."""

    kind: Literal["status"] = "status"
    rows: tuple[StatusRow, ...]


AnyReport = Annotated[PlanReport | ApplyReport | StatusReport, Field(discriminator="kind")]
