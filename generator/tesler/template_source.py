"""Find and vet the template a project is generated from.

The answers file records the template's location, and `copier update` later resolves it
from the project's directory, so a local path must be recorded absolute.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tesler.errors import TemplateError
from tesler.process import git_output
from tesler.questions import TEMPLATE_CONFIG, Question, load_questions, parse_questions
from tesler.versions import list_refs, read_template_file

_URL_PREFIXES = ("http://", "https://", "git@", "ssh://", "git+", "file://", "gh:", "gl:")


@dataclass(frozen=True)
class TemplateSource:
    """Where the template comes from, as Copier will record it."""

    location: str
    local_dir: Path | None

    @property
    def is_local(self) -> bool:
        """True when the template is a directory on this machine."""
        return self.local_dir is not None


def default_template_dir() -> Path:
    """The git repository tesler itself runs from (a clone of the tesler repository)."""
    return Path(__file__).resolve().parents[2]


def resolve(template: str | None) -> TemplateSource:
    """Turn `--template` (or its absence) into an absolute, usable template source."""
    if template is not None and template.startswith(_URL_PREFIXES):
        return TemplateSource(location=template, local_dir=None)
    directory = Path(template).expanduser().resolve() if template else default_template_dir()
    if not (directory / TEMPLATE_CONFIG).is_file():
        where = f"--template {template}" if template else f"tesler's own checkout {directory}"
        raise TemplateError(
            f"{where} has no {TEMPLATE_CONFIG}, so it is not a tesler template",
            fix="pass --template with the path or git URL of a clone of the tesler repository",
        )
    return TemplateSource(location=str(directory), local_dir=directory)


def refuse_dirty_head(source: TemplateSource, vcs_ref: str | None) -> None:
    """Refuse to render uncommitted template changes as if they were a commit.

    Copier renders a dirty local template at HEAD by committing it in a throw-away
    clone, then records that commit, which exists nowhere: every later update fails.
    """
    if source.local_dir is None or not _renders_head(source.local_dir, vcs_ref):
        return
    status = git_output(["status", "--porcelain", "--untracked-files=normal"], source.local_dir)
    if status:
        changed = ", ".join(line[3:] for line in status.splitlines()[:5])
        raise TemplateError(
            f"template {source.location} has uncommitted changes ({changed}) and would be "
            "rendered at HEAD, recording a commit that exists nowhere",
            fix="commit the template changes, pass --vcs-ref with a tag, "
            "or pass --allow-dirty-template",
        )


def _renders_head(directory: Path, vcs_ref: str | None) -> bool:
    if git_output(["rev-parse", "--git-dir"], directory) is None:
        return False
    if vcs_ref is not None:
        return vcs_ref == "HEAD"
    # Without --vcs-ref Copier takes the latest tag, or HEAD when there is none.
    return not git_output(["tag", "--list"], directory)


def questions_at(source: TemplateSource, vcs_ref: str | None) -> tuple[Question, ...]:
    """The questions of the version Copier will render, so old releases get their own rules."""
    if source.local_dir is None:
        raise TemplateError(
            f"the questions of remote template {source.location} are not read before rendering",
            fix="pass a local clone with --template to have --data checked before rendering",
        )
    if git_output(["rev-parse", "--git-dir"], source.local_dir) is None:
        return load_questions(source.local_dir)
    ref = vcs_ref
    if ref is None:
        latest = list_refs(str(source.local_dir)).latest()
        ref = latest.tag if latest else "HEAD"
    if ref == "HEAD":
        # HEAD, or the working tree when a dirty template is allowed: what Copier renders.
        return load_questions(source.local_dir)
    text = read_template_file(str(source.local_dir), ref, TEMPLATE_CONFIG)
    return parse_questions(text, f"{source.location}@{ref}")
