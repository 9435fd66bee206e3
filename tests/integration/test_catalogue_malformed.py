"""A malformed catalogue is refused as a whole: every error names the file, the line and the field, in Portuguese,
and the database is left exactly as it was (every table compared before and after), on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from bot.texts.operator import refusal_lines
from storage.catalogue import CatalogueRefused, import_file
from tests.support.catalogue import FIXTURES, load_catalogue, load_spec_example, snapshot

MALFORMED = FIXTURES / "malformed"
MARKER = b"# <- erro"

# file → what its error line says after "file, linha N" (the line is where the file carries its marker): the field
# path and the message, or ": message" for a problem of the file as a whole
CASES = {
    "wrong_type.yaml": "ticket_types[1].id: deve ser um número inteiro (encontrado: 'dois')",
    "unknown_reference.yaml": "customers[0].units[1]: unidade 5999 não existe (nem no arquivo nem no banco)",
    "duplicate_id.yaml": "units[2].id: id 5000 repetido (já usado na linha 10)",
    "bad_cpf.yaml": "customers[0].cpf: CPF/CNPJ inválido (dígitos verificadores não conferem)",
    "bad_phone.yaml": "customers[0].phones[1]: telefone inválido '(10) 9999-0001'",
    "missing_field.yaml": "customers[0].cpf: campo obrigatório ausente",
    "syntax_error.yaml": ": erro de sintaxe YAML (coluna 9): ':' fora de lugar",
    "latin1.yaml": ": o arquivo não está em UTF-8 (byte 0xE3); salve-o como UTF-8",
    "anchors.yaml": ": âncoras e aliases do YAML (&nome, *nome, <<) não são aceitos",
    "unknown_section.yaml": "clientes: seção desconhecida; as seções são: config, staff, ticket_types",
    "unknown_field.yaml": "customers[0].telefone: campo desconhecido; os campos aceitos aqui são: id, name, cpf",
    "not_a_mapping.yaml": ": o arquivo deve ser um bloco de seções",
    "obra_elsewhere.yaml": "units[0].obra: a obra 1001 é do empreendimento 100, não do 200",
    "duplicate_key.yaml": ": o campo 'name' aparece duas vezes no mesmo bloco",
    "naive_datetime.yaml": "tickets[0].created_at: data e hora sem fuso horário",
    "closed_without_date.yaml": "tickets[0].closed_at: um atendimento Encerrado precisa de closed_at",
    "pending_stage_in_cancelled.yaml": "tickets[0].stages[0].status: um atendimento Cancelado não pode ter etapa "
                                       "Pendente",
}
# JSON has no comments to carry a marker.
JSON_CASES = {
    "syntax_error.json": (7, ": erro de sintaxe JSON (coluna 60): esperava o nome de um campo entre aspas duplas"),
    "wrong_type.json": (9, "customers[0].units[0]: deve ser um número inteiro (encontrado: '5000')"),
}


def _after(message: str) -> str:
    return message if message.startswith(":") else f", {message}"


def marked_line(name: str) -> int:
    for number, line in enumerate((MALFORMED / name).read_bytes().split(b"\n"), start=1):
        if MARKER in line:
            return number
    raise AssertionError(f"{name} has no marker")


async def refusal(db, path, **kwargs) -> list[str]:
    """Imports into a database holding the SPEC example; returns the error lines, checking nothing changed."""
    await load_spec_example(db)
    before = await snapshot(db)
    with pytest.raises(CatalogueRefused) as refused:
        await import_file(db, path, source=path.name, **kwargs)
    assert await snapshot(db) == before
    return refusal_lines(refused.value.source, refused.value.problems)


@pytest.mark.parametrize("name", sorted(CASES))
async def test_a_malformed_yaml_file_is_refused_with_its_line_and_field(db, name):
    lines = await refusal(db, MALFORMED / name)

    expected = f"{name}, linha {marked_line(name)}" + _after(CASES[name])
    assert any(line.startswith(expected) for line in lines), (expected, lines)


@pytest.mark.parametrize("name", sorted(JSON_CASES))
async def test_a_malformed_json_file_is_refused_with_its_line(db, name):
    line, message = JSON_CASES[name]

    lines = await refusal(db, MALFORMED / name)

    assert any(x.startswith(f"{name}, linha {line}" + _after(message)) for x in lines), lines


async def test_an_empty_file_is_refused(db):
    assert await refusal(db, MALFORMED / "empty.yaml") == ["empty.yaml: arquivo vazio: nenhuma seção encontrada"]


async def test_a_missing_file_is_refused(db, tmp_path):
    assert await refusal(db, tmp_path / "catalogo.yaml") == ["catalogo.yaml: arquivo não encontrado"]


async def test_a_file_over_the_size_cap_is_refused_before_it_is_read(db, tmp_path):
    huge = tmp_path / "catalogo.yaml"
    with huge.open("wb") as stream:  # sparse: 51 MB on paper, nothing written
        stream.truncate(51 * 1024 * 1024)

    assert await refusal(db, huge) == ["catalogo.yaml: arquivo grande demais (51,0 MB; o limite é 50,0 MB)"]


async def test_a_document_another_customer_holds_is_refused(db, tmp_path):
    other = tmp_path / "outro.yaml"
    other.write_text('customers:\n  - {id: 2, name: Bia, cpf: "123.456.789-09"}\n', encoding="utf-8")

    assert await refusal(db, other) == [
        "outro.yaml, linha 2, customers[0].cpf: este CPF/CNPJ já é do cliente 1 no banco"]


async def test_every_error_is_listed_up_to_a_cap(db, tmp_path):
    many = tmp_path / "muitos.yaml"
    many.write_text("customers:\n" + "".join(
        f'  - {{id: {n}, name: Cliente {n}, cpf: "000.000.000-{n:02d}"}}\n' for n in range(1, 31)
    ), encoding="utf-8")

    lines = await refusal(db, many)

    assert len(lines) == 21 and lines[-1] == "… e mais 10 erros."
    assert lines[0] == "muitos.yaml, linha 2, customers[0].cpf: CPF/CNPJ inválido (dígitos verificadores não conferem)"


async def test_a_utf8_bom_is_accepted(db, uow_factory, tmp_path):
    with_bom = tmp_path / "catalogo.yaml"
    with_bom.write_bytes(b"\xef\xbb\xbf" + "ticket_types: [{id: 3, name: Reclamação}]\n".encode())

    await load_catalogue(db, with_bom)

    async with uow_factory() as uow:
        assert [t.name for t in await uow.catalogue.ticket_types()] == ["Reclamação"]


async def test_a_conflict_found_by_the_database_still_leaves_it_unchanged(db, tmp_path):
    # Two customers of one file with the same document are caught by the checks; the database's own unique
    # constraints stay the last word for anything else, and a refusal there rolls back everything too.
    twice = tmp_path / "dois.yaml"
    twice.write_text('customers:\n  - {id: 2, name: Bia, cpf: "529.982.247-25"}\n'
                     '  - {id: 3, name: Caio, cpf: "52998224725"}\n', encoding="utf-8")

    assert await refusal(db, twice) == [
        "dois.yaml, linha 3, customers[1].cpf: cpf 52998224725 repetido (já usado na linha 2)"]
