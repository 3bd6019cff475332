"""The template renders with plain Copier: no tesler, no --trust, same files as `tesler new`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import tesler


def _tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _copier() -> str:
    found = shutil.which("copier", path=str(Path(sys.executable).parent))
    assert found, "copier is a dependency of tesler and must be installed beside it"
    return found


def test_plain_copier_copy_without_trust_gives_the_same_files_as_tesler_new(
    template_repo: Path, tmp_path: Path
) -> None:
    plain = tmp_path / "plain"
    completed = subprocess.run(
        [_copier(), "copy", "--defaults", "--vcs-ref", "HEAD", str(template_repo), str(plain)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "--trust" not in completed.stderr

    generated = tmp_path / "tesler"
    code = tesler(
        "new", str(generated), "--template", str(template_repo), "--vcs-ref", "HEAD",
        "--defaults", "--no-setup",
    )  # fmt: skip
    assert code == 0
    plain_files, tesler_files = _tree(plain), _tree(generated)
    assert sorted(plain_files) == sorted(tesler_files)
    assert plain_files == tesler_files


def test_answers_file_records_the_template_as_an_absolute_path(
    template_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(template_repo.parent)
    relative = template_repo.name
    code = tesler(
        "new", str(tmp_path / "p"), "--template", relative, "--vcs-ref", "HEAD",
        "--defaults", "--no-setup",
    )  # fmt: skip
    assert code == 0
    answers = yaml.safe_load((tmp_path / "p" / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == str(template_repo)
    assert Path(answers["_src_path"]).is_absolute()
