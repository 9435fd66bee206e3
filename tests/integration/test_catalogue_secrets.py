"""SMTP passwords at rest (issue 10, point 8), on SQLite and PostgreSQL: sealed by the import with
ATENDIMENTO_SECRET_KEY, refused without one, unchanged by a re-import of the same file; the key setting checked at
start-up; `atendimento secret-key --into .env` writes one only when there is none; /diag's warning about a login
without TLS."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.handlers.staff_group import sends_password_in_clear
from bot.secret_key import ensure_key_in
from bot.settings import SettingsError, load_settings
from bot.texts import operator
from bot.texts.staff import diag_smtp_without_tls
from domain.catalogue import SmtpSettings
from storage import tables as t
from storage.catalogue import CatalogueRefused
from tests.support.catalogue import SPEC_EXAMPLE, TEST_SECRETS, load_catalogue, snapshot


async def stored_password(db) -> str:
    async with db.engine.connect() as connection:
        return (await connection.execute(
            select(t.staff_users.c.smtp_password).where(t.staff_users.c.login == "joao"))).scalar_one()


async def test_the_password_is_stored_sealed_and_a_reimport_changes_nothing(db):
    await load_catalogue(db, SPEC_EXAMPLE)
    sealed = await stored_password(db)
    assert sealed != "…" and TEST_SECRETS.open(sealed) == "…"
    before = await snapshot(db)

    summary = await load_catalogue(db, SPEC_EXAMPLE)

    assert summary.staff.updated == 0 and await snapshot(db) == before


async def test_without_a_key_a_password_is_refused_with_how_to_set_one(db):
    before = await snapshot(db)

    with pytest.raises(CatalogueRefused) as refused:
        await load_catalogue(db, SPEC_EXAMPLE, secrets=None)

    [problem] = refused.value.problems
    assert (problem.code, problem.loc, problem.line) == ("secret_key_missing", ("staff", 0, "smtp", "password"), 7)
    assert "defina ATENDIMENTO_SECRET_KEY no .env" in operator.problem_line("c.yaml", problem)
    assert await snapshot(db) == before


@pytest.mark.parametrize("key", ["curta", "x" * 44, "é" * 44])
def test_a_malformed_key_stops_start_up_with_one_sentence(key):
    with pytest.raises(SettingsError) as error:
        load_settings(atendimento_secret_key=key)
    assert str(error.value).startswith("Configuração inválida em ATENDIMENTO_SECRET_KEY: ")
    assert "\n" not in str(error.value) and key not in str(error.value)


def test_secret_key_into_env_writes_one_only_when_there_is_none(tmp_path, monkeypatch):
    monkeypatch.delenv("ATENDIMENTO_SECRET_KEY", raising=False)
    env = tmp_path / ".env"
    env.write_text("TELEGRAM_BOT_TOKEN=\nATENDIMENTO_SECRET_KEY=\n", encoding="utf-8")

    assert ensure_key_in(env)
    first = env.read_text(encoding="utf-8")
    assert not ensure_key_in(env) and env.read_text(encoding="utf-8") == first
    [line] = [x for x in first.splitlines() if x.startswith("ATENDIMENTO_SECRET_KEY=")]
    assert load_settings(atendimento_secret_key=line.split("=", 1)[1]).secret_box() is not None
    assert first.startswith("TELEGRAM_BOT_TOKEN=\n") and env.stat().st_mode & 0o077 == 0

    monkeypatch.setenv("ATENDIMENTO_SECRET_KEY", line.split("=", 1)[1])
    other = tmp_path / "other.env"
    assert not ensure_key_in(other) and not other.exists()  # the environment has one


def test_diag_warns_when_a_login_would_go_without_tls():
    plain = SmtpSettings(host="smtp.x", port=25, sender="a@x.example", username="joao", password="s",
                         starttls=False, implicit_tls=False)
    assert sends_password_in_clear(plain)
    assert not sends_password_in_clear(SmtpSettings(host="smtp.x", port=587, sender="a@x.example", username="joao"))
    assert not sends_password_in_clear(SmtpSettings(host="smtp.x", port=465, sender="a@x.example", username="j",
                                                    starttls=False, implicit_tls=True))
    assert not sends_password_in_clear(SmtpSettings(host="smtp.x", port=25, sender="a@x.example", starttls=False))
    assert "sem criptografia" in diag_smtp_without_tls("João <b>")
    assert "&lt;b&gt;" in diag_smtp_without_tls("João <b>")
