"""`tesler check`: how a project drifted from its template, as findings and an exit code.

Each check is a function returning findings; any finding means exit 4 (drift). "Behind?"
runs on every CI build, so it uses `git ls-remote` only and never imports Copier.
"""

from __future__ import annotations

import difflib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

from tesler import answers_file, versions
from tesler.answers_file import ANSWERS_FILE
from tesler.answers_schema import answers_schema
from tesler.errors import ProjectError, TeslerError
from tesler.ownership import Ownership
from tesler.questions import TEMPLATE_CONFIG, load_config, parse_questions

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from tesler.locations import TemplateLocation

CheckName = Literal["behind", "answers", "edited"]
CHECKS: tuple[CheckName, ...] = get_args(CheckName)
_DIFF_LINES = 40  # lines of diff kept per edited file in a report


@dataclass(frozen=True)
class Finding:
    """One reason the project drifted: which check found it, what, and where."""

    check: CheckName
    message: str
    path: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class CheckResult:
    """Everything `tesler check` found about one project."""

    project: Path
    version: str
    latest: str | None
    checked: tuple[CheckName, ...]
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no check found anything."""
        return not self.findings

    def as_dict(self) -> dict[str, object]:
        """The JSON report (docs/updating.md documents its fields)."""
        return {
            "project": str(self.project),
            "version": self.version,
            "latest": self.latest,
            "ok": self.ok,
            "checked": list(self.checked),
            "findings": [
                {"check": f.check, "message": f.message, "path": f.path, "detail": f.detail}
                for f in self.findings
            ],
            "notes": list(self.notes),
        }


def check_project(
    project: Path, *, checks: Iterable[CheckName] = CHECKS, prereleases: bool = False
) -> CheckResult:
    """Run the chosen checks on the project at `project`."""
    directory = project.expanduser().resolve()
    if not directory.is_dir():
        raise ProjectError(f"{directory} is not a directory", fix="pass the project's directory")
    recorded = answers_file.load(directory)
    answers = recorded.values
    source, version = recorded.template()
    selected = tuple(name for name in CHECKS if name in set(checks))
    findings: list[Finding] = []
    notes: list[str] = []
    latest = None
    if "behind" in selected:
        latest, behind = check_behind(source, version, prereleases=prereleases)
        findings += behind
    config_text = ""
    if "answers" in selected or "edited" in selected:
        config_text = versions.read_template_file(
            source,
            version,
            TEMPLATE_CONFIG,
            fix=f"`_commit` in {recorded.origin} must name a version of the template: "
            f"restore {ANSWERS_FILE} from git",
        )
    if "answers" in selected:
        findings += check_answers(answers, config_text, f"{source}@{version}")
    if "edited" in selected:
        if any(finding.check == "answers" for finding in findings):
            notes.append("edited files not compared: fix the answers first")
        else:
            findings += check_edited(directory, answers, source, config_text)
    return CheckResult(
        project=directory,
        version=version,
        latest=latest,
        checked=selected,
        findings=tuple(findings),
        notes=tuple(notes),
    )


def check_behind(
    source: TemplateLocation, version: str, *, prereleases: bool = False
) -> tuple[str | None, list[Finding]]:
    """The template's latest release, and a finding when `version` is older than it."""
    refs = versions.list_refs(
        source,
        fix=f"`_src_path` in {ANSWERS_FILE} names where the template is: check that it is "
        "reachable from here, or set it to the template's URL",
    )
    latest = refs.latest(prereleases=prereleases)
    if latest is None:
        return None, []  # a template without releases has nothing to be behind
    recorded = versions.RecordedVersion.parse(version)
    fix = f"run `tesler update` to get {latest.tag}"
    if recorded.release is None:
        if recorded.sha_prefix and refs.tags[latest.tag].startswith(recorded.sha_prefix):
            return latest.tag, []
        message = f"the project is at {version}, which is not a release; {fix}"
        return latest.tag, [Finding("behind", message)]
    if recorded.release < latest:
        message = f"the project is at {version}, the latest release is {latest.tag}; {fix}"
        return latest.tag, [Finding("behind", message)]
    return latest.tag, []


def check_answers(answers: Mapping[str, object], config_text: str, origin: str) -> list[Finding]:
    """Findings for every answer that breaks the schema of the template version it records."""
    import jsonschema  # noqa: PLC0415  (only this check needs it)

    schema = answers_schema(parse_questions(config_text, origin))
    validator = jsonschema.Draft202012Validator(schema)
    findings = []
    for error in sorted(validator.iter_errors(dict(answers)), key=lambda e: list(e.path)):
        field = ".".join(str(part) for part in error.absolute_path) or "answers"
        message = error.message
        if error.validator == "not":
            message = f"{error.instance!r} is a name the template reserves"
        findings.append(Finding("answers", f"{field}: {message}", path=ANSWERS_FILE))
    return findings


def check_edited(
    project: Path, answers: Mapping[str, object], source: TemplateLocation, config_text: str
) -> list[Finding]:
    """Template-owned files (what the template renders) that differ from a fresh rendering.

    Files the template does not render (uv.lock, dvc.lock, metrics, data) are not compared,
    nor files matching the template's `_skip_if_exists` (starting points the user owns).
    """
    from tesler import copier_adapter  # noqa: PLC0415  (Copier costs ~0.6 s to import)

    version = str(answers["_commit"])
    ownership = Ownership(_skip_if_exists(config_text), answers)
    data = {key: value for key, value in answers.items() if not key.startswith("_")}
    findings = []
    with tempfile.TemporaryDirectory(prefix="tesler-check-") as directory:
        rendered = Path(directory) / "rendered"
        try:
            copier_adapter.render(source.renderable, rendered, data, vcs_ref=version, defaults=True)
        except TeslerError as error:
            message = f"cannot render the template at {version} to compare: {error.message}"
            return [Finding("edited", message)]
        for file in sorted(path for path in rendered.rglob("*") if path.is_file()):
            relative = file.relative_to(rendered).as_posix()
            if relative == ANSWERS_FILE or ownership.is_project_owned(relative):
                continue
            local = project / relative
            if not local.is_file():
                findings.append(Finding("edited", f"{relative} was deleted locally", path=relative))
            elif local.read_bytes() != file.read_bytes():
                message = f"{relative} differs from the template's rendering at {version}"
                detail = _diff(file, local, relative)
                findings.append(Finding("edited", message, path=relative, detail=detail))
    return findings


def _skip_if_exists(config_text: str) -> list[str]:
    patterns = load_config(config_text, TEMPLATE_CONFIG).get("_skip_if_exists", [])
    return [str(pattern) for pattern in patterns] if isinstance(patterns, list) else []


def _diff(rendered: Path, local: Path, relative: str) -> str:
    try:
        before = rendered.read_text(encoding="utf-8").splitlines(keepends=True)
        after = local.read_text(encoding="utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return "binary file differs"
    lines = list(difflib.unified_diff(before, after, f"template/{relative}", f"project/{relative}"))
    return "".join(lines[:_DIFF_LINES])
