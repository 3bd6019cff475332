"""Load YAML that someone else wrote (manifests, answers files, workflows) within limits.

`yaml.safe_load` runs no code, but an alias can name a node that holds other aliases,
so ten lines can stand for billions of nodes: anything that walks the result (pydantic,
a JSON dump, a line index) then exhausts memory. Here the event stream is read first
(depth and alias count, without building anything), the node graph is composed with
aliases shared, and the size the document would have once every alias is expanded is
computed before any value is built. A document over a limit raises `YamlLimitError`, a
`yaml.MarkedYAMLError`, so every caller's YAML error handling names its file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import yaml

if TYPE_CHECKING:
    from collections.abc import Callable

try:  # libyaml, built into PyYAML's wheels: copier.yml parses in 0.8 ms, not 12 ms
    from yaml import CSafeLoader as _FastLoader
except ImportError:  # a PyYAML built without it
    from yaml import SafeLoader as _FastLoader  # type: ignore[assignment]

_Loader = type[yaml.SafeLoader] | type[_FastLoader]
_Result = TypeVar("_Result")


@dataclass(frozen=True)
class Limits:
    """How big a document may be; the defaults fit any real manifest or answers file."""

    max_bytes: int = 4 * 1024 * 1024
    max_depth: int = 64
    max_aliases: int = 10_000
    # Nodes once every alias is expanded: a 5,000-repository manifest has about 100,000.
    max_nodes: int = 1_000_000


DEFAULT_LIMITS = Limits()


class YamlLimitError(yaml.MarkedYAMLError):
    """A document exceeds a limit; `problem_mark` is where (1-based line is `line + 1`)."""


def _parsed(parse: Callable[[_Loader], _Result]) -> _Result:
    """`parse` with libyaml's loader; after a YAML error, again with PyYAML's own.

    Both are PyYAML's safe constructors over a different parser (tesler reads copier.yml
    and an answers file for every project it creates, checks or updates); where libyaml
    refuses a document, PyYAML's own decides. Their errors differ: PyYAML's name the
    character and its offset in the text, which callers turn into a line number, where
    libyaml gives a byte offset. Errors are rare, so they are found again the slow way.
    A limit is a limit: it is not tried twice.
    """
    try:
        return parse(_FastLoader)
    except YamlLimitError:
        raise
    except yaml.YAMLError:
        return parse(yaml.SafeLoader)


def safe_load(text: str) -> object:
    """`yaml.safe_load(text)`, with libyaml's parser when PyYAML has it (no limits)."""
    return _parsed(lambda loader: yaml.load(text, Loader=loader))  # noqa: S506 (safe loaders)


def first_alias_line(text: str) -> int | None:
    """The line (1-based) of the first alias in `text`, or None; read as a stream."""

    def scan(loader: _Loader) -> int | None:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.AliasEvent):
                return event.start_mark.line + 1 if event.start_mark else 0
        return None

    return _parsed(scan)


def compose(text: str, limits: Limits = DEFAULT_LIMITS) -> yaml.Node | None:
    """The single document of `text` as a node graph (aliases shared, nothing expanded)."""
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > limits.max_bytes:
        raise YamlLimitError(
            problem=f"the file is {size:,} bytes; the limit is {limits.max_bytes:,}"
        )
    _parsed(lambda loader: _check_events(loader, text, limits))
    node = _parsed(lambda loader: _single_node(loader, text))
    if node is not None:
        _check_expansion(node, limits)
    return node


def _single_node(loader_class: _Loader, text: str) -> yaml.Node | None:
    loader = loader_class(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def construct(node: yaml.Node | None) -> object:
    """The Python value of a node graph checked by `compose`."""
    if node is None:
        return None
    loader = _FastLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load(text: str, limits: Limits = DEFAULT_LIMITS) -> object:
    """`yaml.safe_load(text)` within `limits`."""
    return construct(compose(text, limits))


def _check_events(loader: _Loader, text: str, limits: Limits) -> None:
    """Depth and alias count from the event stream: linear, and nothing is built."""
    depth = 0
    aliases = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > limits.max_depth:
                raise YamlLimitError(
                    problem=f"it nests deeper than {limits.max_depth} levels",
                    problem_mark=_mark(event.start_mark),
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > limits.max_aliases:
                raise YamlLimitError(
                    problem=f"it uses more than {limits.max_aliases:,} aliases",
                    problem_mark=_mark(event.start_mark),
                )


def _check_expansion(root: yaml.Node, limits: Limits) -> None:
    """Refuse a graph whose expansion exceeds `max_nodes`, or that contains itself.

    Sizes are computed once per node (memoised, iteratively: alias chains can be long),
    so the check costs the size of the file, not of its expansion.
    """
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        children = _children(node)
        if children_done:
            in_progress.discard(key)
            size = 1 + sum(sizes[id(child)] for child in children)
            if size > limits.max_nodes:
                raise YamlLimitError(
                    problem=f"its aliases expand it past {limits.max_nodes:,} nodes "
                    "(an alias bomb?)",
                    problem_mark=node.start_mark,
                )
            sizes[key] = size
            continue
        if key in in_progress:
            raise YamlLimitError(
                problem="an alias refers to a node that contains it (a recursive alias)",
                problem_mark=node.start_mark,
            )
        in_progress.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in in_progress:
                raise YamlLimitError(
                    problem="an alias refers to a node that contains it (a recursive alias)",
                    problem_mark=child.start_mark,
                )
            if id(child) not in sizes:
                stack.append((child, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _mark(mark: object) -> yaml.Mark | None:
    """Events carry the C or the Python parser's mark; errors want the Python one."""
    if isinstance(mark, yaml.Mark):
        return mark
    line, column = getattr(mark, "line", None), getattr(mark, "column", None)
    if isinstance(line, int) and isinstance(column, int):
        return yaml.Mark("<document>", 0, line, column, None, 0)
    return None
