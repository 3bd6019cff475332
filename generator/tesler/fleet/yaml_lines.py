"""Load YAML and remember the line of every key, so validation errors can name the line.

PyYAML drops source positions when it builds Python objects; composing the node tree
first keeps them. Duplicate keys, which PyYAML silently overwrites, are reported here.
The document is composed within `safe_yaml`'s limits, and an aliased node is indexed
once, where it is defined: walking every alias would expand an alias bomb.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from tesler import safe_yaml

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
    """Parse one YAML document with the safe loader, within `safe_yaml`'s limits.

    Raises yaml.YAMLError on bad syntax and `safe_yaml.YamlLimitError` past a limit.
    """
    node = safe_yaml.compose(text)
    lines: dict[Location, int] = {}
    duplicates: list[tuple[Location, int]] = []
    if node is not None:
        lines[()] = node.start_mark.line + 1
        _walk(node, (), lines, duplicates, set())
    # Built after the walk: constructing merges `<<` keys into the nodes in place.
    return LinedDocument(safe_yaml.construct(node), lines, tuple(duplicates))


def _walk(
    node: yaml.Node,
    location: Location,
    lines: dict[Location, int],
    duplicates: list[tuple[Location, int]],
    visited: set[int],
) -> None:
    if id(node) in visited:
        return  # an alias: its lines were recorded where the anchor is
    visited.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (*location, key)
            if key in seen:
                duplicates.append((child, key_node.start_mark.line + 1))
            seen.add(key)
            lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, lines, duplicates, visited)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*location, index)
            lines[child] = item.start_mark.line + 1
            _walk(item, child, lines, duplicates, visited)
