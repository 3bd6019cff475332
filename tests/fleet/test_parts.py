"""The small parts of the fleet, one behaviour each: no template, no Copier."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from rich.console import Console

from tesler.answers_file import inspect as parse_answers
from tesler.fleet import render, yaml_lines
from tesler.fleet.errors import ShardError
from tesler.fleet.quality import figures, metric_paths
from tesler.fleet.remote import _read_from_clone, list_heads, read_files
from tesler.fleet.shard import parse_shard
from tesler.fleet.views import Cell, TableView
from tests.fleet.conftest import commit_all

DVC_YAML = """\
stages:
  evaluate:
    cmd: x evaluate
    metrics:
      - reports/metrics.json:
          cache: false
  promote:
    cmd: x promote
    metrics:
      - promotion.json:
          cache: false
metrics:
  - extra.yaml
"""


def test_metric_paths_follow_dvc_yaml() -> None:
    assert metric_paths(DVC_YAML) == ["extra.yaml", "reports/metrics.json", "promotion.json"]
    assert metric_paths(None) == ["metrics.json", "promotion.json"]
    assert metric_paths("stages: [broken") == ["metrics.json", "promotion.json"]


def test_figures_flatten_metrics_and_read_the_promotion_decision() -> None:
    found = figures(
        {
            "reports/metrics.json": '{"test": {"f1": 0.9, "rows": 114}, "plots": [1, 2]}',
            "promotion.json": '{"promoted": false, "reason": "below the margin"}',
            "missing.json": None,
        }
    )
    assert found.metrics == {"test.f1": 0.9, "test.rows": 114}
    assert found.promotion_state == "rejected"
    assert figures({"promotion.json": '{"decision": "hold"}'}).promotion_state == "hold"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("_commit: [v0.1.0\n", "not valid YAML at line"),
        ("- a list\n", "not a mapping"),
        ("_src_path: /t\n", "no `_commit`"),
        ("_commit: v0.1.0\n", "no `_src_path`"),
    ],
)
def test_unusable_answers_files_say_why(text: str, problem: str) -> None:
    assert problem in str(parse_answers(text).problem)


def test_shard_must_be_i_of_n() -> None:
    for text in ("0/2", "3/2", "1", "a/b"):
        with pytest.raises(ShardError):
            parse_shard(text)


def test_yaml_lines_map_keys_and_items_to_lines() -> None:
    document = yaml_lines.load("a: 1\nlist:\n  - x: 2\n    y: 3\n")
    assert document.lines[("list", 0, "y")] == 4
    assert document.line_of(("list", 0, "y", "deeper")) == 4
    assert document.line_of(("absent",)) == 1


def test_markdown_and_html_escape_every_cell() -> None:
    table = TableView(
        title="t <i>", columns=("a|b",), rows=((Cell("<b>x</b> | `y`"),),), summary="s & t"
    )
    markdown = render.markdown(table)
    assert r"| &lt;b&gt;x&lt;/b&gt; \| \`y\` |" in markdown
    assert "a\\|b" in markdown
    page = render.html_page(table)
    assert "<b>" not in page
    assert "&lt;b&gt;x&lt;/b&gt; | `y`" in page
    assert "s &amp; t" in page


def test_terminal_table_shows_brackets_as_text() -> None:
    table = TableView(
        title="apply [push: local]", columns=("[a]",), rows=((Cell("[red]x[/red]"),),), summary="s"
    )
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(render.rich_table(table))
    printed = " ".join(console.export_text().split())
    assert "apply [push: local]" in printed
    assert "[red]x[/red]" in printed
    assert "[a]" in printed


def test_remote_files_read_by_archive_or_by_a_blobless_clone(tmp_path: Path) -> None:
    work = tmp_path / "work"
    subprocess.run(["git", "init", "--quiet", "--initial-branch=main", str(work)], check=True)
    (work / "a.txt").write_text("alpha\n", encoding="utf-8")
    commit_all(work, "one file")
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(work), str(remote)], check=True)
    assert list_heads(str(remote), ["main"]) == {"main": list_heads(str(remote), ["*"])["main"]}
    expected = {"a.txt": "alpha\n", "b.txt": None}
    assert read_files(str(remote), "main", ["a.txt", "b.txt"]) == expected
    # The path servers that refuse `git archive --remote` (GitHub) take:
    assert _read_from_clone(f"file://{remote}", "main", ["a.txt", "b.txt"]) == expected
