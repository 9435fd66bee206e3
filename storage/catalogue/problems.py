"""What is wrong with a catalogue file: a code and its facts, never words.

The words are the operator text catalogue's (bot/texts/operator.py): storage/ says *what* is wrong, where (line and
field path), and with which values; bot/ says it in Portuguese.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    loc: Loc = ()  # field path inside the file: ("customers", 2, "cpf")
    line: int | None = None  # 1-based; None when the format or the problem has no line
    params: Mapping[str, Any] = field(default_factory=dict)

    def at_line(self, line: int | None) -> "Problem":
        return Problem(self.code, self.loc, line, self.params)


class CatalogueRefused(Exception):
    """The file was refused as a whole; nothing was written."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s): " + "; ".join(
            f"{p.code}@{p.line}:{format_loc(p.loc)}" for p in self.problems[:5]
        ))


def format_loc(loc: Loc) -> str:
    """("customers", 2, "cpf") → "customers[2].cpf"."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
