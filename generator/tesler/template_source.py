"""Choose, vet and read the template a project is generated from (local or remote alike).

`new`, `adopt` and `schema` take `--template`, else TESLER_TEMPLATE, else the canonical
repository (see `tesler.locations`). The questions are read at the version Copier will
render, so `--data` is checked before rendering for every template, local or remote.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tesler import git
from tesler.errors import TemplateError
from tesler.locations import TemplateLocation, chosen
from tesler.questions import TEMPLATE_CONFIG, Question, load_questions, parse_questions
from tesler.versions import TemplateRefs, list_refs, read_template_file


@dataclass(frozen=True)
class RenderTarget:
    """The version of a template Copier will render: its ref (None: not a git repository)."""

    location: TemplateLocation
    ref: str | None
    refs: TemplateRefs | None


def resolve(template: str | None) -> TemplateLocation:
    """`--template` (or the default), checked to be a template when it is on this machine."""
    location = chosen(template)
    directory = location.local_dir
    if directory is not None and not (directory / TEMPLATE_CONFIG).is_file():
        where = f"--template {template}" if template else str(location)
        raise TemplateError(
            f"{where} ({directory}) has no {TEMPLATE_CONFIG}, so it is not a tesler template",
            fix="pass --template with the path or git URL of a clone of the tesler repository",
        )
    return location


def version_to_render(
    location: TemplateLocation, vcs_ref: str | None, *, prereleases: bool = False
) -> RenderTarget:
    """`--vcs-ref`, else the latest release, else HEAD: what Copier renders, checked to exist."""
    if vcs_ref is not None:
        git.checked_ref(vcs_ref, "--vcs-ref", fix="pass a tag, a branch, a commit or HEAD")
    if location.local_dir is not None and not _is_repository(location.local_dir):
        return RenderTarget(location, None, None)  # a plain directory: Copier renders it as it is
    refs = list_refs(location)
    latest = refs.latest(prereleases=prereleases)
    ref = vcs_ref or (latest.tag if latest else "HEAD")
    if refs.resolve(ref) is None:
        raise TemplateError(
            f"template {location} has no ref {ref!r} (releases: {refs.names()})",
            fix="pass --vcs-ref with one of the releases, a branch, a commit or HEAD",
        )
    return RenderTarget(location, ref, refs)


def refuse_dirty_head(version: RenderTarget) -> None:
    """Refuse to render uncommitted template changes as if they were a commit.

    Copier renders a dirty local template at HEAD by committing it in a throw-away
    clone, then records that commit, which exists nowhere: every later update fails.
    """
    directory = version.location.local_dir
    if directory is None or version.ref != "HEAD":
        return
    status = git.query(["status", "--porcelain", "--untracked-files=normal"], directory)
    if status:
        changed = ", ".join(line[3:] for line in status.splitlines()[:5])
        raise TemplateError(
            f"template {version.location} has uncommitted changes ({changed}) and would be "
            "rendered at HEAD, recording a commit that exists nowhere",
            fix="commit the template changes, pass --vcs-ref with a tag, "
            "or pass --allow-dirty-template",
        )


def questions_at(version: RenderTarget) -> tuple[Question, ...]:
    """The questions of the version Copier will render, so old releases get their own rules."""
    directory = version.location.local_dir
    if directory is not None and version.ref in {None, "HEAD"}:
        # HEAD, or the working tree when a dirty template is allowed: what Copier renders.
        return load_questions(directory)
    ref = version.ref or "HEAD"
    text = read_template_file(
        version.location,
        ref,
        TEMPLATE_CONFIG,
        fix="pass --vcs-ref with a version of the template that has a copier.yml",
    )
    return parse_questions(text, f"{version.location}@{ref}")


def _is_repository(directory: Path) -> bool:
    """True at the root of a git repository: where Copier uses git (`is_git_repo_root`)."""
    toplevel = git.query(["rev-parse", "--show-toplevel"], directory)
    return toplevel is not None and Path(toplevel).resolve() == directory.resolve()
