"""Renders in one process share Jinja compilations, and every render still gets its own output.

tesler memoises Jinja's compile for Copier (generator/tesler/compile_cache.py); these tests
render small real templates with Copier, one after the other in this process, and read the
files they wrote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tesler import compile_cache, copier_adapter

if TYPE_CHECKING:
    from pathlib import Path

SOURCE = "Hello {{ name }}, [[ name ]]!\n"


def template(root: Path, config: str) -> Path:
    """A template with one question, `name`, and one templated file."""
    root.mkdir()
    (root / "copier.yml").write_text(f"name:\n  type: str\n  default: world\n{config}")
    (root / "greeting.txt.jinja").write_text(SOURCE)
    (root / "{{ name }}.txt.jinja").write_text("{{ name | upper }}\n")
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
