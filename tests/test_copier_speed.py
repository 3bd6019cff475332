"""tesler's speed-ups of Copier keep Copier's results.

Renders in one process share Jinja compilations (generator/tesler/compile_cache.py) and the
parse of each distinct copier.yml, and a render asks git for the destination's `core.fileMode`
once instead of once per file and merges its answers once instead of once per file and path
part, and a clone of a template without submodules skips git's submodule script
(copier_adapter.py). These tests render and update small real templates with Copier, in this
process, and read the files, the git index and the git processes they leave or start.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from jinja2.sandbox import SandboxedEnvironment
from plumbum import local

from tesler import compile_cache, copier_adapter
from tests.conftest import git

if TYPE_CHECKING:
    from collections.abc import Callable

    from jinja2 import Template

SOURCE = "Hello {{ name }}, [[ name ]]!\n"


def template(root: Path, config: str) -> Path:
    """A template with one question, `name`, and one templated file."""
    root.mkdir()
    (root / "copier.yml").write_text(f"name:\n  type: str\n  default: world\n{config}")
    (root / "greeting.txt.jinja").write_text(SOURCE)
    (root / "{{ name }}.txt.jinja").write_text("{{ name | upper }}\n")
    # The answers file Copier's update reads (its documented template for it).
    (root / "{{ _copier_conf.answers_file }}.jinja").write_text(
        "{{ _copier_answers | to_nice_yaml -}}\n"
    )
    return root


def test_a_template_with_other_delimiters_is_compiled_with_them(tmp_path: Path) -> None:
    plain = template(tmp_path / "plain", "")
    square = template(
        tmp_path / "square",
        "_envops:\n  variable_start_string: '[['\n  variable_end_string: ']]'\n",
    )

    for source, data in ((plain, "ada"), (square, "bob"), (plain, "cy")):
        copier_adapter.render(
            str(source), tmp_path / f"out-{data}", {"name": data}, vcs_ref=None, defaults=True
        )

    assert (tmp_path / "out-ada" / "greeting.txt").read_text() == "Hello ada, [[ name ]]!\n"
    assert (tmp_path / "out-bob" / "greeting.txt").read_text() == "Hello {{ name }}, bob!\n"
    assert (tmp_path / "out-cy" / "greeting.txt").read_text() == "Hello cy, [[ name ]]!\n"
    assert (tmp_path / "out-cy" / "cy.txt").read_text() == "CY\n"


def test_rendering_the_same_template_again_compiles_nothing_new(tmp_path: Path) -> None:
    source = template(tmp_path / "template", "")
    copier_adapter.render(
        str(source), tmp_path / "first", {"name": "a"}, vcs_ref=None, defaults=True
    )
    held = compile_cache.cached_entries()

    copier_adapter.render(
        str(source), tmp_path / "second", {"name": "b"}, vcs_ref=None, defaults=True
    )

    assert held > 0
    assert compile_cache.cached_entries() == held
    assert (tmp_path / "second" / "greeting.txt").read_text() == "Hello b, [[ name ]]!\n"


def test_a_path_with_copiers_yield_tag_renders_as_plain_copier_does_again_and_again(
    tmp_path: Path,
) -> None:
    # Copier's yield tag keeps its state in the environment: it is reset when a path part is
    # compiled, so a path part served from the compilations must reset it too.
    source = tmp_path / "template"
    (source / "{% yield item from items %}{{ item }}{% endyield %}").mkdir(parents=True)
    (source / "{% yield item from items %}{{ item }}{% endyield %}" / "f.txt").write_text("x\n")
    (source / "plain").mkdir()
    (source / "plain" / "g.txt").write_text("y\n")
    (source / "copier.yml").write_text("items:\n  type: yaml\n  default: '[a, b]'\n")

    for render in ("first", "second", "third"):
        out = tmp_path / render
        copier_adapter.render(str(source), out, {}, vcs_ref=None, defaults=True)
        files = sorted(str(path.relative_to(out)) for path in out.rglob("*") if path.is_file())
        assert files == ["a/f.txt", "b/f.txt", "plain/g.txt"]


def test_a_path_part_without_jinja_is_kept_as_it_is_and_one_with_jinja_is_rendered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = template(
        tmp_path / "square",
        "_envops:\n  variable_start_string: '[['\n  variable_end_string: ']]'\n",
    )
    (source / "docs").mkdir()
    (source / "docs" / "[[ name ]] notes {x} 100%.md.jinja").write_text("[[ name ]]\n")
    compiled: list[str] = []
    from_string = SandboxedEnvironment.from_string

    def counted(environment: SandboxedEnvironment, text: str, *args: object) -> Template:
        compiled.append(text)
        return from_string(environment, text, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(SandboxedEnvironment, "from_string", counted)

    copier_adapter.render(
        str(source), tmp_path / "out", {"name": "ada"}, vcs_ref=None, defaults=True
    )

    out = tmp_path / "out"
    assert (out / "docs" / "ada notes {x} 100%.md").read_text() == "ada\n"
    assert (out / "{{ name }}.txt").read_text() == "{{ name | upper }}\n"  # not Jinja here
    assert "[[ name ]] notes {x} 100%.md" in compiled  # Copier drops the suffix first
    assert not {"docs", "greeting.txt", "{{ name }}.txt"} & set(compiled)


def test_a_copier_yml_changed_between_renders_is_read_again(tmp_path: Path) -> None:
    source = template(tmp_path / "template", "")
    copier_adapter.render(str(source), tmp_path / "first", {}, vcs_ref=None, defaults=True)
    config = source / "copier.yml"
    config.write_text(config.read_text().replace("default: world", "default: moon"))
    copier_adapter.render(str(source), tmp_path / "second", {}, vcs_ref=None, defaults=True)
    copier_adapter.render(str(source), tmp_path / "third", {}, vcs_ref=None, defaults=True)

    assert (tmp_path / "first" / "world.txt").read_text() == "WORLD\n"
    assert (tmp_path / "second" / "moon.txt").read_text() == "MOON\n"
    assert (tmp_path / "third" / "moon.txt").read_text() == "MOON\n"
    assert "name: moon" in (tmp_path / "third" / ".copier-answers.yml").read_text()


# Renders the template argv[1] into argv[2] and prints how many Jinja sources it parsed: a
# compilation loaded from the disk cache parses nothing.
COUNT_PARSES = """
import pathlib, sys
import jinja2
from tesler import copier_adapter
parses = []
parse = jinja2.Environment._parse
def counted(self, *args, **kwargs):
    parses.append(1)
    return parse(self, *args, **kwargs)
jinja2.Environment._parse = counted
copier_adapter.render(sys.argv[1], pathlib.Path(sys.argv[2]), {}, vcs_ref=None, defaults=True)
print(len(parses))
"""


def test_a_new_process_loads_the_compilations_of_an_earlier_one(tmp_path: Path) -> None:
    source = template(tmp_path / "template", "")
    folder = tmp_path / "compilations"
    folder.mkdir(mode=0o700)
    env = {**os.environ, compile_cache.DISK_CACHE_VARIABLE: str(folder)}
    parsed = [
        subprocess.run(
            [sys.executable, "-c", COUNT_PARSES, str(source), str(tmp_path / f"out{run}")],
            env=env, capture_output=True, text=True, check=True,
        ).stdout.strip()
        for run in range(2)
    ]  # fmt: skip

    assert int(parsed[0]) > 0
    assert parsed[1] == "0"
    assert (tmp_path / "out1" / "world.txt").read_text() == "WORLD\n"
    assert (tmp_path / "out1" / "greeting.txt").read_text() == "Hello world, [[ name ]]!\n"


def test_a_compilations_folder_that_is_not_private_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    private = tmp_path / "private"
    private.mkdir(mode=0o700)

    monkeypatch.setenv(compile_cache.DISK_CACHE_VARIABLE, str(shared))
    assert compile_cache.disk_cache_directory() is None
    monkeypatch.setenv(compile_cache.DISK_CACHE_VARIABLE, str(tmp_path / "missing"))
    assert compile_cache.disk_cache_directory() is None
    monkeypatch.setenv(compile_cache.DISK_CACHE_VARIABLE, str(private))
    assert compile_cache.disk_cache_directory() == str(private)


def _commit(repo: Path, message: str) -> None:
    git(repo, "add", "--all")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", message)


def _release_twice(source: Path, change: Callable[[Path], object]) -> None:
    """Tag the template as it is `v1`, then apply `change` and tag the result `v2`."""
    git(source, "init", "--quiet", "--initial-branch=main")
    _commit(source, "v1")
    git(source, "tag", "v1")
    change(source)
    _commit(source, "v2")
    git(source, "tag", "v2")


def _generate_at_v1(
    source: Path, project: Path, data: dict[str, object], file_mode: str | None = None
) -> None:
    """Render `v1` into `project` and commit it, as a team's first commit."""
    copier_adapter.render(str(source), project, data, vcs_ref="v1", defaults=True)
    git(project, "init", "--quiet", "--initial-branch=main")
    if file_mode is not None:
        git(project, "config", "core.fileMode", file_mode)
    _commit(project, "generate at v1")


@pytest.mark.parametrize(("file_mode", "index_mode"), [("false", "100755"), ("true", "100644")])
def test_an_update_that_makes_a_file_executable_follows_core_file_mode(
    tmp_path: Path, file_mode: str, index_mode: str
) -> None:
    """Copier copies the executable bit into the index only where git ignores file modes."""
    source = template(tmp_path / "template", "")
    (source / "run.sh").write_text("echo run\n")
    _release_twice(source, lambda root: (root / "run.sh").chmod(0o755))
    project = tmp_path / "project"
    _generate_at_v1(source, project, {}, file_mode)

    copier_adapter.update(project, vcs_ref="v2", data={}, unsafe=False)

    staged = git(project, "ls-files", "--stage", "run.sh").split()[0]
    assert staged == index_mode
    assert (project / "run.sh").stat().st_mode & stat.S_IXUSR


def test_each_render_of_an_update_sees_its_own_answers(tmp_path: Path) -> None:
    """An update renders the old answers and then the new ones: neither sees the other's."""
    source = template(tmp_path / "template", "")
    _release_twice(
        source, lambda root: (root / "greeting.txt.jinja").write_text("Goodbye {{ name }}!\n")
    )
    project = tmp_path / "project"
    _generate_at_v1(source, project, {"name": "ada"})

    copier_adapter.update(project, vcs_ref="v2", data={"name": "bob"}, unsafe=False)

    assert (project / "greeting.txt").read_text() == "Goodbye bob!\n"
    assert (project / "bob.txt").read_text() == "BOB\n"
    assert not (project / "ada.txt").exists()
    answers = (project / ".copier-answers.yml").read_text()
    assert "name: bob" in answers
    assert "_commit: v2" in answers


def _git_commands_rendering(source: Path, out: Path, **env: str) -> list[list[str]]:
    """Render `source` at HEAD into `out`; the git processes it started (git's trace2 events)."""
    trace = out.parent / f"{out.name}-trace.json"
    # Copier starts git through plumbum, whose environment is a copy of os.environ.
    with local.env(GIT_TRACE2_EVENT=str(trace), **env):
        copier_adapter.render(str(source), out, {"name": "ada"}, vcs_ref="HEAD", defaults=True)
    events = [json.loads(line) for line in trace.read_text().splitlines()]
    return [event["argv"][1:] for event in events if event["event"] == "start"]


def test_a_clone_of_a_template_without_submodules_runs_no_submodule_update(
    tmp_path: Path,
) -> None:
    source = template(tmp_path / "template", "")
    git(source, "init", "--quiet", "--initial-branch=main")
    _commit(source, "v1")

    started = _git_commands_rendering(source, tmp_path / "out")

    assert any(command[:1] == ["clone"] for command in started)  # the trace saw the clone
    assert not [command for command in started if "submodule" in command]
    assert (tmp_path / "out" / "ada.txt").read_text() == "ADA\n"


def test_a_template_with_a_submodule_still_gets_the_submodules_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # git refuses local paths as submodule URLs unless the file protocol is allowed, and the
    # clone that `submodule update` starts reads only the global configuration.
    config = tmp_path / "gitconfig"
    config.write_text(
        f'[include]\n\tpath = {Path.home() / ".gitconfig"}\n[protocol "file"]\n\tallow = always\n'
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))  # the test's own git commands
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "notes.txt.jinja").write_text("Shared with {{ name }}\n")
    git(shared, "init", "--quiet", "--initial-branch=main")
    _commit(shared, "shared files")
    source = template(tmp_path / "template", "")
    git(source, "init", "--quiet", "--initial-branch=main")
    git(source, "submodule", "add", "--quiet", str(shared), "shared")
    _commit(source, "v1 with a submodule")

    # Copier's git too (plumbum copies os.environ at import).
    started = _git_commands_rendering(source, tmp_path / "out", GIT_CONFIG_GLOBAL=str(config))

    assert [command for command in started if command[:2] == ["submodule", "update"]]
    assert (tmp_path / "out" / "shared" / "notes.txt").read_text() == "Shared with ada\n"
