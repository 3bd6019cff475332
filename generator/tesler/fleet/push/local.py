"""The `local` backend: push the update branch to the repository's own remote."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tesler import git
from tesler.fleet.push import Published
from tesler.fleet.remote import checked_remote

if TYPE_CHECKING:
    from tesler.fleet.push import PushRequest


def push_branch(request: PushRequest) -> bool:
    """Push the branch unless the remote already has that commit; True when it pushed.

    The lease names the commit plan saw (or no branch at all), so a branch someone
    changed in the meantime is refused rather than overwritten.
    """
    if request.remote_commit == request.commit:
        return False
    ref = f"refs/heads/{request.branch}"
    git.run(
        [
            "push",
            "--quiet",
            "--no-verify",
            f"--force-with-lease={ref}:{request.remote_commit or ''}",
            "--",
            checked_remote(request.remote),
            f"{request.commit}:{ref}",
        ],
        request.clone,
        step=f"push {request.branch}",
        fix="check write access to the remote; if the branch changed since plan, run apply again",
    )
    return True


class LocalBackend:
    """Pushes the branch; opens nothing."""

    name = "local"

    def publish(self, request: PushRequest) -> Published:
        """Push the branch (idempotent)."""
        return Published(pushed=push_branch(request))
