"""`config.weekly_report` in the catalogue: stored in its canonical form, removed with null, and a malformed value
refused with its file, line and field (the database unchanged), on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.texts.operator import refusal_lines
from storage import tables as t
from storage.catalogue import CatalogueRefused, import_file
from tests.support.catalogue import load_spec_example, snapshot


async def weekly_report(db) -> str | None:
    async with db.engine.connect() as connection:
        return (await connection.execute(select(t.service_config.c.weekly_report))).scalar_one()


async def test_the_weekly_report_is_set_in_the_catalogue(db, tmp_path):
    await load_spec_example(db)
    assert await weekly_report(db) is None  # absent: no weekly report
    path = tmp_path / "config.yaml"
    path.write_text("config:\n  weekly_report: 'Seg 8:30'\n", encoding="utf-8")
    await import_file(db, path, source=path.name)
    assert await weekly_report(db) == "mon 08:30"
    path.write_text("config:\n  weekly_report: null\n", encoding="utf-8")
    await import_file(db, path, source=path.name)
    assert await weekly_report(db) is None


@pytest.mark.parametrize("value", ["'monday 08:00'", "'mon 25:00'", "'08:00'", "3"])
async def test_a_malformed_weekly_report_is_refused_with_its_line_and_field(db, tmp_path, value):
    await load_spec_example(db)
    before = await snapshot(db)
    path = tmp_path / "config.yaml"
    path.write_text(f"config:\n  visibility: all\n  weekly_report: {value}\n", encoding="utf-8")
    with pytest.raises(CatalogueRefused) as refused:
        await import_file(db, path, source=path.name)
    [line] = refusal_lines(refused.value.source, refused.value.problems)
    if value == "3":
        assert line == "config.yaml, linha 3, config.weekly_report: o YAML leu 3 como um número, não como texto: escreva entre aspas, como \"3\""
    else:
        assert line == (f"config.yaml, linha 3, config.weekly_report: agenda inválida {value}: use dia da semana e "
                        "hora, como \"mon 08:00\" (mon, tue, wed, thu, fri, sat, sun; ou seg, ter, qua, qui, sex, "
                        "sab, dom)")
    assert await snapshot(db) == before
