"""Keep secrets and terminal control sequences out of everything tesler prints or writes.

Remote URLs in manifests may carry credentials (`https://x-access-token:SECRET@host/...`),
git and the GitHub API echo them back in errors, and repositories of a fleet commit the
metric files tesler shows: their text is other people's, so it is cleaned at every exit
(terminal, JSON, Markdown, HTML, state file) rather than trusted where it is read.
"""

from __future__ import annotations

import os
import re

MASK = "***"
# Variables whose values are credentials tesler itself may hold; their values are masked
# wherever they appear, as GitHub Actions masks secrets in logs.
SECRET_VARIABLES = ("TESLER_GITHUB_TOKEN", "GITHUB_TOKEN", "GH_TOKEN")
_MIN_SECRET = 6  # shorter values would mask ordinary words

# `scheme://userinfo@host`: everything between `//` and the last `@` before the path is a
# credential (a token alone may be the user name); a raw `@` in a password is covered too.
_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/\s'\"<>]+@")
# Token formats that are unmistakable on their own (GitHub's documented prefixes).
_TOKENS = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b")
_BEARER = re.compile(r"(?i)\b(authorization:\s*(?:bearer|token|basic)\s+)\S+")
# C0 controls but tab and newline, DEL, C1 controls (U+009B is a one-character CSI).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def secrets(text: str) -> str:
    """`text` with URL credentials, token-shaped strings and known secret values masked."""
    text = _URL_USERINFO.sub(lambda match: f"{match['scheme']}{MASK}@", text)
    text = _TOKENS.sub(MASK, text)
    text = _BEARER.sub(lambda match: f"{match[1]}{MASK}", text)
    for value in _known_secrets():
        text = text.replace(value, MASK)
    return text


def terminal(text: str) -> str:
    r"""`text` safe to print: secrets masked, control characters shown as `\xNN`."""
    return _CONTROL.sub(_visible, secrets(text).replace("\r\n", "\n"))


def one_line(text: str) -> str:
    """Like `terminal`, on one line: newlines and tabs become spaces (table cells)."""
    return " ".join(terminal(text).replace("\t", " ").splitlines())


def json_text(text: str) -> str:
    r"""Serialised JSON with secrets masked and DEL/C1 characters escaped (JSON leaves them raw).

    Control characters can only occur inside JSON strings, where `\u00NN` means the same.
    """
    return re.sub(r"[\x7f-\x9f]", lambda match: f"\\u{ord(match[0]):04x}", secrets(text))


def _visible(match: re.Match[str]) -> str:
    return f"\\x{ord(match[0]):02x}"


def _known_secrets() -> list[str]:
    values = (os.environ.get(name, "") for name in SECRET_VARIABLES)
    return sorted({v for v in values if len(v) >= _MIN_SECRET}, key=len, reverse=True)
