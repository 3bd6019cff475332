"""Whether a folder is the user's alone, and tesler's private folders in the user's cache."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import platformdirs


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


def user_cache_folder(name: str) -> Path | None:
    """The private folder `name` of tesler in the user's cache folder, created if missing.

    None when it cannot be made or is not private (another owner, other modes, a link).
    """
    folder = Path(platformdirs.user_cache_dir("tesler")) / name
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if is_private(folder) else None
