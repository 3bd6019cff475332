"""Template locations: one parse, spelt for Copier, git and uv, as Copier resolves them.

The generated Makefile spells `_src_path` for `uvx --from` in shell (a project's CI has no
tesler yet to ask); the last tests hold it to `tesler.locations` on one table.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from copier._vcs import get_repo

from tesler.errors import TemplateError, UnsafeValueError
from tesler.locations import CANONICAL_TEMPLATE, TEMPLATE_VARIABLE, default_location, parse
from tests.conftest import create_project, tesler

WHAT = "--template"


@pytest.mark.parametrize(
    ("text", "copier", "git_url", "uv"),
    [
        ("gh:org/repo", "gh:org/repo", "https://github.com/org/repo.git",
         "git+https://github.com/org/repo.git"),
        ("gh:/org/repo.git", "gh:/org/repo.git", "https://github.com/org/repo.git",
         "git+https://github.com/org/repo.git"),
        ("gl:group/repo", "gl:group/repo", "https://gitlab.com/group/repo.git",
         "git+https://gitlab.com/group/repo.git"),
        ("https://host/org/repo.git", "https://host/org/repo.git", "https://host/org/repo.git",
         "git+https://host/org/repo.git"),
        ("https://host/org/repo", "git+https://host/org/repo", "https://host/org/repo",
         "git+https://host/org/repo"),
        ("git+https://host/org/repo", "git+https://host/org/repo", "https://host/org/repo",
         "git+https://host/org/repo"),
        ("http://127.0.0.1:8080/t.git", "http://127.0.0.1:8080/t.git",
         "http://127.0.0.1:8080/t.git", "git+http://127.0.0.1:8080/t.git"),
        ("ssh://git@host/org/repo", "git+ssh://git@host/org/repo", "ssh://git@host/org/repo",
         "git+ssh://git@host/org/repo"),
        ("git@host:org/repo.git", "git@host:org/repo.git", "git@host:org/repo.git",
         "git+ssh://git@host/org/repo.git"),
        ("git://host/repo.git", "git://host/repo.git", "git://host/repo.git",
         "git+git://host/repo.git"),
    ],
)  # fmt: skip
def test_urls_are_spelt_for_copier_git_and_uv(
    text: str, copier: str, git_url: str, uv: str
) -> None:
    location = parse(text, what=WHAT)
    assert (location.copier, location.git, location.uv_requirement) == (copier, git_url, uv)
    assert location.is_portable
    assert get_repo(location.copier) == git_url  # Copier reads tesler's spelling as this URL


def test_paths_and_file_urls_are_local_and_resolved_against_the_current_directory(
    template_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(template_repo.parent)
    relative = parse(template_repo.name, what=WHAT)
    assert relative.local_dir == template_repo
    assert relative.copier == str(template_repo)  # `tesler new` records it absolute
    assert not relative.is_portable
    assert relative.uv_requirement == f"git+file://{template_repo}"
    assert get_repo(relative.copier) == str(template_repo)

    as_recorded = parse(template_repo.name, what="`_src_path`", record_absolute=False)
    assert as_recorded.copier == template_repo.name  # what Copier recorded, resolved where it ran
    assert as_recorded.git == str(template_repo)

    url = parse(f"file://{template_repo}", what=WHAT)
    assert url.local_dir == template_repo
    assert url.copier == f"git+file://{template_repo}"
    assert get_repo(url.copier) == f"file://{template_repo}"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("--upload-pack=touch pwned", "starts with '-'"),
        ("ext::sh -c touch% pwned", "remote helpers"),
        ("fd::3", "remote helpers"),
        ("gopher://host/repo.git", "not a git transport"),
        ("git+/srv/repo", "must prefix a URL"),
        ("https://host/repo\n.git", "control characters"),
        ("", "it is empty"),
    ],
)
def test_locations_git_must_not_see_are_refused(text: str, words: str) -> None:
    with pytest.raises((TemplateError, UnsafeValueError), match=words) as caught:
        parse(text, what=WHAT)
    assert WHAT in str(caught.value)


def test_the_canonical_template_is_the_default_and_the_variable_overrides_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(TEMPLATE_VARIABLE, raising=False)
    location, origin = default_location()
    assert location.copier == CANONICAL_TEMPLATE
    assert location.is_portable
    assert origin == "the canonical template"
    monkeypatch.setenv(TEMPLATE_VARIABLE, "gh:acme/tesler-fork")
    location, origin = default_location()
    assert location.git == "https://github.com/acme/tesler-fork.git"
    assert origin == TEMPLATE_VARIABLE


def test_a_file_url_template_renders_and_checks(
    template_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Copier alone reads `file:///x` as a path and fails; tesler hands it `git+file:///x`."""
    url = f"file://{template_repo}"
    code = tesler(
        "new", str(tmp_path / "p"), "--template", url, "--vcs-ref", "HEAD", "--defaults",
        "--no-setup",
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    recorded = (tmp_path / "p" / ".copier-answers.yml").read_text(encoding="utf-8")
    assert f"_src_path: git+{url}\n" in recorded
    assert tesler("check", str(tmp_path / "p"), "--only", "answers", "--only", "edited") == 0


# ---------------------------------------- the generated Makefile spells them the same way


@pytest.fixture(scope="module")
def project(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_project(template_repo, tmp_path_factory.mktemp("locations"), "--no-setup")


def _make_from(project: Path, recorded: str) -> str:
    answers = project / ".copier-answers.yml"
    lines = answers.read_text(encoding="utf-8").splitlines(keepends=True)
    recorded_line = f"_src_path: {recorded}\n"
    answers.write_text(
        "".join(recorded_line if line.startswith("_src_path:") else line for line in lines),
        encoding="utf-8",
    )
    completed = subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval",
         'print-from: ; @printf "%s" "$$TESLER_FROM"', "print-from"],
        cwd=project, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return completed.stdout


@pytest.mark.parametrize(
    "text",
    [
        "gh:org/repo", "gh:/org/repo.git", "gl:group/repo.git", "https://host/org/repo.git",
        "git+https://host/org/repo", "https://host/org/repo", "http://127.0.0.1:8080/t.git",
        "ssh://git@host/org/repo", "git@host:org/repo.git", "git://host/repo.git",
    ],
)  # fmt: skip
def test_the_makefile_runs_tesler_from_the_url_tesler_derives(project: Path, text: str) -> None:
    expected = parse(text, what=WHAT).uv_requirement
    assert _make_from(project, text) == expected
    assert _make_from(project, f"'{text}'") == expected  # as YAML may quote it


def test_the_makefile_runs_tesler_from_a_local_template_this_machine_has(
    project: Path, template_repo: Path
) -> None:
    for text in (str(template_repo), f"file://{template_repo}", "..", "../project"):
        location = parse(text, what=WHAT, base=project)
        assert _make_from(project, text) == location.uv_requirement


def test_the_makefile_refuses_a_template_it_cannot_reach_with_a_clear_message(
    project: Path, tmp_path: Path
) -> None:
    for text in (str(tmp_path / "gone"), '"--upload-pack=touch pwned"'):
        assert _make_from(project, text) == ""
        completed = subprocess.run(
            ["make", "template-check"], cwd=project, capture_output=True, text=True, check=False
        )
        assert completed.returncode == 2  # make's own status for a failed recipe
        assert "_src_path in .copier-answers.yml is not a template this machine can reach" in (
            completed.stderr
        )
    assert sorted(project.rglob("pwned*")) == []
