"""`--shard I/N`: a deterministic slice of the fleet for one job of a CI matrix.

A repository's shard depends on its name alone (a stable hash, not Python's salted
`hash`), so every matrix job computes the same partition without talking to the others.
"""

from __future__ import annotations

import hashlib
import re

from pydantic import BaseModel, ConfigDict, Field

from tesler.fleet.errors import ShardError

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


class Shard(BaseModel):
    """Shard `index` (1-based) of `count`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    index: int = Field(ge=1)
    count: int = Field(ge=1)

    def __str__(self) -> str:
        """The form users type: `I/N`."""
        return f"{self.index}/{self.count}"

    def selects(self, name: str) -> bool:
        """True when the repository called `name` belongs to this shard."""
        return shard_of(name, self.count) == self.index


def shard_of(name: str, count: int) -> int:
    """The 1-based shard a repository name falls in, out of `count`."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse_shard(text: str) -> Shard:
    """Parse `I/N` with 1 <= I <= N, or say what to type instead."""
    match = _SHARD.match(text)
    if match is None or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise ShardError(
            f"--shard {text!r} is not of the form I/N with 1 <= I <= N",
            fix="pass e.g. --shard 1/4 (in a GitHub Actions matrix: "
            "--shard ${{ matrix.shard }}/${{ strategy.job-total }})",
        )
    return Shard(index=int(match.group(1)), count=int(match.group(2)))
