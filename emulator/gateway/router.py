"""Finds the operation for a method and a raw request path, across every model at once.

Routing works on the raw (still percent-encoded) path, one segment at a time, so that a `%2F`
inside a SKU stays inside its segment instead of splitting it, and decodes each segment only
after the split. The templates of all models form one segment trie: a lookup costs the depth of
the path, not a scan over the 313 templates, and a literal segment always wins over a parameter
(`/fba/inventory/v1/items/inventory` before `/fba/inventory/v1/items/{sellerSku}`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

from emulator.models.spec import Operation


@dataclass
class _Node:
    literals: dict[str, _Node] = field(default_factory=dict)
    param: _Node | None = None
    # A greedy parameter (Uploads' {resource}) takes the rest of the path, slashes included.
    greedy: dict[str, Operation] = field(default_factory=dict)
    operations: dict[str, Operation] = field(default_factory=dict)  # by HTTP method


@dataclass(frozen=True)
class Match:
    operation: Operation
    path_params: dict[str, str]


class Router:
    def __init__(self, operations: Iterable[Operation]) -> None:
        self._root = _Node()
        self._names: dict[str, list[str]] = {}
        self.count = 0
        for operation in operations:
            self._add(operation)

    def _add(self, operation: Operation) -> None:
        greedy = {
            p["name"] for p in operation.parameters_in("path") if p.get("x-emulator-greedy")
        }
        node = self._root
        segments = operation.path.strip("/").split("/")
        self._names[operation.uid] = [s[1:-1] for s in segments if s.startswith("{")]
        for index, segment in enumerate(segments):
            if segment.startswith("{") and segment.endswith("}"):
                name = segment[1:-1]
                if name in greedy:
                    if index != len(segments) - 1:
                        raise ValueError(f"{operation.uid}: greedy {{{name}}} must come last")
                    self._register(node.greedy, operation)
                    self.count += 1
                    return
                # Templates may name the same position differently ({orderId}, {amazonOrderId});
                # names are taken from each operation's own template when a route matches.
                if node.param is None:
                    node.param = _Node()
                node = node.param
            else:
                node = node.literals.setdefault(segment, _Node())
        self._register(node.operations, operation)
        self.count += 1

    @staticmethod
    def _register(table: dict[str, Operation], operation: Operation) -> None:
        if operation.method in table:
            raise ValueError(f"{operation.uid} and {table[operation.method].uid} share a route")
        table[operation.method] = operation

    def match(self, method: str, raw_path: str) -> Match | None:
        """The operation for `method` at `raw_path`, or None (Amazon answers 403 then)."""
        if not raw_path.startswith("/"):
            return None
        segments = raw_path[1:].split("/")
        found = self._walk(self._root, segments, 0, method, [])
        if found is None:
            return None
        operation, values = found
        names = self._names[operation.uid]
        return Match(operation, {n: unquote(v) if "%" in v else v
                                 for n, v in zip(names, values, strict=True)})

    def _walk(self, node: _Node, segments: list[str], index: int, method: str,
              values: list[str]) -> tuple[Operation, list[str]] | None:
        if index == len(segments):
            operation = node.operations.get(method)
            return (operation, values) if operation else None
        segment = segments[index]
        child = node.literals.get(unquote(segment) if "%" in segment else segment)
        if child is not None:
            found = self._walk(child, segments, index + 1, method, values)
            if found:
                return found
        if node.param is not None:
            found = self._walk(node.param, segments, index + 1, method, [*values, segment])
            if found:
                return found
        if node.greedy and method in node.greedy:
            rest = "/".join(segments[index:])
            return node.greedy[method], [*values, rest]
        return None

