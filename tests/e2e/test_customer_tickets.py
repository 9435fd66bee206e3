"""/meus and /detalhes (SPEC.md "Customer commands"), honouring `visibility` and `mode`, and the customer's own
cancellation of an atendimento from /detalhes. Every unreachable atendimento gets the same "não encontrado"."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from bot.texts.format import TELEGRAM_MAX_CHARS
from bot.texts.labels import BUTTON_NEXT, BUTTON_PREVIOUS
from domain.services.tickets import NewTicketRequest
from storage import tables as t
from tests.support.bot_harness import ANA_PHONE, BRUNO_PHONE, running_bot
from tests.support.customer_steps import (
    forge_press,
    internal_messages_of,
    linked,
    outbox_of,
    ticket_row,
    wait_idle,
)
from tests.support.dialog import command, photo, press, reply, says, verify_dialog

NOT_FOUND = "Atendimento não encontrado. Confira o número em /meus."
NOT_OFFERED = "não é oferecido por este canal"
PAGE_1 = [f"🔎 Ver detalhes nº {n}" for n in (9, 7, 6, 5, 4)]
PAGE_2 = [f"🔎 Ver detalhes nº {n}" for n in (2, 1)]
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # the `clock` fixture: 27/11/2026 09:00 in São Paulo


@pytest.fixture
async def bot(tg, database_url, clock):
    """The bot at a known moment, with a 9th atendimento of Ana's, the newest (Infiltração in Torre A 101)."""
    async with running_bot(tg, database_url, clock=clock) as running:
        await running.services.tickets.open_ticket(
            1, NewTicketRequest(1, 10, 100, 5000, "Vazamento no teto do banheiro da suíte")
        )
        yield running


async def test_meus_pages_forwards_and_back_newest_first(tg, bot):
    ana = await linked(tg, "Ana", ANA_PHONE)
    transcript = await verify_dialog(ana, [
        ("/meus", says("Seus atendimentos — 7 no total (página 1 de 2)", "Nº 9 · 🟡 Aberto", "Categoria: Infiltração",
                       "Descrição: Vazamento no teto do banheiro da suíte", "Cadastro: 27/11/2026 09:00 · Término: —",
                       "Nº 7", "Nº 6 · 📞 A Retornar", "Nº 5", "Nº 4 · ❌ Cancelado",
                       without=["Nº 3", "Nº 2", "Nº 1 "], buttons=[*PAGE_1, BUTTON_NEXT])),
        (press(BUTTON_NEXT), says("(página 2 de 2)", "Nº 2 · ✅ Encerrado", "Nº 1 · ✅ Encerrado",
                                  "Cadastro: 01/09/2026 10:00 · Término: 10/09/2026 16:00",
                                  without=["Nº 9", "Nº 4", "Nº 3"], buttons=[*PAGE_2, BUTTON_PREVIOUS], edit=True)),
        (press(BUTTON_PREVIOUS), says("(página 1 de 2)", buttons=[*PAGE_1, BUTTON_NEXT], edit=True)),
        (press("🔎 Ver detalhes nº 6"), says("Atendimento nº 6", "Status: 📞 A Retornar", edit=False)),
    ])
    shown = [line for line in str(transcript).split("\n") if "Nº " in line and " · " in line]
    numbers = [line.split("Nº ")[1].split(" ")[0] for line in shown]
    assert numbers[:7] == ["9", "7", "6", "5", "4", "2", "1"]  # page 1 then 2: nothing missed, nothing twice
    tg.assert_no_client_errors()


async def test_detalhes_of_her_own_atendimento_shows_every_stage_and_note(tg, bot):
    ana = await linked(tg, "Ana", ANA_PHONE)
    await verify_dialog(ana, [
        (command("/detalhes", 1), says(
            "📄 Atendimento nº 1", "Status: ✅ Encerrado", "Data cadastro: 01/09/2026 10:00",
            "Data término: 10/09/2026 16:00", "Tipo: Assistência técnica", "Assunto: Infiltração",
            "Unidade: Residencial Jardins · Torre A · Torre A - Apto 101", "Mancha de umidade no teto do quarto",
            "Etapa 1 — Vistoria técnica", "Status: ✅ Resolvida",
            "Criação: 01/09/2026 10:00 · Conclusão: 03/09/2026 11:00",
            "Observações:", "• 03/09/2026 11:00 — João Silva", "Infiltração pela janela.",
            "Etapa 2 — Reparo", "Criação: 03/09/2026 11:00 · Conclusão: 10/09/2026 16:00",
            buttons=[])),  # Encerrado: nothing to cancel
        (command("/detalhes", "#9"), says("Atendimento nº 9", "Status: 🟡 Aberto", "Data cadastro: 27/11/2026 09:00",
                                          "Etapa 1 — Vistoria técnica", "Status: ⏳ Pendente", "Conclusão: —",
                                          buttons=["❌ Cancelar atendimento nº 9"])),
        (command("/detalhes", 4), says("❌ Cancelado", "Motivo do cancelamento: Cliente resolveu por conta própria",
                                       buttons=[])),
    ])
    tg.assert_no_client_errors()


async def test_every_unreachable_atendimento_gets_the_same_answer(tg, bot):
    ana = await linked(tg, "Ana", ANA_PHONE)
    answers = []
    for argument in ("8", "3", "999", "0", "-1", "abc", "9" * 40, "1 2", "１", "1.5", "<b>1</b>", "%s", "2⁰"):
        await ana.command("/detalhes", argument)
        [answer] = await ana.wait_for_reply()
        answers.append(answer.text)
    assert set(answers) == {NOT_FOUND}, answers
    await verify_dialog(ana, [("/detalhes", says("Envie /detalhes seguido do número do atendimento"))])
    for data in ("m:d:8", "m:d:3", "m:d:999", f"m:d:{'9' * 18}", "d:x:8", "d:x:3", "d:x:0", "d:x:abc"):
        query = forge_press(tg, ana, data)
        assert await query.wait_answered()
        assert query.answer_text == NOT_FOUND, (data, query.answer_text)
    await wait_idle(tg, bot)
    await ana.expect_no_reply()
    tg.assert_no_client_errors()


async def test_register_only_offers_registering_but_no_following(tg, bot):
    ana = await linked(tg, "Ana", ANA_PHONE)
    await verify_dialog(ana, [("/meus", says("Seus atendimentos"))])
    listing = ana.last
    await bot.configure(mode="register_only")
    await verify_dialog(ana, [
        ("/start", says("já está vinculada", "/novo", NOT_OFFERED, without=["/meus"])),
        ("/meus", says(NOT_OFFERED)),
        (command("/detalhes", 1), says(NOT_OFFERED)),
        (command("/detalhes", 8), says(NOT_OFFERED)),
        ("/ajuda", says("/novo", NOT_OFFERED, without=["/meus", "/detalhes"])),
        ("/novo", says("Qual é o tipo de atendimento?")),
    ])
    query = await ana.press("🔎 Ver detalhes nº 9", listing)  # a /meus from before the change
    assert await query.wait_answered() and NOT_OFFERED in query.answer_text
    query = await ana.press(BUTTON_NEXT, listing)
    assert await query.wait_answered() and NOT_OFFERED in query.answer_text
    query = forge_press(tg, ana, "d:x:9")
    assert await query.wait_answered() and NOT_OFFERED in query.answer_text
    tg.assert_no_client_errors()


async def test_visibility_web_subjects_hides_disabled_subjects_and_all_shows_them(tg, bot):
    ana = await linked(tg, "Ana", ANA_PHONE)
    await verify_dialog(ana, [
        ("/meus", says("7 no total", without=["Nº 3"])),
        (press(BUTTON_NEXT), says("Nº 2", "Nº 1", without=["Nº 3"])),
        (command("/detalhes", 3), says(NOT_FOUND)),
    ])
    await bot.configure(visibility="all")
    await verify_dialog(ana, [
        ("/meus", says("8 no total (página 1 de 2)")),
        (press(BUTTON_NEXT), says("Nº 3 · 🟡 Aberto", "Categoria: Documentação", "Nº 2", "Nº 1",
                                  buttons=[f"🔎 Ver detalhes nº {n}" for n in (3, 2, 1)] + [BUTTON_PREVIOUS])),
        (command("/detalhes", 3), says("Atendimento nº 3", "Assunto: Documentação", "Etapa 1 — Análise")),
        (command("/detalhes", 8), says(NOT_FOUND)),  # "all" is all of hers, never somebody else's
    ])
    tg.assert_no_client_errors()


async def test_a_long_atendimento_is_split_at_line_boundaries(tg, bot):
    async with bot.database.engine.begin() as connection:
        stage_id = (await connection.execute(select(t.stages.c.id).join(t.tickets).where(
            t.tickets.c.number == 7))).scalar_one()
        notes = [f"Nota {i:02d}: <b>medição</b> & ajuste — " + "linha de texto comprido " * 12 + f"fim {i:02d}"
                 for i in range(40)]
        notes.append("palavra " * 700)  # one line longer than a whole message
        notes.append("\u200b" * 5000)  # and one that Telegram would show as nothing at all (another system wrote it)
        notes.append("\n".join(f"item {i} 💧 <i>" for i in range(200)))  # many short lines, emoji and a bare <
        await connection.execute(insert(t.notes), [
            {"stage_id": stage_id, "created_at": NOW, "author": "Maria <Oliveira> & Cia", "text": text}
            for text in notes
        ])
    ana = await linked(tg, "Ana", ANA_PHONE)
    await ana.command("/detalhes", 7)
    await wait_idle(tg, bot)
    parts = [reply for reply in ana.unread]
    assert len(parts) >= 4
    assert all(len(p.text.encode("utf-16-le")) // 2 <= TELEGRAM_MAX_CHARS for p in parts)
    whole = "\n".join(p.text for p in parts)
    assert all(f"fim {i:02d}" in whole for i in range(40))
    assert "item 199 💧 <i>" in whole and "Maria <Oliveira> & Cia" in whole
    assert parts[0].text.startswith("📄 Atendimento nº 7")
    assert [p.buttons for p in parts][-1] == ["❌ Cancelar atendimento nº 7"]  # the button on the last part only
    assert all(not p.buttons for p in parts[:-1])
    tg.assert_no_bad_requests()
    tg.assert_no_client_errors()


async def test_ana_cancels_her_atendimento_giving_a_reason(tg, bot):
    ana = await linked(tg, "Ana", ANA_PHONE)
    await verify_dialog(ana, [
        (command("/detalhes", 7), says("Atendimento nº 7", buttons=["❌ Cancelar atendimento nº 7"])),
        (press("❌ Cancelar atendimento nº 7"), says("Por que você quer cancelar o atendimento nº 7?")),
        (photo(), says("Preciso do motivo em texto", "nº 7")),
        (reply("ok"), says("curto demais")),
        ("/cancelar", says("continua aberto")),
        ("O eletricista do prédio resolveu", says("Não entendi")),
        (press("❌ Cancelar atendimento nº 7"), says("Por que você quer cancelar")),
        (reply("O eletricista do prédio já resolveu"), says("Atendimento nº 7 cancelado", "A equipe foi avisada")),
        (command("/detalhes", 7), says("Status: ❌ Cancelado", "Data término: 27/11/2026 09:00",
                                       "Motivo do cancelamento: O eletricista do prédio já resolveu",
                                       "Status: ❌ Cancelada", buttons=[])),
    ])
    ticket = await ticket_row(bot.database, 7)
    assert (ticket.status, ticket.cancel_reason, ticket.closed_at) == ("Cancelado", "O eletricista do prédio já resolveu",
                                                                       NOW)
    [message] = await internal_messages_of(bot.database, ticket.id)
    assert message.kind == "cancelado_pelo_cliente" and message.params["reason"] == ticket.cancel_reason
    keys = {row.key for row in await outbox_of(bot.database, ticket.id)}
    assert f"g:message:{message.id}" in keys and f"u:{message.to_staff_id}:message:{message.id}" in keys
    # The old button, pressed again, and a forged one for somebody else's atendimento: refused.
    query = await ana.press("❌ Cancelar atendimento nº 7")
    assert await query.wait_answered() and "Cancelado" in query.answer_text
    query = forge_press(tg, ana, "d:x:8")
    assert await query.wait_answered() and query.answer_text == NOT_FOUND
    await wait_idle(tg, bot)
    assert (await ticket_row(bot.database, 8)).status == "Aberto"
    tg.assert_no_client_errors()


async def test_cancellation_is_offered_only_while_no_stage_is_resolved(tg, bot):
    joao = await bot.services.staff.staff_by_telegram(5001)
    await bot.services.tickets.resolve_stage(joao, 9, 1)  # the vistoria is done: the reparo follows
    ana = await linked(tg, "Ana", ANA_PHONE)
    await verify_dialog(ana, [
        (command("/detalhes", 9), says("Status: 🟡 Aberto", "Etapa 2 — Reparo", buttons=[])),
        (command("/detalhes", 6), says("A Retornar", buttons=[])),
    ])
    query = forge_press(tg, ana, "d:x:9")
    assert await query.wait_answered() and "já tem etapa resolvida" in query.answer_text
    await wait_idle(tg, bot)
    assert (await ticket_row(bot.database, 9)).status == "Aberto"
    tg.assert_no_client_errors()


async def test_a_cancellation_and_a_new_atendimento_never_mix(tg, bot):
    ana = await linked(tg, "Ana", ANA_PHONE)
    await verify_dialog(ana, [
        (command("/detalhes", 7), says("Atendimento nº 7")),
        (press("❌ Cancelar atendimento nº 7"), says("Por que você quer cancelar")),
        ("/novo", says("Qual é o tipo de atendimento?")),  # /novo leaves the cancellation
        (press("Solicitação"), says("Qual unidade?")),
        (press("Torre A - Apto 101 — Apartamento 101, Vaga 12"), says("descreva")),
        ("Preciso da segunda via do boleto de dezembro", [says(edit=True), says("Confira o seu atendimento")]),
        (press("✖️ Cancelar"), says("Abertura de atendimento cancelada")),
        ("Obrigada pela atenção de vocês", says("Não entendi")),
        ("/novo", says("Qual é o tipo de atendimento?")),
        (command("/detalhes", 9), says("Atendimento nº 9")),
        # pressing "Cancelar atendimento" leaves the wizard: the reason is never taken for a description
        (press("❌ Cancelar atendimento nº 9"), [says(edit=True, buttons=[]), says("Por que você quer cancelar")]),
        (reply("Abri por engano, desculpem"), says("Atendimento nº 9 cancelado")),
        ("Vazamento no teto da sala de estar", says("Não entendi")),
    ])
    assert (await ticket_row(bot.database, 7)).status == "Aberto"
    assert (await ticket_row(bot.database, 9)).status == "Cancelado"
    assert await ticket_row(bot.database, 10) is None
    tg.assert_no_client_errors()


async def test_bruno_sees_only_his_own(tg, bot):
    bruno = await linked(tg, "Bruno", BRUNO_PHONE)
    await verify_dialog(bruno, [
        ("/meus", says("1 no total", "Nº 8", "Lâmpada externa queimada", buttons=["🔎 Ver detalhes nº 8"])),
        (command("/detalhes", 9), says(NOT_FOUND)),
        (command("/detalhes", 1), says(NOT_FOUND)),
    ])
    carla = await linked(tg, "Carla", "+5541977770003")
    await verify_dialog(carla, [("/meus", says("Você ainda não tem atendimentos"))])
    tg.assert_no_client_errors()


async def test_a_refused_button_leaves_the_conversation_where_it_was(tg, bot):
    ana = await linked(tg, "Ana", ANA_PHONE)
    await verify_dialog(ana, [
        ("/novo", says("Qual é o tipo de atendimento?")),
        (press("Solicitação"), says("Qual unidade?")),
        (press("Torre A - Apto 101 — Apartamento 101, Vaga 12"), says("descreva")),
    ])
    for data in ("d:x:8", "d:x:1", "n:zz", "n:c:u:7000"):  # someone else's, a closed one, garbage, another's unit
        query = forge_press(tg, ana, data)
        assert await query.wait_answered(), data
    await wait_idle(tg, bot)
    await verify_dialog(ana, [
        ("Segunda via do boleto de dezembro", [says(edit=True), says("Confira o seu atendimento")]),
        (command("/detalhes", 7), says("Atendimento nº 7")),
        (press("❌ Cancelar atendimento nº 7"), [says(edit=True, buttons=[]), says("Por que você quer cancelar")]),
    ])
    for data in ("d:x:8", "n:ok", "n:zz", "m:d:999"):
        query = forge_press(tg, ana, data)
        assert await query.wait_answered(), data
    await wait_idle(tg, bot)
    await verify_dialog(ana, [(reply("Já resolvido pelo síndico"), says("Atendimento nº 7 cancelado"))])
    assert (await ticket_row(bot.database, 7)).status == "Cancelado"
    tg.assert_no_client_errors()
