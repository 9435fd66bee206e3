"""Every catalogue value typed or refused (issue 10, point 7), on SQLite and PostgreSQL.

Hypothesis writes odd YAML scalars — numbers YAML 1.1 reads in odd ways (0123, 0x1F, 1_000, 1:30), numbers beyond
every column, yes/no, nulls, impossible and far-away dates, control characters, lone surrogates, long texts — into
each field of a complete catalogue, one field at a time, and imports the file. Each import either succeeds or is
refused cleanly: every problem with its line and field, the database exactly as it was, never a traceback.

The `@given` function is an ordinary function run in a worker thread; each example hands its coroutine to the test's
event loop (the pattern of tests/e2e/test_customer_hostile.py).
"""
from __future__ import annotations

import asyncio

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from storage.catalogue import CatalogueRefused
from storage.catalogue.reader import parse_bytes
from storage.catalogue.validation import validate
from tests.support.catalogue import load_catalogue, snapshot

EXAMPLES = 120
MARK = "ODDVALUEMARK"

COMPLETE = {
    "config": {"visibility": "web_subjects", "mode": "register_and_follow", "responsible": "joao",
               "config_user": "joao", "send_external_email": True, "staff_chat_id": -1001234567890,
               "staff_thread_id": 7},
    "staff": [{"login": "joao", "name": "João Silva", "telegram_user_id": 5001, "email": "joao@construtora.example",
               "active": True,
               "smtp": {"host": "smtp.construtora.example", "port": 587, "username": "joao", "password": "s3nha",
                        "sender": "joao@construtora.example", "starttls": True, "implicit_tls": False}}],
    "ticket_types": [{"id": 1, "name": "Assistência técnica"}],
    "subjects": [{"id": 10, "name": "Infiltração", "types": [1], "enabled": True, "responsible": "joao",
                  "empreendimentos": [100], "return_call": True,
                  "stages": [{"description": "Vistoria técnica", "responsible": "joao", "due_days": 3}]}],
    "empreendimentos": [{"id": 100, "name": "Residencial Jardins", "obras": [{"id": 1001, "name": "Torre A"}]}],
    "units": [{"id": 5000, "empreendimento": 100, "obra": 1001, "label": "Torre A - Apto 101",
               "items": ["Apartamento 101"]}],
    "customers": [{"id": 1, "name": "Ana Souza", "cpf": "123.456.789-09", "phones": ["+55 11 99999-0001"],
                   "email": "ana@example.com", "units": [5000]}],
    "tickets": [{"number": 120, "customer": 1, "type": 1, "subject": 10, "unit": 5000,
                 "description": "Mancha de umidade no teto.", "status": "Aberto", "origin": "telefone",
                 "created_at": "2025-03-14T09:30:00-03:00",
                 "stages": [{"description": "Vistoria técnica", "responsible": "joao", "status": "Resolvida",
                             "created_at": "2025-03-14T09:30:00-03:00", "completed_at": "2025-03-16T10:00:00-03:00",
                             "due_at": "2025-03-17T10:00:00-03:00", "template_position": 1,
                             "notes": [{"created_at": "2025-03-16T09:55:00-03:00", "author": "João Silva",
                                        "text": "Infiltração vinda da laje."}]}]}],
}


def leaves(value, path=()):
    """The path of every scalar of the catalogue (list items included)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path


FIELDS = list(leaves(COMPLETE))

SCALARS = st.one_of(
    st.sampled_from([
        "0123", "0x1F", "0o17", "0b101", "1_000", "1:30", "+5", "-0", "-1", "0", "123", "1e3", "1.5", ".inf", ".nan",
        "yes", "no", "on", "off", "true", "~", "null", "''", '""', "[]", "{}", "[1, 2]", "{a: 1}",
        "2025-02-30", "2025-02-28", "2025-02-30T10:00:00-03:00", "2025-03-14T09:30:00", "2025-03-14 09:30:00",
        "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2025-13-01T00:00:00Z",
        '"\\0senha"', '"\\ud800"', '"\\x7f"', '"\\t"', '"' + "a" * 300 + '"', '"  "',
        str(2**63 - 1), str(2**63), str(2**31), str(-(2**63)), "9" * 40, "65536", "3651",
    ]),
    st.integers().map(str),
    st.text(max_size=40).map(lambda text: yaml.safe_dump(text, default_style='"', width=10_000).strip()
                             .removesuffix("...").strip()),
)


def with_odd_value(path: tuple, scalar: str) -> bytes:
    import copy

    data = copy.deepcopy(COMPLETE)
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = MARK
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)
    return text.replace(MARK, scalar).encode("utf-8")


@pytest.mark.parametrize("path", [("staff", 0, "smtp", "password"), ("customers", 0, "cpf"),
                                  ("customers", 0, "phones", 0), ("units", 0, "label")],
                         ids=["password", "cpf", "phone", "label"])
@pytest.mark.parametrize("scalar", ["0123", "0x1F", "123"])
def test_an_unquoted_number_where_text_belongs_says_write_it_between_quotes(path, scalar):
    parsed = parse_bytes(with_odd_value(path, scalar), source="c.yaml", format="yaml")
    with pytest.raises(CatalogueRefused) as refused:
        validate(parsed.data, parsed.source, parsed.lines)
    [problem] = refused.value.problems
    assert (problem.code, problem.loc, problem.params["input"]) == ("quote_it", path, scalar)
    from bot.texts.operator import problem_line

    assert "escreva entre aspas" in problem_line("c.yaml", problem) and problem.line is not None


async def test_odd_scalars_in_every_field_are_typed_or_refused_cleanly(db, tmp_path):
    loop = asyncio.get_running_loop()
    failures: list[str] = []

    async def attempt(path: tuple, scalar: str) -> None:
        raw = with_odd_value(path, scalar)
        file = tmp_path / "catalogo.yaml"
        file.write_bytes(raw)
        before = await snapshot(db)
        try:
            await load_catalogue(db, file)
        except CatalogueRefused as refused:
            unplaced = [p for p in refused.problems if p.line is None or not p.loc and
                        not p.code.startswith(("yaml_", "json_"))]
            if unplaced:
                failures.append(f"{path} = {scalar!r}: refused without line or field: {unplaced}")
            if await snapshot(db) != before:
                failures.append(f"{path} = {scalar!r}: refused, but the database changed")
        except Exception as exc:  # noqa: BLE001 - the point: nothing else may come out
            failures.append(f"{path} = {scalar!r}: {type(exc).__name__}: {exc}")

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(path=st.sampled_from(FIELDS), scalar=SCALARS)
    def example(path, scalar):
        asyncio.run_coroutine_threadsafe(attempt(path, scalar), loop).result(timeout=60)

    await asyncio.to_thread(example)
    assert not failures, "\n".join(failures[:20])
