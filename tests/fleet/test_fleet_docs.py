"""docs/fleet.md keeps up with the manifest models and the commands."""

from __future__ import annotations

import re

from tesler.fleet.manifest import GithubPush, Manifest, Repository, Settings
from tesler.fleet.push.github import TOKEN_VARIABLES
from tests.conftest import REPO_ROOT

PAGE = (REPO_ROOT / "docs" / "fleet.md").read_text(encoding="utf-8")


def test_manifest_example_shows_every_key() -> None:
    example = PAGE.split("## The manifest", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    shown = set(re.findall(r"^[\s#-]*([a-z_]+):", example, flags=re.MULTILINE))
    keys = {
        name
        for model in (Manifest, Settings, Repository, GithubPush)
        for name in model.model_fields
    }
    assert keys - shown == set(), "manifest keys missing from the example in docs/fleet.md"


def test_commands_options_and_token_variables_are_documented() -> None:
    for text in (
        "tesler fleet plan", "tesler fleet apply", "tesler fleet status", "tesler fleet merge",
        "--shard I/N", "--jobs", "--push", "--verify", "--state", "--format", "--output",
        *TOKEN_VARIABLES,
    ):  # fmt: skip
        assert text in PAGE, f"{text} is not documented in docs/fleet.md"
