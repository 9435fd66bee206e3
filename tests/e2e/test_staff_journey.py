"""Ana reports a leak in Torre A 101; the staff group works it from Telegram until it is closed, and Ana is told
each change once.

The pendência arrives in the staff group with its buttons; João writes an observation with the button (and its
ForceReply), Maria with /obs; João resolves the vistoria with the button; the Reparo appears with its own pendência
for Maria, who resolves it; the atendimento moves by itself to A Retornar (Infiltração asks for a return call); João
closes it with /encerrar.
"""
from __future__ import annotations

import re

from tests.support.dialog import Action, says, verify_dialog
from tests.support.staff_world import (
    deliver_all,
    linked_customer,
    outbox,
    staff_bot,
    staff_team,
    ticket_state,
    wait_idle,
)


def in_group(group, text: str) -> Action:
    return Action(f"[in {group.title}] {text}", lambda person: person.say_in(group, text))


def answer_question(group, text: str) -> Action:
    """Replies to the bot's newest message in the group (its ForceReply question)."""
    return Action(f"[replies in {group.title}] {text}", lambda person: person.say_in(group, text, reply_to=group.last))


def press_in(group, label: str) -> Action:
    return Action(f"[presses {label!r} in {group.title}]", lambda person: person.press(label, chat=group))


async def ana_opens_her_leak(tg, bot, ana) -> int:
    """Ana's /novo, step by step as she would do it (a step with one possible answer is chosen for her)."""
    steps = [("send", "/novo"), ("press", "Assistência técnica"), ("press", "Infiltração"),
             ("press", "Residencial Jardins"), ("press", "Torre A - Apto 101"),
             ("send", "Vazamento no teto do banheiro da suíte desde a chuva de ontem"), ("press", "Enviar")]
    for kind, value in steps:
        if kind == "send":
            await ana.send(value)
        else:
            message = next((m for m in reversed(ana.messages) if any(value in b for b in m.buttons)), None)
            if message is None:
                continue
            await ana.press(next(b for b in message.buttons if value in b), message)
        await wait_idle(tg, bot)
    opened = [m.text for m in ana.messages if "registrado" in m.text]
    assert opened, [m.text for m in ana.messages][-3:]
    return int(re.search(r"nº (\d+)", opened[-1]).group(1))


async def test_the_staff_group_works_an_atendimento_from_pendencia_to_encerrado(tg, database_url):
    async with staff_bot(tg, database_url) as (bot, clock):
        team = await staff_team(tg, bot)
        group, joao, maria = team.group, team.joao, team.maria
        me = tg.bot.username
        ana = await linked_customer(tg)
        number = await ana_opens_her_leak(tg, bot, ana)
        ana_seen = len(ana.messages)

        await deliver_all(bot, clock)
        [post] = group.messages
        assert f"Novo atendimento nº {number}" in post.text and "Ana Souza" in post.text
        assert "Residencial Jardins · Torre A · Torre A - Apto 101" in post.text
        assert "Etapa 1: Vistoria técnica" in post.text and "João Silva (@joao)" in post.text
        assert post.buttons == ["🔎 Ver", "✅ Resolver etapa 1", "💬 Nova observação"]
        assert [m.text for m in joao.messages if f"nº {number}" in m.text], "João's private copy of the pendência"
        group._acted()

        await verify_dialog(joao, [
            (press_in(group, "🔎 Ver"),
             says(f"Atendimento nº {number}", "Ana Souza", "Apartamento 101, Vaga 12", "Etapa 1 — Vistoria técnica",
                  "Responsável: João Silva", in_chat=group, with_buttons=["✅ Resolver etapa 1"])),
            (press_in(group, "💬 Nova observação"),
             says("escreva a observação para a etapa 1", f"nº {number}", in_chat=group)),
            (answer_question(group, "Vistoria agendada para amanhã às 9h"),
             says(f"Observação registrada na etapa 1 do atendimento nº {number}", in_chat=group)),
        ])
        await verify_dialog(maria, [
            (in_group(group, f"/obs@{me} {number} 1 Levar escada e medidor de umidade"),
             says(f"Observação registrada na etapa 1 do atendimento nº {number}", in_chat=group)),
        ])
        await verify_dialog(joao, [
            (press_in(group, "✅ Resolver etapa 1"),
             says("para resolver a etapa 1 — Vistoria técnica", "hífen", in_chat=group)),
            (answer_question(group, "Infiltração pela janela da suíte; vedação condenada"),
             says(f"Etapa 1 do atendimento nº {number} resolvida; criada a etapa 2 — Reparo (Maria Oliveira, prazo",
                  in_chat=group)),
        ])
        assert await ticket_state(bot, number) == ("Aberto", [(1, "Resolvida"), (2, "Pendente")])

        await deliver_all(bot, clock)
        [reparo] = group.unread
        assert f"Nova etapa no atendimento nº {number}" in reparo.text and "Etapa 2: Reparo" in reparo.text
        assert "Maria Oliveira (@maria)" in reparo.text
        assert reparo.buttons == ["🔎 Ver", "✅ Resolver etapa 2", "💬 Nova observação"]
        group._acted()

        await verify_dialog(maria, [
            (in_group(group, f"/resolver@{me} {number} 2 Vedação refeita e pintura retocada"),
             [says(f"Etapa 2 do atendimento nº {number} resolvida", "agora está", "A Retornar", in_chat=group)]),
        ])
        await verify_dialog(joao, [
            (in_group(group, f"/encerrar@{me} {number} Cliente confirmou que parou de vazar"),
             says(f"Atendimento nº {number} agora está", "Encerrado", in_chat=group)),
            (in_group(group, f"/encerrar {number}"),
             says(f"O atendimento {number} está Encerrado e não pode mais ser alterado", in_chat=group)),
        ])
        assert await ticket_state(bot, number) == ("Encerrado", [(1, "Resolvida"), (2, "Resolvida")])

        await deliver_all(bot, clock)
        told = "\n".join(m.text for m in ana.messages[ana_seen:])
        for push in ("Vistoria agendada para amanhã às 9h", "Levar escada e medidor de umidade",
                     "Infiltração pela janela da suíte", "etapa 1 — Vistoria técnica está ✅ Resolvida",
                     "nova etapa 2 — Reparo", "Vedação refeita e pintura retocada", "etapa 2 — Reparo está ✅ Resolvida",
                     "a equipe vai entrar em contato", "Cliente confirmou que parou de vazar", "foi encerrado"):
            assert told.count(push) == 1, (push, told)
        customer_rows = [r for r in await outbox(bot) if r.audience == "customer" and r.state != "skipped"]
        assert all(r.state == "delivered" for r in customer_rows), [(r.key, r.state) for r in customer_rows]
        assert len({r.key for r in customer_rows}) == len(customer_rows) == 10
        assert len(group.messages) == 2 + 9  # the two pendências, and the answers to what staff did there
        tg.assert_no_client_errors()
