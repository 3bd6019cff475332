"""The `readonly` backend: publish nothing; apply reports what it would have pushed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tesler.fleet.push import Published

if TYPE_CHECKING:
    from tesler.fleet.push import PushRequest


class ReadonlyBackend:
    """Runs nothing against the remote."""

    name = "readonly"

    def publish(self, request: PushRequest) -> Published:  # noqa: ARG002  (protocol)
        """Leave the remote untouched."""
        return Published(pushed=False)
