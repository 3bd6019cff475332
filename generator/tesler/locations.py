"""Template locations: every form Copier accepts, resolved the way Copier resolves it.

A location is typed by a user (`--template`, TESLER_TEMPLATE), recorded by Copier in an
answers file (`_src_path`), or written in a fleet manifest. Each use needs a different
spelling of the same repository: Copier's (which it records), git's (`ls-remote`, `clone`)
and uv's (`uvx --from git+...`, how a project's CI runs tesler). This module derives all
three from one parse, following Copier's own rules (`copier._vcs.get_repo`):

- `gh:org/repo` and `gl:org/repo` are GitHub and GitLab over https (`.git` appended);
- a `git+` prefix is dropped for git; `git@host:path`, `git://`, and URLs ending in `.git`
  are git URLs as written;
- anything else is a path, `~` expanded, relative to the current directory.

Copier treats `https://host/repo` (no `.git`) and `file:///path` as paths and fails on them;
tesler hands such URLs to Copier with a `git+` prefix, which Copier then records.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tesler.errors import TemplateError
from tesler.git import checked_location

# The template's home: what `tesler new` renders and records when not told otherwise.
CANONICAL_TEMPLATE = "https://github.com/tesler-dev/tesler.git"
# Overrides the canonical location for `new`, `adopt` and `schema` (CI mirrors, tests).
TEMPLATE_VARIABLE = "TESLER_TEMPLATE"

_SHORTCUTS = {"gh:": "https://github.com/", "gl:": "https://gitlab.com/"}
# Copier's GIT_PREFIX: locations it takes for git URLs whatever their ending.
_COPIER_GIT_PREFIXES = ("git@", "git://", "git+", "https://github.com/", "https://gitlab.com/")
_SCHEMES = ("https", "http", "ssh", "git", "file")
_SCP = re.compile(r"^(?P<user>[A-Za-z0-9._-]+)@(?P<host>[A-Za-z0-9.-]+):(?P<path>[^:]+)$")
_KINDS = "an https, http, ssh, git or file URL, git@host:path, gh:org/repo, gl:org/repo or a path"


@dataclass(frozen=True)
class TemplateLocation:
    """One template repository, spelled for Copier, for git and for uv."""

    text: str
    copier: str
    git: str
    local_dir: Path | None

    @property
    def is_local(self) -> bool:
        """True when the template is a directory on this machine (a path or a file:// URL)."""
        return self.local_dir is not None

    @property
    def is_portable(self) -> bool:
        """True when another machine (a CI runner) can reach it: a network URL."""
        return self.local_dir is None

    @property
    def renderable(self) -> str:
        """What Copier renders from, from any directory: a local path made absolute."""
        if self.local_dir is not None and "://" not in self.git:
            return self.git
        return self.copier

    @property
    def uv_requirement(self) -> str:
        """What `uvx --from` takes to run tesler from this repository."""
        scp = _SCP.match(self.git)
        if scp:  # uv reads ssh only as a URL
            return f"git+ssh://{scp['user']}@{scp['host']}/{scp['path'].lstrip('/')}"
        if self.local_dir is not None and "://" not in self.git:
            return f"git+file://{self.git}"
        return f"git+{self.git}"

    def __str__(self) -> str:
        """The location as the user or the answers file wrote it."""
        return self.text


def parse(
    text: str, *, what: str, base: Path | None = None, record_absolute: bool = True
) -> TemplateLocation:
    """Parse a location written by a user or a file; `what` names where it came from.

    Relative paths are resolved against `base` (the current directory, as Copier does).
    `record_absolute` makes Copier record a local path absolute, so that later updates work
    from any directory; a location read from an answers file is handed back as recorded.
    """
    fix = f"set {what} to {_KINDS}"
    checked_location(text, what, fix=fix)
    if text.startswith(tuple(_SHORTCUTS)):
        expanded = _expand_shortcut(text)
        if expanded is None:
            raise TemplateError(f"{what} is {text!r}: the shortcut names no repository", fix=fix)
        return TemplateLocation(text, text, expanded, None)
    bare = text.removeprefix("git+")
    scheme = urlsplit(bare).scheme if "://" in bare else ""
    if scheme:
        if scheme not in _SCHEMES:
            raise TemplateError(f"{what} is {text!r}: {scheme}:// is not a git transport", fix=fix)
        local = Path(urlsplit(bare).path) if scheme == "file" else None
        return TemplateLocation(text, _for_copier(text), bare, local)
    if text.startswith("git+"):
        raise TemplateError(f"{what} is {text!r}: `git+` must prefix a URL", fix=fix)
    scp = _SCP.match(text)
    if scp:
        copier = (
            text
            if text.startswith("git@") or text.endswith(".git")
            else (f"git+ssh://{scp['user']}@{scp['host']}/{scp['path'].lstrip('/')}")
        )
        return TemplateLocation(text, copier, text, None)
    directory = Path(text).expanduser()
    if not directory.is_absolute():
        directory = (base or Path.cwd()) / directory
    directory = Path(os.path.normpath(directory))
    recorded = str(directory) if record_absolute else text
    return TemplateLocation(text, recorded, str(directory), directory)


def _expand_shortcut(text: str) -> str | None:
    for prefix, replacement in _SHORTCUTS.items():
        if text.startswith(prefix):
            path = text.removeprefix(prefix).lstrip("/")
            if not path:
                return None
            return f"{replacement}{path}" if path.endswith(".git") else f"{replacement}{path}.git"
    return None


def _for_copier(text: str) -> str:
    """The spelling Copier reads as a git URL: its own, or the URL with `git+` before it."""
    if text.endswith(".git") or text.startswith(_COPIER_GIT_PREFIXES):
        return text
    return f"git+{text}"


def default_location() -> tuple[TemplateLocation, str]:
    """The template `new`, `adopt` and `schema` use without `--template`, and where it is set."""
    override = os.environ.get(TEMPLATE_VARIABLE)
    if override:
        return parse(override, what=TEMPLATE_VARIABLE), TEMPLATE_VARIABLE
    return parse(CANONICAL_TEMPLATE, what="the canonical template"), "the canonical template"


def chosen(template: str | None) -> TemplateLocation:
    """`--template` when given, else TESLER_TEMPLATE, else the canonical repository."""
    if template is not None:
        return parse(template, what="--template")
    return default_location()[0]


def portability_warning(location: TemplateLocation) -> str | None:
    """What will not work elsewhere when a project records a local template, else None."""
    if location.is_portable:
        return None
    return (
        f"the project records the template as the local path {location.copier}: from any "
        "other machine, its CI template check (`make template-check`, the template workflow) "
        "and `tesler fleet apply` cannot reach it. Generate with --template set to the "
        f"repository's URL (default {CANONICAL_TEMPLATE}), or set `_src_path` in "
        ".copier-answers.yml to that URL once it is pushed"
    )
