"""`tesler fleet status`: one report, four renderings, everything escaped."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import tesler
from tests.fleet.conftest import Fleet, make_fleet

MEMBERS = ("clean", "current", "invalid", "unreachable")


@pytest.fixture(scope="module")
def manifest(
    tmp_path_factory: pytest.TempPathFactory, template_history: Path, sources: dict[str, Path]
) -> Path:
    """A small fleet, applied once so the state file has results."""
    fleet: Fleet = make_fleet(tmp_path_factory.mktemp("status"), template_history, sources)
    repos = "".join(
        f"  - name: {name}\n    remote: {fleet.remotes[name]}\n    channel: stable\n"
        for name in MEMBERS
    )
    path = fleet.manifest(
        f"template: {fleet.template}\nchannels:\n  stable: v0.2.0\n"
        "settings:\n  stop_on_wave_failure: false\n"
        f"repositories:\n{repos}"
    )
    assert (
        tesler("fleet", "apply", str(path), "--json", "--output", str(fleet.root / "a.json")) == 1
    )
    return path


def render(manifest: Path, output_format: str) -> str:
    output = manifest.parent / f"status.{output_format}"
    assert (
        tesler("fleet", "status", str(manifest), "--format", output_format, "-o", str(output)) == 0
    )
    return output.read_text(encoding="utf-8")


def test_status_json_has_versions_branches_last_results_and_figures(manifest: Path) -> None:
    report = json.loads(render(manifest, "json"))
    rows = {row["name"]: row for row in report["rows"]}
    assert report["kind"] == "status"
    clean = rows["clean"]
    assert (clean["version"], clean["target"], clean["behind"]) == ("v0.1.0", "v0.2.0", 1)
    assert clean["update_branches"] == ["template-update/v0.2.0"]
    assert clean["last_result"]["outcome"] == "updated"
    assert clean["metrics"]["test.accuracy"] == 0.9561
    assert clean["promotion_state"] == "promoted"
    assert clean["promotion"]["reason"] == "first model"
    assert clean["coverage_floor"] == 90
    assert rows["current"]["behind"] == 0
    assert rows["current"]["last_result"]["outcome"] == "up-to-date"
    assert rows["current"]["metrics"] == {}
    assert "not valid YAML" in rows["invalid"]["problem"]
    assert rows["invalid"]["last_result"]["outcome"] == "blocked"
    assert "unreachable" in rows["unreachable"]["problem"]


def test_status_table_shows_every_repository(
    manifest: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert tesler("fleet", "status", str(manifest)) == 0
    printed = capsys.readouterr().out
    for name in MEMBERS:
        assert name in printed
    assert "test.accuracy=0.9561" in printed
    assert "4 repositories, 1 behind, 2 with problems" in printed


def test_status_markdown_escapes_markup(manifest: Path) -> None:
    text = render(manifest, "markdown")
    assert text.startswith("## fleet status: ")
    assert "| clean | v0.1.0 | v0.2.0 | 1 |" in text
    assert "<script>" not in text
    assert r"&lt;script&gt;x&lt;/script&gt; \| \*b\*" in text


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_status_html_is_a_standalone_page_with_everything_escaped(manifest: Path) -> None:
    page = render(manifest, "html")
    parser = _Collect()
    parser.feed(page)
    assert page.startswith("<!DOCTYPE html>")
    assert "script" not in parser.tags  # the metric's markup stayed text
    assert "link" not in parser.tags  # no external resources
    assert "<script>x</script> | *b*" in "".join(parser.text).replace("note=", "")
    assert parser.tags.count("tr") == 1 + len(MEMBERS)
