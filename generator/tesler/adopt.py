"""`tesler adopt`: bring an existing repository under the template, on a branch.

Answers come from a cruft or cookiecutter context when the repository has one, and from
`--data` otherwise (or on top). The template is rendered over a throw-away clone, every
file is reported as added, would-change or identical, and the result is committed on a
branch `template-adopt`: nothing is overwritten in the user's checkout.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tesler import answers_file, copier_adapter, template_source
from tesler.answers_file import ANSWERS_FILE
from tesler.checkout import (
    commit_all,
    commit_identity,
    open_checkout,
    publish_branch,
    refuse_dirty,
    scratch_clone,
)
from tesler.errors import AnswerError, ProjectError, TeslerError
from tesler.locations import portability_warning
from tesler.questions import Question, parse_data

if TYPE_CHECKING:
    from collections.abc import Mapping

FileStatus = Literal["added", "would-change", "identical"]
CONTEXT_FILES = (".cruft.json", ".cookiecutter.json", "cookiecutter.json")

# tesler question <- cookiecutter variables that usually hold the same answer, in order.
_ALIASES: dict[str, tuple[str, ...]] = {
    "project_name": ("project_name", "repo_name", "project_slug"),
    "package_name": ("package_name", "module_name", "project_module", "project_slug", "repo_name"),
    "description": ("description", "project_short_description", "project_description"),
    "author_name": ("author_name", "author", "full_name", "maintainer"),
    "author_email": ("author_email", "email", "maintainer_email"),
    "license": ("license", "open_source_license"),
}
# cookiecutter-pypackage and cookiecutter-data-science spell licences in words.
_LICENCES = {
    "mit": "MIT",
    "mitlicense": "MIT",
    "apache20": "Apache-2.0",
    "apachesoftwarelicense20": "Apache-2.0",
    "apachelicense20": "Apache-2.0",
    "bsd3clause": "BSD-3-Clause",
    "bsdlicense": "BSD-3-Clause",
    "bsd3": "BSD-3-Clause",
    "notopensource": "Proprietary",
    "proprietary": "Proprietary",
    "nolicensefile": "Proprietary",
}


@dataclass(frozen=True)
class AdoptedFile:
    """One file the template renders, and how it relates to the repository's own."""

    path: str
    status: FileStatus


@dataclass(frozen=True)
class AdoptResult:
    """What adopting the template did (or, in a dry run, would do)."""

    project: Path
    template: str
    version: str
    answers_from: str
    answers: Mapping[str, object]
    dropped: tuple[str, ...]
    branch: str | None
    commit: str | None
    files: tuple[AdoptedFile, ...]
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """The JSON report (docs/updating.md documents its fields)."""
        return {
            "project": str(self.project),
            "template": self.template,
            "version": self.version,
            "answers_from": self.answers_from,
            "answers": dict(self.answers),
            "dropped": list(self.dropped),
            "branch": self.branch,
            "commit": self.commit,
            "files": [{"path": f.path, "status": f.status} for f in self.files],
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class LegacyContext:
    """Answers a cookiecutter-based tool recorded: where they were read, and the values."""

    origin: str
    values: Mapping[str, object]


def adopt_project(  # noqa: PLR0913  (one keyword per documented option)
    project: Path,
    *,
    data: list[str] | None = None,
    template: str | None = None,
    vcs_ref: str | None = None,
    context_file: Path | None = None,
    branch: str = "template-adopt",
    dry_run: bool = False,
) -> AdoptResult:
    """Render the template over `project` on a new branch and report every file."""
    checkout = open_checkout(project)
    refuse_dirty(checkout)
    if (checkout.path / ANSWERS_FILE).is_file():
        try:
            version = answers_file.load(checkout.path).commit
        except TeslerError:
            version = "an unreadable version"
        raise ProjectError(
            f"{checkout.path} is already generated from a template (at {version})",
            fix="use `tesler update` to move it to a newer template version",
        )
    source = template_source.resolve(template)
    version_to_render = template_source.version_to_render(source, vcs_ref)
    template_source.refuse_dirty_head(version_to_render)
    questions = template_source.questions_at(version_to_render)
    legacy = read_legacy_context(checkout.path, context_file)
    answers, dropped = map_context(legacy.values, questions) if legacy else ({}, [])
    answers.update(parse_data(questions, data or []))
    if not answers:
        raise AnswerError(
            "project_name",
            "<none>",
            f"{checkout.path} has no cruft or cookiecutter context ({', '.join(CONTEXT_FILES)})",
            fix="give the answers: --data project_name=NAME --data package_name=NAME ...",
        )
    with tempfile.TemporaryDirectory(prefix="tesler-adopt-") as directory:
        rendered = Path(directory) / "rendered"
        copier_adapter.render(
            source.copier, rendered, answers, vcs_ref=version_to_render.ref, defaults=True
        )
        recorded = answers_file.load(rendered).values
        with scratch_clone(checkout, prefix="tesler-adopt-") as root:
            work = checkout.inside(root)
            files = overlay(rendered, work)
            result = AdoptResult(
                project=checkout.path,
                template=source.copier,
                version=str(recorded["_commit"]),
                answers_from=legacy.origin if legacy else "--data",
                answers={k: v for k, v in recorded.items() if not k.startswith("_")},
                dropped=tuple(dropped),
                branch=None,
                commit=None,
                files=files,
                warnings=tuple(filter(None, [portability_warning(source)])),
            )
            if dry_run:
                return result
            changed = [f.path for f in files if f.status == "would-change"]
            message = (
                f"Adopt the template at {result.version}\n\nAnswers from {result.answers_from}."
            )
            if changed:
                message += f"\nFiles the template rewrote (review them): {', '.join(changed)}"
            commit = commit_all(root, checkout.subdir, commit_identity(checkout, recorded), message)
            commit = publish_branch(checkout, root, commit, branch)
    return replace(result, branch=branch, commit=commit)


def read_legacy_context(project: Path, context_file: Path | None = None) -> LegacyContext | None:
    """The cookiecutter answers recorded by cruft or cookiecutter, if the repository has them."""
    candidates = [context_file] if context_file else [project / name for name in CONTEXT_FILES]
    for path in candidates:
        if not path.is_file():
            if context_file:
                raise ProjectError(f"{path} does not exist", fix="pass an existing --context file")
            continue
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ProjectError(
                f"{path} is not valid JSON: {error}", fix="fix the file or pass answers with --data"
            ) from None
        if isinstance(loaded, dict):
            context = loaded.get("context", loaded)  # .cruft.json nests it under "context"
            values = context.get("cookiecutter", context) if isinstance(context, dict) else {}
            if isinstance(values, dict):
                return LegacyContext(origin=path.name, values=values)
    return None


def map_context(
    values: Mapping[str, object], questions: tuple[Question, ...]
) -> tuple[dict[str, object], list[str]]:
    """Answers for the template's questions from a cookiecutter context.

    Returns the answers and a list of values that could not be used (wrong type or not
    one of the choices): those questions fall back to --data or their default.
    """
    by_name = {q.name: q for q in questions if not q.computed}
    answers: dict[str, object] = {}
    dropped: list[str] = []
    for name, question in by_name.items():
        for key in _ALIASES.get(name, (name,)):
            raw = values.get(key)
            if isinstance(raw, list):  # an unrendered cookiecutter choice: the first is the default
                raw = raw[0] if raw else None
            if raw is None or (isinstance(raw, str) and ("{{" in raw or not raw.strip())):
                continue
            text = _normalise(name, str(raw))
            try:
                answers[name] = question.parse(text)
            except AnswerError:
                dropped.append(f"{key}={raw!r} (for {name})")
            break
    return answers, dropped


def _normalise(name: str, raw: str) -> str:
    if name == "package_name":
        return re.sub(r"[^a-z0-9]+", "_", raw.lower()).strip("_")
    if name == "license":
        return _LICENCES.get(re.sub(r"[^a-z0-9]", "", raw.lower()), raw)
    return raw


def overlay(rendered: Path, work: Path) -> tuple[AdoptedFile, ...]:
    """Copy every rendered file over `work`, saying for each what it did."""
    files = []
    for file in sorted(path for path in rendered.rglob("*") if path.is_file()):
        relative = file.relative_to(rendered).as_posix()
        target = work / relative
        status: FileStatus
        if not target.exists():
            status = "added"
        elif target.is_file() and target.read_bytes() == file.read_bytes():
            status = "identical"
        else:
            status = "would-change"
        if status != "identical":
            if target.is_dir():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, target)
        files.append(AdoptedFile(relative, status))
    return tuple(files)
