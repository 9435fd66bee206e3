"""YAML → plain dicts and lists, with the line of every key and item, built from the safe parser's events.

Why events rather than `yaml.safe_load`: we refuse what a catalogue never needs and an attacker loves — anchors and
aliases (the "billion laughs" bomb), explicit tags, several documents, repeated keys — and we keep line numbers for
the error messages. Scalars are resolved and built by PyYAML's SafeLoader rules (libyaml's parser when present).
"""
from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import ScalarNode

from storage.catalogue.lines import LineMap
from storage.catalogue.problems import Problem

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
MAX_DEPTH = 32  # a catalogue is six levels deep; deeper nesting is a mistake or an attack on the recursion limit


class SpelledNumber:
    """An integer YAML 1.1 reads from a spelling other than plain decimal digits: `0123` (octal, 83), `0x1F`,
    `0b101`, `1_000`, `1:30` (sexagesimal, 90), `+5`. Kept as written, never as the number: an id field refuses it
    ("write the digits only"), a text field refuses it ("write it between quotes") — a password `0123` must never
    become "83"."""

    __slots__ = ("text", "value")

    def __init__(self, text: str, value: int) -> None:
        self.text = text
        self.value = value

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SpelledNumber) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


class YamlProblem(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.code)
        self.problem = problem


def _line(event) -> int:
    return event.start_mark.line + 1


def _refuse(code: str, event, **params: Any) -> YamlProblem:
    return YamlProblem(Problem(code, line=_line(event), params=params))


def syntax_problem(exc: yaml.YAMLError, text: str) -> Problem:
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow (a control character)
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        code = ord(exc.character) if isinstance(exc.character, str) else int(exc.character)
        return Problem("yaml_bad_character", line=line, params={"character": f"U+{code:04X}"})
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return Problem(
        "yaml_syntax",
        line=mark.line + 1 if mark is not None else None,
        params={"problem": str(problem), "column": mark.column + 1 if mark is not None else None},
    )


class _Builder:
    def __init__(self, text: str) -> None:
        self.loader = _Loader(text)
        self.next = self.loader.get_event
        self.lines = LineMap()
        self.depth = 0
        # Plain scalars whose first character starts no implicit type (bool, int, null, timestamp…) are strings:
        # most of a catalogue, resolved without the resolver's regular expressions.
        self.typed_starts = frozenset(key for key in self.loader.yaml_implicit_resolvers if key)

    def close(self) -> None:
        self.loader.dispose()

    def build(self) -> tuple[Any, LineMap]:
        self.next()  # StreamStart
        if self.loader.check_event(yaml.StreamEndEvent):
            return None, self.lines
        self.next()  # DocumentStart
        start = self.loader.peek_event()
        root = self.value(self.next())
        self.next()  # DocumentEnd
        if not self.loader.check_event(yaml.StreamEndEvent):
            raise _refuse("yaml_multiple_documents", self.loader.peek_event())
        self.lines.root, self.lines.root_line = root, _line(start)
        return root, self.lines

    def value(self, event) -> Any:
        kind = type(event)
        if kind is yaml.AliasEvent or event.anchor is not None:
            raise _refuse("yaml_anchor", event)
        if event.tag is not None and event.tag != "!":
            raise _refuse("yaml_tag", event, tag=event.tag)
        if kind is yaml.ScalarEvent:
            return self.scalar(event)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _refuse("too_deep", event)
        try:
            if kind is yaml.SequenceStartEvent:
                return self.sequence(event)
            if kind is yaml.MappingStartEvent:
                return self.mapping(event)
        finally:
            self.depth -= 1
        raise _refuse("yaml_syntax", event, problem=kind.__name__, column=event.start_mark.column + 1)

    # The two loops below run once per value of the file (millions for a big catalogue): plain scalars, the common
    # case, are handled inline; everything else goes through value().
    def sequence(self, start) -> list[Any]:
        items: list[Any] = []
        item_lines: list[int] = []
        end, scalar_event, next_event, value, scalar = (
            yaml.SequenceEndEvent, yaml.ScalarEvent, self.next, self.value, self.scalar)
        add_item, add_line = items.append, item_lines.append
        while True:
            event = next_event()
            kind = type(event)
            if kind is end:
                break
            add_line(event.start_mark.line + 1)
            if kind is scalar_event and event.anchor is None and event.tag is None:
                add_item(scalar(event))
            else:
                add_item(value(event))
        self.lines.add(items, _line(start), item_lines)
        return items

    def mapping(self, start) -> dict[Any, Any]:
        mapping: dict[Any, Any] = {}
        key_lines: dict[Any, int] = {}
        end, scalar_event, next_event, value, scalar, key_of = (
            yaml.MappingEndEvent, yaml.ScalarEvent, self.next, self.value, self.scalar, self.key)
        while True:
            event = next_event()
            kind = type(event)
            if kind is end:
                break
            if kind is scalar_event and event.anchor is None and event.tag is None and event.value != "<<":
                key = scalar(event)
            else:
                key = key_of(event)
            if key in mapping:
                raise _refuse("duplicate_key", event, key=str(key))
            key_lines[key] = event.start_mark.line + 1
            event = next_event()
            if type(event) is scalar_event and event.anchor is None and event.tag is None:
                mapping[key] = scalar(event)
            else:
                mapping[key] = value(event)
        self.lines.add(mapping, _line(start), key_lines)
        return mapping

    def key(self, event) -> Any:
        if type(event) is not yaml.ScalarEvent:
            if type(event) is yaml.AliasEvent:
                raise _refuse("yaml_anchor", event)
            raise _refuse("complex_key", event)
        if event.anchor is not None:
            raise _refuse("yaml_anchor", event)
        if event.tag is not None and event.tag != "!":
            raise _refuse("yaml_tag", event, tag=event.tag)
        if event.value == "<<" and event.implicit[0]:
            return event.value  # a merge key is just an unknown field here: merges need aliases, refused above
        return self.scalar(event)

    def scalar(self, event) -> Any:
        text = event.value
        if event.tag == "!" or not event.implicit[0] or (text and text[0] not in self.typed_starts):
            return text  # quoted, explicitly non-specific, or plainly a string
        if text.isascii() and text.isdigit() and (text[0] != "0" or text == "0"):
            return int(text)  # the ids: a plain decimal (a leading 0 would make it octal in YAML 1.1)
        tag = self.loader.resolve(ScalarNode, text, event.implicit)
        if tag == _STR or tag not in self.loader.yaml_constructors:
            return text
        node = ScalarNode(tag, text, event.start_mark, event.end_mark, event.style)
        # Straight to the tag's constructor: construct_object would cache every node for the loader's lifetime.
        try:
            value = self.loader.yaml_constructors[tag](self.loader, node)
        except (ValueError, OverflowError):
            return text  # an impossible date (2025-02-30): the field refuses the text, with its line
        if type(value) is int and str(value) != text:
            return SpelledNumber(text, value)
        return value


def build(text: str) -> tuple[Any, LineMap]:
    """Raises YamlProblem (with its line) for anything refused, including syntax errors."""
    builder = _Builder(text)
    try:
        return builder.build()
    except yaml.YAMLError as exc:
        raise YamlProblem(syntax_problem(exc, text)) from None
    finally:
        builder.close()
