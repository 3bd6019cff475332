"""What an update brings: the template's CHANGELOG sections and `_migrations` between two versions.

A reviewer of an update branch needs to know what changed and what ran. Both come from the
template at the target version: `CHANGELOG.md` (Keep a Changelog headings `## [X.Y.Z]`) and
the `_migrations` of its copier.yml, selected by Copier's rule (PEP 440, after the project's
version and at or before the target).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from tesler.errors import TeslerError
from tesler.questions import load_config

CHANGELOG = "CHANGELOG.md"
UNRELEASED = "Unreleased"
_HEADING = re.compile(r"^## \[(?P<name>[^\]]+)\](?P<rest>.*)$", re.MULTILINE)
_DESCRIBE = re.compile(r"^(?P<tag>.+)-(?P<count>\d+)-g(?P<sha>[0-9a-f]+)$")
_COMMIT = re.compile(r"^Commit: (?P<sha>[0-9a-f]{40})\s*$", re.MULTILINE)
_RELEASING = "see docs/releasing.md"


@dataclass(frozen=True)
class ChangelogSection:
    """One `## [version]` section of the template's CHANGELOG."""

    version: str
    heading: str
    text: str


@dataclass(frozen=True)
class Migration:
    """One `_migrations` entry that applies to an update: its version, stage and command."""

    version: str | None
    when: str
    command: str


def pep440(recorded: str) -> Version | None:
    """The version Copier gives a recorded `_commit` (`v0.2.0-3-gabc` is `0.2.0.post3+abc`)."""
    described = _DESCRIBE.match(recorded)
    text = (
        f"{described['tag']}.post{described['count']}+{described['sha']}" if described else recorded
    )
    try:
        return Version(text)
    except InvalidVersion:
        return None


def is_past_release(recorded: str) -> bool:
    """True for `git describe` output past a tag: unreleased commits are in it."""
    return _DESCRIBE.match(recorded) is not None


def changelog_between(
    text: str, from_version: str, to_version: str
) -> tuple[ChangelogSection, ...]:
    """Sections newer than `from_version` up to `to_version` (and Unreleased past a release)."""
    start, end = pep440(from_version), pep440(to_version)
    headings = list(_HEADING.finditer(text))
    sections = []
    for index, heading in enumerate(headings):
        stop = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        body = text[heading.end() : stop].strip()
        name = heading["name"].strip()
        if name == UNRELEASED:
            if end is None or is_past_release(to_version):
                sections.append(ChangelogSection(name, heading[0].strip(), body))
            continue
        version = pep440(name)
        if version is None:
            continue
        if (start is None or version > start) and (end is None or version <= end):
            sections.append(ChangelogSection(name, heading[0].strip(), body))
    return tuple(sections)


def release_section(text: str, version: str, origin: str) -> ChangelogSection:
    """The section of release `version` (`0.3.0` or `v0.3.0`), or an error naming the fix."""
    wanted = pep440(version)
    for section in changelog_between(text, "0", "99999"):
        if wanted is not None and pep440(section.version) == wanted:
            return section
    raise TeslerError(
        f"{origin} has no section `## [{version.removeprefix('v')}]`",
        fix=f"move the [Unreleased] entries under that heading, with its `Commit:` line; "
        f"{_RELEASING}",
    )


def release_commit(section: ChangelogSection, origin: str) -> str:
    """The commit a release section names on its `Commit: <sha>` line."""
    match = _COMMIT.search(section.text)
    if match is None:
        raise TeslerError(
            f"{origin}: section `{section.heading}` has no `Commit: <40-hex SHA>` line",
            fix=f"add the full SHA of the commit the tag will point to; {_RELEASING}",
        )
    return match["sha"]


def migrations_between(
    config_text: str, origin: str, from_version: str, to_version: str
) -> tuple[Migration, ...]:
    """The `_migrations` of copier.yml that Copier runs updating `from_version` -> `to_version`."""
    start, end = pep440(from_version), pep440(to_version)
    if start is None or end is None:
        return ()  # Copier runs migrations only between two versions it can compare
    entries = load_config(config_text, origin).get("_migrations", [])
    found = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, str | list):
            found.append(Migration(None, "after", _command(entry)))
            continue
        if not isinstance(entry, dict):
            continue
        declared = entry.get("version")
        version = pep440(str(declared)) if declared is not None else None
        if declared is not None and (version is None or not start < version <= end):
            continue
        label = str(declared) if declared is not None else None
        if "command" in entry:
            found.append(Migration(label, _stage(entry.get("when")), _command(entry["command"])))
        for stage in ("before", "after"):  # Copier's legacy format
            commands = entry.get(stage, [])
            found.extend(
                Migration(label, stage, _command(command))
                for command in (commands if isinstance(commands, list) else [])
            )
    return tuple(found)


def _stage(when: object) -> str:
    if when is None:
        return "after"
    text = str(when)
    for stage in ("before", "after"):
        if f"'{stage}'" in text or f'"{stage}"' in text:
            return stage
    return text


def _command(command: object) -> str:
    if isinstance(command, list):
        return " ".join(str(part) for part in command)
    return str(command)


def markdown(changelog: tuple[ChangelogSection, ...], migrations: tuple[Migration, ...]) -> str:
    """The notes as Markdown, for a pull request body."""
    lines: list[str] = []
    if changelog:
        lines += ["### What changed (template CHANGELOG)", ""]
        for section in changelog:
            lines += [f"#### {section.heading.removeprefix('## ')}", "", section.text, ""]
    if migrations:
        lines += ["### Migrations that ran", ""]
        for migration in migrations:
            command = migration.command.replace("`", "'")
            lines.append(
                f"- `{migration.version or 'every update'}` ({migration.when}): `{command}`"
            )
        lines.append("")
    return "\n".join(lines)
