"""Where each value of a parsed file sits: the line of every mapping key and sequence item.

Kept beside the data, keyed by the identity of each container, so the data itself stays plain dicts and lists.
"""
from __future__ import annotations

from typing import Any

from storage.catalogue.problems import Loc


class LineMap:
    def __init__(self, root: Any = None, root_line: int | None = None) -> None:
        self.root = root
        self.root_line = root_line
        # id(container) → (line where it starts, {key: line} for a dict or [line, …] for a list)
        self.containers: dict[int, tuple[int, Any]] = {}

    def add(self, container: Any, line: int, children: Any) -> None:
        self.containers[id(container)] = (line, children)

    def line_of(self, loc: Loc) -> int | None:
        """The line of the value at `loc`; for a path that does not exist (a missing field), the line of the
        deepest part that does."""
        node, line = self.root, self.root_line
        for part in loc:
            entry = self.containers.get(id(node)) if isinstance(node, (dict, list)) else None
            if entry is None:
                break
            children = entry[1]
            if isinstance(node, dict):
                if part not in node:
                    break
                line, node = children.get(part, line), node[part]
            else:
                if not isinstance(part, int) or not 0 <= part < len(node):
                    break
                line, node = children[part], node[part]
        return line


NO_LINES = LineMap()
