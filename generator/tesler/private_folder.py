"""Whether a folder is the user's alone: where tesler keeps code it will run again later."""

from __future__ import annotations

import os
import stat


def is_private(path: str | os.PathLike[str]) -> bool:
    """True for a real folder (not a link) owned by this user with mode 0700."""
    try:
        status = os.lstat(path)
    except OSError:
        return False
    return (
        stat.S_ISDIR(status.st_mode)
        and status.st_uid == os.getuid()
        and stat.S_IMODE(status.st_mode) == stat.S_IRWXU
    )
