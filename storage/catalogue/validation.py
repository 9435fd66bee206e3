"""Parsed data → a `Catalogue`, or every problem pydantic found, each with its line and field path."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from storage.catalogue.lines import LineMap
from storage.catalogue.problems import CatalogueRefused, Problem
from storage.catalogue.schema import SECTIONS, Catalogue, fields_at
from storage.catalogue.yaml_tree import SpelledNumber

# Pydantic error types that mean the same thing to an operator.
_SAME = {
    "int_parsing": "int_type",
    "int_from_float": "int_type",
    "bool_parsing": "bool_type",
    "model_type": "dict_type",
    "model_attributes_type": "dict_type",
    "datetime_parsing": "datetime_type",
    "datetime_from_date_parsing": "datetime_type",
    "datetime_object_invalid": "datetime_type",
    "string_unicode": "string_type",
    "literal_error": "choice",
    "enum": "choice",
}


def shown_input(value: Any) -> str:
    """A short, safe rendering of what the file held."""
    if isinstance(value, (dict, list)):
        return type(value).__name__  # the texts name the kind; never dump a whole block
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def problem_from_error(error: dict[str, Any], lines: LineMap) -> Problem:
    code = _SAME.get(error["type"], error["type"])
    loc = tuple(error["loc"])
    value = error.get("input")
    params: dict[str, Any] = dict(error.get("ctx") or {})
    params.pop("error", None)
    if code in ("too_short", "string_too_short") and isinstance(value, str):
        code = "blank"
    elif code == "string_type" and isinstance(value, (int, float, bool, date, SpelledNumber)):
        code = "quote_it"  # YAML read a number, a yes/no or a date where the field wants text
    elif code == "int_type" and isinstance(value, SpelledNumber):
        code = "number_spelling"
    elif code == "extra_forbidden":
        if len(loc) == 1:
            code, params = "unknown_section", {"sections": SECTIONS}
        else:
            params = {"fields": fields_at(loc[:-1]) or ()}
    elif code == "missing":
        params = {}
    if code != "missing":
        params.setdefault("input", shown_input(value))
        params.setdefault("kind", type(value).__name__)
    params.setdefault("detail", error.get("msg", ""))
    return Problem(code, loc, lines.line_of(loc), params)


def validate(data: Any, source: str, lines: LineMap) -> Catalogue:
    if not isinstance(data, dict):
        raise CatalogueRefused(source, [Problem(
            "not_a_mapping", line=lines.root_line, params={"kind": type(data).__name__},
        )])
    try:
        return Catalogue.model_validate(data)
    except ValidationError as exc:
        problems = [problem_from_error(error, lines) for error in exc.errors(include_url=False)]
        raise CatalogueRefused(source, problems) from None
