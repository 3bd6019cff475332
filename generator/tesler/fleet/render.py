r"""Draw a table view as a Rich table, Markdown, or a standalone HTML page.

Markdown and HTML escape every value: repository names, branch names and metric keys
come from other people's repositories. Every format also masks credentials and shows
control characters as `\xNN` (`tesler.redact`), so no metric file can drive a terminal.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from tesler.redact import one_line, terminal

if TYPE_CHECKING:
    from tesler.fleet.views import Cell, TableView, Tone

_RICH: dict[Tone, str] = {
    "plain": "",
    "good": "green",
    "warn": "yellow",
    "bad": "bold red",
    "dim": "dim",
}
_HTML_COLOURS: dict[Tone, str] = {
    "plain": "inherit",
    "good": "#1a7f37",
    "warn": "#9a6700",
    "bad": "#cf222e",
    "dim": "#6e7781",
}


def rich_table(table: TableView) -> Table:
    """A Rich table (the summary goes in the caption)."""
    # Text, not str: Rich would read "[push: local]" or a bracketed name as markup.
    drawn = Table(
        title=Text(one_line(table.title)),
        caption=Text(one_line(table.summary)),
        title_justify="left",
    )
    for column in table.columns:
        drawn.add_column(Text(one_line(column)), overflow="fold")
    for row in table.rows:
        drawn.add_row(*(Text(one_line(cell.text), style=_RICH[cell.tone]) for cell in row))
    return drawn


def _md(text: str) -> str:
    escaped = html.escape(one_line(text), quote=False)
    for special in "\\`*_[]|<>#":
        escaped = escaped.replace(special, f"\\{special}")
    return escaped.replace("\n", " ")


def markdown(table: TableView) -> str:
    """GitHub-flavoured Markdown: a heading, the table, the summary and the details."""
    lines = [f"## {_md(table.title)}", ""]
    lines.append("| " + " | ".join(_md(column) for column in table.columns) + " |")
    lines.append("|" + "---|" * len(table.columns))
    lines.extend("| " + " | ".join(_md(cell.text) for cell in row) + " |" for row in table.rows)
    lines += ["", f"**{_md(table.summary)}**"]
    if table.details:
        fence = "```"
        details = (terminal(line).replace(fence, "'''") for line in table.details)
        lines += ["", f"{fence}text", *details, fence]
    return "\n".join(lines) + "\n"


def _h(text: str) -> str:
    return html.escape(one_line(text))


def _td(cell: Cell) -> str:
    colour = _HTML_COLOURS[cell.tone]
    return f'<td style="color:{colour}">{_h(cell.text)}</td>'


def html_page(table: TableView) -> str:
    """A standalone HTML page (inline style, no scripts, no external resources)."""
    head = "".join(f"<th>{_h(column)}</th>" for column in table.columns)
    body = "\n".join("<tr>" + "".join(_td(cell) for cell in row) + "</tr>" for row in table.rows)
    details = ""
    if table.details:
        details = f"<pre>{html.escape(terminal(chr(10).join(table.details)))}</pre>"
    title = _h(table.title)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #d0d7de; padding: 0.3rem 0.6rem; text-align: left; }}
th {{ background: #f6f8fa; }}
pre {{ background: #f6f8fa; padding: 1rem; }}
</style>
</head>
<body>
<h1>{title}</h1>
<table>
<thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody>
</table>
<p><strong>{_h(table.summary)}</strong></p>
{details}
</body>
</html>
"""
