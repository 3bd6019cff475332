"""YAML written by others (manifests, answers files) is loaded within limits.

Ten lines of anchors and aliases stand for 387 million strings: the loaders refuse such
a document at once, naming its file and line, instead of expanding it.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tesler import safe_yaml
from tesler.fleet import yaml_lines
from tests.conftest import git

# The classic "billion laughs": each line holds nine aliases of the line above.
ALIAS_BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)
BOMB_LINE = 7  # the first line whose expansion passes the limit (9**7 > 1,000,000)
MEMORY_CAP = 1024**3  # the address space a refusing tesler gets; expanding needs 24 GB


def _tesler_capped(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the tesler CLI in a process that cannot use more than MEMORY_CAP."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    return subprocess.run(
        [sys.executable, "-c", "from tesler.cli import run; run()", *argv],
        cwd=cwd,
        preexec_fn=cap,  # the limit is set in the child, before exec
        capture_output=True,
        text=True,
        check=False,
    )


def test_an_alias_bomb_manifest_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    manifest = tmp_path / "fleet.yml"
    manifest.write_text(ALIAS_BOMB + "template: x\nrepositories: []\n", encoding="utf-8")
    completed = _tesler_capped("fleet", "plan", str(manifest), cwd=tmp_path)
    assert completed.returncode == 1, completed.stderr
    assert f"fleet.yml:{BOMB_LINE}: refused: its aliases expand it past 1,000,000 nodes" in (
        completed.stderr
    )
    assert "Traceback" not in completed.stderr
    assert "MemoryError" not in completed.stderr


def test_an_alias_bomb_in_a_projects_answers_file_is_refused_by_check(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "--quiet")
    (project / ".copier-answers.yml").write_text(ALIAS_BOMB, encoding="utf-8")
    completed = _tesler_capped("check", str(project), cwd=tmp_path)
    assert completed.returncode == 1, completed.stderr
    message = " ".join(completed.stderr.split())
    assert ".copier-answers.yml" in message
    # Copier never writes aliases: the first one refuses the file before anything expands.
    assert "YAML aliases are not allowed (line 2)" in message
    assert "Traceback" not in completed.stderr


def test_the_line_index_never_expands_aliases() -> None:
    # Under the node limit (9**6 = 531,441 expanded), but the index stays the file's size.
    bomb = "\n".join(ALIAS_BOMB.splitlines()[:6]) + "\n"
    document = yaml_lines.load(bomb)
    assert len(document.lines) < 100
    assert document.line_of(("f",)) == 6


@pytest.mark.parametrize(
    ("text", "problem", "line"),
    [
        ("a: &a [1, *a]\n", "recursive alias", 1),
        ("x: 1\ny: " + "[" * 100 + "]" * 100 + "\n", "nests deeper than 64 levels", 2),
        (
            "k: &k 1\n" + "".join(f"v{i}: *k\n" for i in range(10_001)),
            "more than 10,000 aliases",
            10_002,
        ),
    ],
)
def test_recursion_depth_and_alias_count_have_limits(text: str, problem: str, line: int) -> None:
    with pytest.raises(safe_yaml.YamlLimitError) as raised:
        safe_yaml.load(text)
    assert problem in str(raised.value.problem)
    assert raised.value.problem_mark is not None
    assert raised.value.problem_mark.line + 1 == line


def test_shared_anchors_of_an_ordinary_manifest_still_load() -> None:
    text = "common: &common {coverage_floor: 90}\nrepos:\n" + "".join(
        f"  - data: *common\n    name: r{i}\n" for i in range(1000)
    )
    loaded = safe_yaml.load(text)
    assert isinstance(loaded, dict)
    assert loaded["repos"][999] == {"data": {"coverage_floor": 90}, "name": "r999"}
