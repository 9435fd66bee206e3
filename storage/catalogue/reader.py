"""Reading a catalogue file: size cap, encoding, format (YAML or JSON), and the parsed data with its lines.

The cap is checked before anything is read into memory; YAML goes through the event builder (yaml_tree), which
refuses anchors, aliases and tags; JSON is parsed by the json module and, when PyYAML composes the same data from it,
gets line numbers too.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from storage.catalogue import yaml_tree
from storage.catalogue.lines import NO_LINES, LineMap
from storage.catalogue.problems import CatalogueRefused, Problem

MAX_BYTES = 50 * 1024 * 1024
BOM = b"\xef\xbb\xbf"
Format = Literal["yaml", "json"]
_EXTENSIONS: dict[str, Format] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


@dataclass(frozen=True)
class ParsedFile:
    source: str  # the name the operator knows the file by
    format: Format
    data: Any
    lines: LineMap


def read_file(path: str | Path, *, source: str | None = None, max_bytes: int = MAX_BYTES) -> ParsedFile:
    path = Path(path)
    source = source or str(path)

    def refuse(code: str, line: int | None = None, **params: Any) -> CatalogueRefused:
        return CatalogueRefused(source, [Problem(code, line=line, params=params)])

    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise refuse("file_not_found") from None
    except OSError as exc:
        raise refuse("file_unreadable", reason=exc.strerror or str(exc)) from None
    if path.is_dir():
        raise refuse("file_is_directory")
    if size > max_bytes:
        raise refuse("file_too_large", size=size, limit=max_bytes)
    try:
        with path.open("rb") as stream:
            raw = stream.read(max_bytes + 1)  # the file may have grown since stat()
    except OSError as exc:
        raise refuse("file_unreadable", reason=exc.strerror or str(exc)) from None
    if len(raw) > max_bytes:
        raise refuse("file_too_large", size=len(raw), limit=max_bytes)
    return parse_bytes(raw, source=source, format=_EXTENSIONS.get(path.suffix.lower()))


def parse_bytes(raw: bytes, *, source: str, format: Format | None = None) -> ParsedFile:
    text = decode(raw, source)
    if not text.strip():
        raise CatalogueRefused(source, [Problem("file_empty")])
    if format is None:
        format = "json" if text.lstrip()[:1] in ("{", "[") else "yaml"
        if format == "json":
            try:
                return _parse_json(text, source)
            except CatalogueRefused:
                format = "yaml"  # a YAML flow mapping also starts with "{"
    if format == "json":
        return _parse_json(text, source)
    return _parse_yaml(text, source)


def decode(raw: bytes, source: str) -> str:
    if raw.startswith(BOM):
        raw = raw[len(BOM):]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        utf16 = raw[:2] in (b"\xff\xfe", b"\xfe\xff")
        raise CatalogueRefused(source, [Problem(
            "not_utf8", line=line, params={"byte": f"0x{raw[exc.start]:02X}", "utf16": utf16},
        )]) from None


def _parse_yaml(text: str, source: str) -> ParsedFile:
    try:
        data, lines = yaml_tree.build(text)
    except yaml_tree.YamlProblem as exc:
        raise CatalogueRefused(source, [exc.problem]) from None
    if data is None:
        raise CatalogueRefused(source, [Problem("file_empty")])
    return ParsedFile(source, "yaml", data, lines)


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    for key, value in pairs:
        if key in mapping:
            raise _DuplicateKey(key)
        mapping[key] = value
    return mapping


def _parse_json(text: str, source: str) -> ParsedFile:
    try:
        data = json.loads(text, object_pairs_hook=_object_without_duplicates)
    except json.JSONDecodeError as exc:
        raise CatalogueRefused(source, [Problem(
            "json_syntax", line=exc.lineno, params={"problem": exc.msg, "column": exc.colno},
        )]) from None
    except _DuplicateKey as exc:
        # The YAML builder finds the same repeated key, with its line.
        try:
            yaml_tree.build(text)
        except yaml_tree.YamlProblem as found:
            if found.problem.code == "duplicate_key":
                raise CatalogueRefused(source, [found.problem]) from None
        raise CatalogueRefused(source, [Problem("duplicate_key", params={"key": exc.key})]) from None
    except RecursionError:
        raise CatalogueRefused(source, [Problem("too_deep")]) from None
    # Lines: JSON is (nearly) YAML, so the YAML builder can say where each value sits. Use its tree only when it read
    # exactly the same data (a few JSON spellings, like 1e5, mean something else in YAML 1.1).
    try:
        ydata, lines = yaml_tree.build(text)
    except (yaml_tree.YamlProblem, RecursionError):
        return ParsedFile(source, "json", data, NO_LINES)
    if _same(ydata, data):
        return ParsedFile(source, "json", ydata, lines)
    return ParsedFile(source, "json", data, NO_LINES)


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (`==` says 1 == 1.0 == True; an id must be an int)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b
