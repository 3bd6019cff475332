"""The fleet manifest: which repositories follow which template version, and how to roll out.

Strict, frozen pydantic models: an unknown key, a wrong type or a dangling channel is an
error that names the manifest's line, so a typo never silently changes a rollout.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

from tesler import safe_yaml
from tesler.fleet import same_remote, yaml_lines
from tesler.fleet.errors import ManifestError
from tesler.fleet.push.github import api_url_problem
from tesler.locations import parse as parse_location

if TYPE_CHECKING:
    from pathlib import Path

DEFAULT_STATE_FILE = ".tesler-fleet-state.json"
_FIX = "correct the manifest; every key is described in docs/fleet.md"
_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"

AnswerValue = StrictStr | StrictBool | StrictInt | StrictFloat | None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Repository(_Strict):
    """One repository of the fleet and the template version it must follow."""

    name: Annotated[StrictStr, Field(pattern=_NAME)]
    remote: Annotated[StrictStr, Field(min_length=1)]
    branch: Annotated[StrictStr, Field(min_length=1)] = "main"
    version: StrictStr | None = None
    channel: StrictStr | None = None
    data: dict[StrictStr, AnswerValue] = Field(default_factory=dict)
    wave: Annotated[StrictInt, Field(ge=0)] = 0
    github: Annotated[StrictStr | None, Field(pattern=r"^[\w.-]+/[\w.-]+$")] = None

    @model_validator(mode="after")
    def _one_target(self) -> Repository:
        if (self.version is None) == (self.channel is None):
            raise ValueError("give exactly one of `version` (a pin) or `channel`")
        return self


class ReadonlyPush(_Strict):
    """Push nothing: apply runs the updates in temporary clones and reports them."""

    backend: Literal["readonly"]


class LocalPush(_Strict):
    """Push the update branch to each repository's remote."""

    backend: Literal["local"]


class GithubPush(_Strict):
    """Push the update branch and open a pull request through the GitHub REST API."""

    backend: Literal["github"]
    api_url: StrictStr = "https://api.github.com"

    @field_validator("api_url")
    @classmethod
    def _https(cls, value: str) -> str:
        problem = api_url_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


PushConfig = Annotated[ReadonlyPush | LocalPush | GithubPush, Field(discriminator="backend")]


class Settings(_Strict):
    """How a rollout runs."""

    stop_on_wave_failure: StrictBool = True
    jobs: Annotated[StrictInt, Field(ge=1, le=64)] = 2
    branch_prefix: Annotated[StrictStr, Field(min_length=1)] = "template-update/"
    state_file: StrictStr = DEFAULT_STATE_FILE
    scratch: Annotated[StrictStr, Field(min_length=1)] = "auto"
    push: PushConfig = LocalPush(backend="local")
    # Template `_migrations` run code from the template; a maintainer opts in per fleet.
    trust_migrations: StrictBool = False


class Manifest(_Strict):
    """The whole declared state of the fleet."""

    template: Annotated[StrictStr, Field(min_length=1)]
    channels: dict[StrictStr, StrictStr] = Field(default_factory=dict)
    settings: Settings = Settings()
    repositories: tuple[Repository, ...]


@dataclass(frozen=True)
class LoadedManifest:
    """A validated manifest with paths resolved against the manifest's own directory."""

    path: Path
    manifest: Manifest
    digest: str

    @property
    def template(self) -> str:
        """The template source: a URL as written, a local path made absolute (from this file)."""
        return parse_location(
            self.manifest.template, what="`template:` in the manifest", base=self.path.parent
        ).renderable

    @property
    def state_file(self) -> Path:
        """Where apply records its results and status reads them."""
        return (self.path.parent / self.manifest.settings.state_file).resolve()

    def target_ref(self, repository: Repository) -> str:
        """The template ref a repository must reach: its pin, or its channel's ref."""
        if repository.version is not None:
            return repository.version
        return self.manifest.channels[str(repository.channel)]


def push_config(loaded: LoadedManifest, backend: str) -> PushConfig:
    """The manifest's push settings with another backend chosen (`apply --push`)."""
    current = loaded.manifest.settings.push
    api_url = (
        current.api_url
        if isinstance(current, GithubPush)
        else GithubPush.model_fields["api_url"].default
    )
    if backend == "github":
        return GithubPush(backend="github", api_url=api_url)
    if backend == "local":
        return LocalPush(backend="local")
    return ReadonlyPush(backend="readonly")


def load_manifest(path: Path) -> LoadedManifest:
    """Read and validate `path`, or raise ManifestError listing every problem with its line."""
    path = path.expanduser().resolve()
    text = _read(path)
    try:
        document = yaml_lines.load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path.name}:{mark.line + 1}" if mark is not None else path.name
        problem = getattr(error, "problem", None) or str(error)
        if isinstance(error, yaml.reader.ReaderError):  # a control or binary character
            where = f"{path.name}:{text[: error.position].count(chr(10)) + 1}"
            problem = f"character U+{error.character:04X} is not allowed in YAML (a binary file?)"
        if isinstance(error, safe_yaml.YamlLimitError):
            raise ManifestError(
                path,
                [f"{where}: refused: {problem}"],
                fix="write each value out; anchors and aliases may share small blocks only",
            ) from None
        raise ManifestError(path, [f"{where}: not valid YAML: {problem}"], fix=_FIX) from None
    problems = [
        f"{path.name}:{line}: duplicate key {_dotted(location)!r}"
        for location, line in document.duplicates
    ]
    try:
        manifest = Manifest.model_validate(document.data)
    except ValidationError as error:
        problems += [_describe(path, document, detail) for detail in error.errors()]
        raise ManifestError(path, sorted(problems, key=_line_number), fix=_FIX) from None
    problems += _cross_references(path, document, manifest)
    if problems:
        raise ManifestError(path, sorted(problems, key=_line_number), fix=_FIX)
    digest = hashlib.sha256(manifest.model_dump_json().encode()).hexdigest()[:16]
    return LoadedManifest(path=path, manifest=manifest, digest=digest)


def _read(path: Path) -> str:
    """The manifest's text: a readable, reasonably small UTF-8 file, or a ManifestError."""
    fix = "pass the path of a fleet manifest (a YAML text file)"
    try:
        size = path.stat().st_size
        if size > safe_yaml.DEFAULT_LIMITS.max_bytes:
            limit = safe_yaml.DEFAULT_LIMITS.max_bytes
            raise ManifestError(path, [f"it is {size:,} bytes; the limit is {limit:,}"], fix=fix)
        data = path.read_bytes()
    except OSError as error:
        raise ManifestError(path, [f"cannot read it: {error.strerror}"], fix=fix) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start : error.start + 1].hex()
        problem = f"{path.name}:{line}: not UTF-8 text (byte 0x{byte} at offset {error.start})"
        raise ManifestError(path, [problem], fix=fix) from None


def _cross_references(
    path: Path, document: yaml_lines.LinedDocument, manifest: Manifest
) -> list[str]:
    problems = []
    if not manifest.repositories:
        line = document.line_of(("repositories",))
        problems.append(f"{path.name}:{line}: repositories: the list is empty")
    seen: dict[str, int] = {}
    remotes: dict[str, int] = {}
    for index, repository in enumerate(manifest.repositories):
        problems += _listed_before(path, document, manifest, index, remotes)
        line = document.line_of(("repositories", index, "name"))
        if repository.name in seen:
            problems.append(
                f"{path.name}:{line}: repository name {repository.name!r} is already used "
                f"by repositories[{seen[repository.name]}]; names must be unique"
            )
        seen.setdefault(repository.name, index)
        if repository.channel is not None and repository.channel not in manifest.channels:
            line = document.line_of(("repositories", index, "channel"))
            known = ", ".join(sorted(manifest.channels)) or "none are defined"
            problems.append(
                f"{path.name}:{line}: repositories[{index}].channel {repository.channel!r} "
                f"is not a channel of this manifest (channels: {known})"
            )
    return problems


def _listed_before(
    path: Path,
    document: yaml_lines.LinedDocument,
    manifest: Manifest,
    index: int,
    remotes: dict[str, int],
) -> list[str]:
    """A problem when repositories[index]'s remote is one listed earlier, however spelled."""
    repository = manifest.repositories[index]
    key = same_remote.identity(repository.remote, path.parent)
    first = remotes.setdefault(key, index)
    if first == index:
        return []
    other = manifest.repositories[first]
    line = document.line_of(("repositories", index, "remote"))
    other_line = document.line_of(("repositories", first, "remote"))
    problem = (
        f"{path.name}:{line}: repositories[{index}] ({repository.name}) remote "
        f"{repository.remote!r} is the same repository as repositories[{first}] "
        f"({other.name}) at line {other_line}, remote {other.remote!r}; list each "
        "repository once (two entries would race on its update branch)"
    )
    return [problem]


def _describe(path: Path, document: yaml_lines.LinedDocument, detail: object) -> str:
    # pydantic's ErrorDetails is a TypedDict; read it through a plain mapping view.
    error = dict(detail) if isinstance(detail, dict) else {}
    location = tuple(part for part in error.get("loc", ()) if isinstance(part, str | int))
    line = document.line_of(location)
    where = f"{path.name}:{line}" if line is not None else path.name
    if error.get("type") == "extra_forbidden" and location:
        key = str(location[-1])
        close = difflib.get_close_matches(key, _KNOWN_KEYS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{where}: unknown key {_dotted(location)!r}{hint}"
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{where}: {_dotted(location) or 'manifest'}: {message}"


def _line_number(problem: str) -> int:
    match = re.match(r"[^:]*:(\d+):", problem)
    return int(match.group(1)) if match else 0


def _dotted(location: tuple[str | int, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


_KNOWN_KEYS = sorted(
    {name for model in (Manifest, Settings, Repository, GithubPush) for name in model.model_fields}
)
