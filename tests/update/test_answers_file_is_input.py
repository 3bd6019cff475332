"""An answers file is input: nothing it says runs, and every bad one is a clear error.

The first two cases are issue 12's repros: `_src_path` and `_commit` values that git would
read as options (`--upload-pack` runs a command, `--output` writes a file).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.conftest import git, tesler
from tests.update.conftest import commit

if TYPE_CHECKING:
    from pathlib import Path

    from tests.update.conftest import MakeProject

ANSWERS = ".copier-answers.yml"


def _replace_answer(project: Path, key: str, value: str) -> None:
    answers = project / ANSWERS
    lines = answers.read_text(encoding="utf-8").splitlines(keepends=True)
    answers.write_text(
        "".join(f"{key}: {value}\n" if line.startswith(f"{key}:") else line for line in lines),
        encoding="utf-8",
    )
    commit(project, f"set {key}")


def _planted(root: Path) -> list[Path]:
    return sorted(root.rglob("pwned*"))


@pytest.fixture
def hostile_project(
    make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A committed project whose `origin` is a local path, with the working directory in it.

    With an option in place of the URL, `git ls-remote` falls back to `origin`, and a local
    `origin` runs `--upload-pack`'s command through the shell: the setting of the repro.
    """
    project = make_project("v0.1.0")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(project), str(origin))
    git(project, "remote", "add", "origin", str(origin))
    monkeypatch.chdir(project)
    return project


def test_src_path_that_is_an_option_runs_nothing_and_is_a_clear_error(
    hostile_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _replace_answer(hostile_project, "_src_path", '"--upload-pack=touch pwned;: ://"')
    capsys.readouterr()

    assert tesler("check", ".", "--only", "behind") == 1
    assert tesler("update", ".") == 1

    stderr = capsys.readouterr().err
    assert "`_src_path` in" in stderr
    assert "starts with '-'" in stderr
    assert "Traceback" not in stderr
    assert _planted(tmp_path) == []


def test_commit_that_is_an_option_writes_no_file_and_is_a_clear_error(
    hostile_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _replace_answer(hostile_project, "_commit", "--output=pwned")
    capsys.readouterr()

    assert tesler("check", ".") == 1
    assert tesler("update", ".") == 1

    stderr = capsys.readouterr().err
    assert "`_commit` in" in stderr
    assert "'--output=pwned'" in stderr
    assert "Traceback" not in stderr
    assert _planted(tmp_path) == []


@pytest.mark.parametrize(
    ("location", "words"),
    [
        ("ext::sh -c touch% pwned", "remote helpers"),
        ("fd::7", "remote helpers"),
        ("gopher://example.com/t.git", "not a git transport"),
    ],
)
def test_src_path_with_a_transport_git_should_not_use_is_refused(
    hostile_project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    location: str,
    words: str,
) -> None:
    _replace_answer(hostile_project, "_src_path", f'"{location}"')
    capsys.readouterr()
    assert tesler("check", ".", "--only", "behind") == 1
    stderr = " ".join(capsys.readouterr().err.split())
    assert words in stderr
    assert _planted(tmp_path) == []


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"_src_path: /t\n_commit: v0.1.0\nproject_name: caf\xe9\n", "not UTF-8 text (byte 0xe9"),
        (b"_src_path: [unclosed\n", "not valid YAML at line"),
        (b"- a\n- list\n", "not a mapping of answers"),
        (b"project_name: x\n_commit: v0.1.0\n", "no `_src_path`"),
        (
            b'a: &a ["x", "x"]\nb: &b [*a, *a]\nc: [*b, *b]\n_src_path: /t\n_commit: v0.1.0\n',
            "YAML aliases are not allowed",
        ),
    ],
)
def test_an_unusable_answers_file_is_an_error_naming_the_file(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str], content: bytes, words: str
) -> None:
    project = make_project("v0.1.0")
    (project / ANSWERS).write_bytes(content)
    commit(project, "break the answers file")
    capsys.readouterr()

    for command in ("check", "update"):
        assert tesler(command, str(project)) == 1
        stderr = " ".join(capsys.readouterr().err.split())
        assert f"{project / ANSWERS}:" in stderr
        assert words in stderr
        assert f"restore {ANSWERS} from git" in stderr
        assert "Traceback" not in stderr


def test_check_inside_the_template_says_it_is_a_template_not_a_project(
    released_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert tesler("check", str(released_template)) == 1
    stderr = " ".join(capsys.readouterr().err.split())
    assert "is a Copier template" in stderr
    assert "tesler adopt" not in stderr
