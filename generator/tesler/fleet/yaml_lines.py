"""Load YAML and remember the line of every key, so validation errors can name the line.

PyYAML drops source positions when it builds Python objects; composing the node tree
first keeps them. Duplicate keys, which PyYAML silently overwrites, are reported here.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class LinedDocument:
    """A parsed YAML document and the 1-based line of each key or list item in it."""

    data: object
    lines: dict[Location, int]
    duplicates: tuple[tuple[Location, int], ...]

    def line_of(self, location: Location) -> int | None:
        """Line of the deepest known prefix of `location` (pydantic error locations)."""
        for end in range(len(location), -1, -1):
            line = self.lines.get(location[:end])
            if line is not None:
                return line
        return None


def load(text: str) -> LinedDocument:
    """Parse one YAML document with the safe loader; raise yaml.YAMLError on bad syntax."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    lines: dict[Location, int] = {}
    duplicates: list[tuple[Location, int]] = []
    if node is not None:
        lines[()] = node.start_mark.line + 1
        _walk(node, (), lines, duplicates)
    return LinedDocument(data, lines, tuple(duplicates))


def _walk(
    node: yaml.Node,
    location: Location,
    lines: dict[Location, int],
    duplicates: list[tuple[Location, int]],
) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (*location, key)
            if key in seen:
                duplicates.append((child, key_node.start_mark.line + 1))
            seen.add(key)
            lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, lines, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*location, index)
            lines[child] = item.start_mark.line + 1
            _walk(item, child, lines, duplicates)
