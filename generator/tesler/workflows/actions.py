"""What a local run does with each action a workflow `uses`.

Only a few setup actions have a local equivalent; actions that need a cloud login, a
registry, Docker or the GitHub API make their job skipped (with the reason); anything
else is refused, because running a job without one of its steps would prove nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ActionKind(enum.Enum):
    """How the executor treats an action."""

    NO_OP = "no-op"
    CHECK_UV = "check uv"
    CHECK_PYTHON = "check python"
    NEEDS_SERVICE = "needs a service"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ActionMeaning:
    """An action's kind, and the sentence the report prints for it."""

    kind: ActionKind
    note: str


# The local equivalents: the run's throw-away clone is the checkout and holds every file.
_LOCAL: dict[str, ActionMeaning] = {
    "actions/checkout": ActionMeaning(
        ActionKind.NO_OP, "no-op: the run's throw-away clone is the checkout"
    ),
    "astral-sh/setup-uv": ActionMeaning(ActionKind.CHECK_UV, "checks that uv is installed"),
    "actions/setup-python": ActionMeaning(
        ActionKind.CHECK_PYTHON, "checks that the Python version is available to uv"
    ),
    "actions/upload-artifact": ActionMeaning(
        ActionKind.NO_OP, "no-op: the artifact stays in the run's clone"
    ),
    "actions/download-artifact": ActionMeaning(
        ActionKind.NO_OP, "no-op: earlier jobs ran in the same clone"
    ),
    "actions/cache": ActionMeaning(ActionKind.NO_OP, "no-op: local caches persist anyway"),
    "actions/cache/restore": ActionMeaning(ActionKind.NO_OP, "no-op: local caches persist"),
    "actions/cache/save": ActionMeaning(ActionKind.NO_OP, "no-op: local caches persist"),
}

# A job using one of these cannot run offline: it is listed as skipped with this reason.
_SERVICES: dict[str, str] = {
    "aws-actions/configure-aws-credentials": "needs an AWS login (OIDC role)",
    "google-github-actions/auth": "needs a Google Cloud login (workload identity)",
    "google-github-actions/setup-gcloud": "needs the Google Cloud SDK and a login",
    "azure/login": "needs an Azure login (federated credential)",
    "docker/login-action": "needs a container registry login",
    "docker/setup-buildx-action": "needs a Docker engine",
    "docker/setup-qemu-action": "needs a Docker engine",
    "docker/build-push-action": "needs a Docker engine and a registry",
    "docker/metadata-action": "needs the GitHub event of a real run",
    "pypa/gh-action-pypi-publish": "needs a package registry login",
    "peter-evans/create-pull-request": "needs the GitHub API",
    "actions/github-script": "needs the GitHub API",
    "actions/create-github-app-token": "needs the GitHub API",
    "actions/attest-build-provenance": "needs the GitHub attestation API",
    "github/codeql-action": "needs GitHub code scanning",
    "softprops/action-gh-release": "needs the GitHub API",
}


def action_name(uses: str) -> str:
    """`owner/repo[/path]` of a `uses:` value, without its `@ref`."""
    return uses.split("@", 1)[0].strip()


def classify(uses: str) -> ActionMeaning:
    """The local meaning of the action a step `uses`."""
    name = action_name(uses)
    if uses.startswith("docker://"):
        return ActionMeaning(ActionKind.NEEDS_SERVICE, "needs a Docker engine (docker:// action)")
    if name in _LOCAL:
        return _LOCAL[name]
    owner_repo = "/".join(name.split("/")[:2])
    reason = _SERVICES.get(name) or _SERVICES.get(owner_repo)
    if reason is not None:
        return ActionMeaning(ActionKind.NEEDS_SERVICE, reason)
    return ActionMeaning(ActionKind.UNKNOWN, "has no local equivalent")


def known_actions() -> list[str]:
    """Every action with a local equivalent, for error messages and docs."""
    return sorted(_LOCAL)
