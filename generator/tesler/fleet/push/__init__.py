"""Push backends: what apply does with an update branch once it is committed.

Each backend is one module behind the small `PushBackend` protocol, chosen by the
manifest's `settings.push.backend` (or `apply --push`): `readonly`, `local`, `github`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pathlib import Path

    from tesler.fleet.manifest import PushConfig


@dataclass(frozen=True)
class PushRequest:
    """A committed update branch in a temporary clone, ready to publish."""

    clone: Path
    remote: str
    repository: str
    github: str | None
    base_branch: str
    branch: str
    commit: str
    remote_commit: str | None
    title: str
    body: str
    draft: bool = False  # a pull request opened for review later (a conflicted update)


@dataclass(frozen=True)
class Published:
    """What a backend did: pushed the branch or not, and the pull request it found or opened."""

    pushed: bool
    pull_request: str | None = None


class PushBackend(Protocol):
    """Publish one update branch; doing it twice must change nothing the second time."""

    name: str

    def publish(self, request: PushRequest) -> Published:
        """Publish `request.commit` as `request.branch` (idempotent)."""
        ...


def backend_for(config: PushConfig, *, token: str | None = None) -> PushBackend:
    """The backend the configuration names."""
    # Imported here so that choosing one backend never loads the others.
    if config.backend == "readonly":
        from tesler.fleet.push.readonly import ReadonlyBackend  # noqa: PLC0415

        return ReadonlyBackend()
    if config.backend == "local":
        from tesler.fleet.push.local import LocalBackend  # noqa: PLC0415

        return LocalBackend()
    from tesler.fleet.push.github import GithubBackend  # noqa: PLC0415

    return GithubBackend(api_url=config.api_url, token=token)
