"""The body of an update's pull request: what changed, what ran, what to do after merging.

A reviewer sees the files the update changed, the template's CHANGELOG sections and the
migrations between the two versions, whether uv.lock was refreshed, and, on a draft opened
for a conflict, the table of conflicts to resolve on the branch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tesler.update import UpdateResult

# GitHub refuses bodies over 65,536 characters; the conflict hunks are cut to stay under it.
_MAX_HUNKS = 40_000
AFTER_MERGING = (
    "After merging: `make setup` (the locked environment and hooks), then `make repro` if "
    "`uv run dvc status` lists a changed stage, and `make check`."
)


def _code(text: str) -> str:
    """Text in a Markdown code span: backticks and table pipes cannot break out."""
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


def body(result: UpdateResult | None) -> str:
    """The pull request's description for `result` (None: a branch pushed by an earlier run)."""
    lines = ["Template update by `tesler fleet apply`.", ""]
    if result is None:
        return "\n".join([*lines, AFTER_MERGING, ""])
    if result.conflicts:
        lines += _conflicts(result)
    if result.changed_files:
        lines += ["Changed files:", *(f"- {_code(path)}" for path in result.changed_files), ""]
    notes = result.notes_markdown()
    if notes:
        lines += [notes]
    if result.uv_lock == "refreshed":
        lines += [
            "`uv.lock` was refreshed with `uv lock`: the update changed `pyproject.toml`.",
            "",
        ]
    elif result.uv_lock == "stale":
        lines += ["`pyproject.toml` changed: run `uv lock` on this branch once resolved.", ""]
    return "\n".join([*lines, AFTER_MERGING, ""])


_RESOLVE = (
    "**This update conflicts with edits in the repository.** The conflicted files are "
    "committed on this branch with conflict markers: resolve them here, run `make check`, "
    "then mark the pull request ready for review."
)


def _conflicts(result: UpdateResult) -> list[str]:
    lines = [
        _RESOLVE,
        "",
        "| file | kind |",
        "|---|---|",
        *(f"| {_code(c.path)} | {c.kind} |" for c in result.conflicts),
        "",
    ]
    budget = _MAX_HUNKS
    for conflict in result.conflicts:
        hunk = conflict.hunk.replace("```", "'''")
        if len(hunk) > budget:
            lines += ["(more hunks on the branch)", ""]
            break
        budget -= len(hunk)
        lines += [
            f"{_code(conflict.path)} ({conflict.kind}):",
            "",
            "```text",
            hunk.rstrip(),
            "```",
            "",
        ]
    return lines
