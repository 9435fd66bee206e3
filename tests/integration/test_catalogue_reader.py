"""Reading and validating a catalogue file, before any database: formats, encodings, what YAML features are refused,
lines for every error, and the demo's date shift."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage.catalogue import CatalogueRefused, parse_file
from storage.catalogue.reader import parse_bytes
from storage.catalogue.validation import validate
from storage.demo import DEMO_FILE, shift_history


def refusal(raw: bytes, name: str = "catalogo.yaml", **kwargs) -> list[tuple[str, int | None, str]]:
    fmt = {"yaml": "yaml", "json": "json"}.get(name.rsplit(".", 1)[-1])
    with pytest.raises(CatalogueRefused) as refused:
        parsed = parse_bytes(raw, source=name, format=fmt, **kwargs)
        validate(parsed.data, parsed.source, parsed.lines)
    return [(p.code, p.line, ".".join(map(str, p.loc))) for p in refused.value.problems]


def test_the_size_cap_is_checked_before_reading(tmp_path):
    path = tmp_path / "catalogo.yaml"
    path.write_text("ticket_types: []\n" + "#" * 100, encoding="utf-8")

    with pytest.raises(CatalogueRefused) as refused:
        parse_file(path, max_bytes=64)

    [problem] = refused.value.problems
    assert (problem.code, problem.params["limit"]) == ("file_too_large", 64)


@pytest.mark.parametrize(("raw", "code", "line"), [
    (b"a: &x 1\nb: 2\n", "yaml_anchor", 1),
    (b"ticket_types:\n  - {id: 1, name: A}\n  - {id: 2, name: B,\n     <<: {id: 3}}\n", "extra_forbidden", 4),
    (b"staff: !!python/object:os.system {}\n", "yaml_tag", 1),
    (b"ticket_types: []\n---\nstaff: []\n", "yaml_multiple_documents", 2),
    (b"ticket_types: [{id: 1, name: \"A\x07\"}]\n", "yaml_bad_character", 1),
    (b"ticket_types: " + b"[" * 200 + b"]" * 200 + b"\n", "too_deep", 1),
    (b"\xff\xfet\x00i\x00", "not_utf8", 1),
    (b"ticket_types:\n\t- {id: 1}\n", "yaml_syntax", 2),
])
def test_what_a_catalogue_never_needs_is_refused_with_its_line(raw, code, line):
    [(found, at, _)] = refusal(raw)
    assert (found, at) == (code, line)


def test_text_that_merely_looks_like_yaml_features_is_fine():
    parsed = parse_bytes('ticket_types: [{id: 1, name: "P&D *urgente* !importante"}]\n'.encode(),
                         source="x.yaml", format="yaml")
    catalogue = validate(parsed.data, parsed.source, parsed.lines)
    assert catalogue.ticket_types[0].name == "P&D *urgente* !importante"


def test_json_errors_carry_lines_unless_yaml_reads_the_file_differently():
    found = refusal(b'{"customers": [\n  {"id": 1,\n   "name": true}]}', name="c.json")
    assert ("quote_it", 3, "customers.0.name") in found and ("missing", 2, "customers.0.cpf") in found
    # 1e5 is a number in JSON and a string in YAML 1.1: the JSON reading wins, without lines.
    found = refusal(b'{"customers": [\n  {"id": 1e5}]}', name="c.json")
    assert ("int_type", None, "customers.0.id") in found


def test_the_format_is_guessed_from_the_content_when_the_extension_says_nothing():
    assert parse_bytes(b'{"ticket_types": []}', source="x.txt").format == "json"
    assert parse_bytes(b"{ticket_types: []}", source="x.txt").format == "yaml"
    assert parse_bytes(b"ticket_types: []\n", source="x.txt").format == "yaml"


def test_values_are_stored_in_their_normal_form():
    raw = """
staff: [{login: " Maria.Souza ", name: "  Maria   Souza "}]
customers:
  - {id: 1, name: Ana, cpf: "01234567890", phones: ["(11) 9999-0001", "+55 11 99999-0001"], units: [5, 5]}
  - {id: 2, name: Padaria, cpf: "12.abc.345/01de-35"}
units: [{id: 5, empreendimento: 1, label: "101", items: [101, Vaga 2]}]
""".encode()
    parsed = parse_bytes(raw, source="x.yaml", format="yaml")
    c = validate(parsed.data, parsed.source, parsed.lines)
    assert (c.staff[0].login, c.staff[0].name) == ("maria.souza", "Maria Souza")
    ana, padaria = c.customers
    assert ana.cpf == "01234567890"
    assert ana.phones == ["+5511999990001"] and ana.units == [5]
    assert padaria.cpf == "12ABC34501DE35"  # the new alphanumeric CNPJ
    assert (c.units[0].label, c.units[0].items) == ("101", ["101", "Vaga 2"])


def test_the_demo_history_is_moved_as_a_whole():
    catalogue, _, _ = parse_file(DEMO_FILE)
    newest = datetime(2030, 1, 15, 12, 0, tzinfo=UTC)

    moved = shift_history(catalogue, newest)

    delta = moved.tickets[0].created_at - catalogue.tickets[0].created_at
    for before, after in zip(catalogue.tickets, moved.tickets):
        assert after.created_at - before.created_at == delta
        for s_before, s_after in zip(before.stages, after.stages):
            assert (s_after.due_at - s_before.due_at if s_before.due_at else delta) == delta
    last = max(n.created_at for x in moved.tickets for s in x.stages for n in s.notes)
    assert last <= newest and newest - delta > max(x.created_at for x in catalogue.tickets) - timedelta(days=1)
