"""Exit codes shared by every tesler command (documented in docs/exit-codes.md)."""

from enum import IntEnum


class ExitCode(IntEnum):
    """What a tesler process tells CI through its exit status."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    CONFLICT = 3
    DRIFT = 4
