"""Every staff command and its refusals, in the staff group, in a forum topic and in a staff user's private chat.

Tickets 1–8 are e2e.yaml's history (1, 2, 5 Encerrado; 4 Cancelado; 6 A Retornar; 3, 7, 8 Aberto); the tests open
new ones through TicketService, as /novo's "Enviar" would.
"""
from __future__ import annotations

from bot.texts import labels
from tests.support.dialog import Action, no_answer, says, verify_dialog
from sandbox.emulator.callback_queries import CallbackQuery, new_query_id
from sandbox.emulator.files import store_file
from tests.support.staff_world import (
    BRUNO,
    LAMP_REQUEST,
    deliver_all,
    internal_messages,
    linked_customer,
    open_ticket,
    outbox,
    staff_bot,
    staff_team,
    ticket_state,
    wait_idle,
)

NOT_STAFF = "Este comando é só para a equipe da construtora."


def in_group(group, text: str, topic=None) -> Action:
    return Action(f"[in {group.title}] {text}", lambda person: person.say_in(group, text, topic=topic))


def answer_question(chat, text: str) -> Action:
    """Replies to the bot's newest message in `chat` (a group, or the person's private chat)."""
    if hasattr(chat, "title"):
        return Action(f"[replies in {chat.title}] {text}", lambda person: person.say_in(chat, text, reply_to=chat.last))
    return Action(f"[replies] {text}", lambda person: person.reply(text))


async def test_cancelling_stages_and_atendimentos_and_adding_stages(tg, database_url):
    async with staff_bot(tg, database_url) as (bot, clock):
        team = await staff_team(tg, bot)
        group, joao = team.group, team.joao
        ana = await linked_customer(tg)
        first, second = await open_ticket(bot), await open_ticket(bot)
        lamp = await open_ticket(bot, BRUNO, LAMP_REQUEST)

        await verify_dialog(joao, [
            (in_group(group, f"/cancelar_etapa {first} 1 Cliente pediu para reagendar a vistoria"),
             says(f"Etapa 1 do atendimento nº {first} cancelada.", without=["agora está"], in_chat=group)),
            (in_group(group, f"/etapa {first} @maria Nova vistoria com o cliente presente"),
             says(f"Atendimento nº {first}: criada a etapa 2 — Nova vistoria com o cliente presente "
                  "(Maria Oliveira, sem prazo).", in_chat=group)),
            (in_group(group, f"/cancelar_atendimento {first} Aberto em duplicidade"),
             says(f"Atendimento nº {first} agora está", "Cancelado", in_chat=group)),
            (in_group(group, f"/resolver {second} 1"),
             says(f"Etapa 1 do atendimento nº {second} resolvida; criada a etapa 2 — Reparo", in_chat=group)),
            (in_group(group, f"/cancelar_atendimento {second} Cliente desistiu"),
             says(f"O atendimento {second} já tem etapa resolvida e por isso não pode ser cancelado.", in_chat=group)),
            (in_group(group, f"/retornar {second}"),
             says("Ainda há etapas pendentes (2)", in_chat=group)),
            (in_group(group, f"/cancelar_etapa {second} 2 Cliente fará o reparo por conta própria"),
             says(f"Etapa 2 do atendimento nº {second} cancelada.", f"Atendimento nº {second} agora está",
                  "A Retornar", in_chat=group)),
            (in_group(group, f"/retornar {second}"),
             says(f"O atendimento {second} está A Retornar e não pode passar para A Retornar.", in_chat=group)),
            (in_group(group, f"/encerrar {second}"),
             says(f"Atendimento nº {second} agora está", "Encerrado", in_chat=group)),
            (in_group(group, f"/etapa {lamp} Trocar o reator da luminária"),
             says("criada a etapa 2 — Trocar o reator da luminária (João Silva, sem prazo)", in_chat=group)),
            (in_group(group, f"/resolver {lamp} 1 Lâmpada trocada"),
             says(f"Etapa 1 do atendimento nº {lamp} resolvida.", without=["agora está"], in_chat=group)),
            (in_group(group, f"/resolver {lamp} 2"),
             says(f"Etapa 2 do atendimento nº {lamp} resolvida.", "agora está", "Encerrado", in_chat=group)),
        ])
        assert await ticket_state(bot, first) == ("Cancelado", [(1, "Cancelada"), (2, "Cancelada")])
        assert await ticket_state(bot, second) == ("Encerrado", [(1, "Resolvida"), (2, "Cancelada")])
        assert await ticket_state(bot, lamp) == ("Encerrado", [(1, "Resolvida"), (2, "Resolvida")])

        await deliver_all(bot, clock)
        told = "\n".join(m.text for m in ana.messages)
        assert told.count(f"Atendimento nº {first}: foi cancelado") == 1 and "Motivo: Aberto em duplicidade" in told
        assert told.count(f"nº {second}: a equipe vai entrar em contato") == 1
        assert told.count(f"nº {second}: foi encerrado") == 1
        # A new stage raises its own pendência in the group, whoever created it.
        assert [m for m in group.messages if f"Nova etapa no atendimento nº {first}" in m.text
                and "Nova vistoria com o cliente presente" in m.text]
        tg.assert_no_client_errors()


async def test_nobody_but_staff_changes_anything_and_bad_arguments_get_the_usage(tg, database_url):
    async with staff_bot(tg, database_url) as (bot, clock):
        team = await staff_team(tg, bot)
        group, joao, ze = team.group, team.joao, team.ze
        ana = await linked_customer(tg)
        elsewhere = tg.group("Família Silva", members=(joao,), bot="administrator")
        number = await open_ticket(bot)
        await deliver_all(bot, clock)
        [post] = group.messages
        group._acted()
        rows_before = len(await outbox(bot))

        await verify_dialog(ze, [
            (in_group(group, f"/ver@{tg.bot.username} {number}"), says(NOT_STAFF, in_chat=group)),
            (in_group(group, f"/resolver {number} 1"), says(NOT_STAFF, in_chat=group)),
            (in_group(group, "/pendencias"), says(NOT_STAFF, in_chat=group)),
            (in_group(group, "/diag"), says(NOT_STAFF, in_chat=group)),
            (in_group(group, "bom dia, pessoal"), no_answer(in_chat=group)),
        ])
        press = await ze.press("✅ Resolver etapa 1", post)
        assert await press.wait_answered() and press.answer_text == NOT_STAFF
        press = await ze.press("🔎 Ver", post)
        assert await press.wait_answered() and press.answer_text == NOT_STAFF
        await group.expect_no_reply()

        await verify_dialog(ana, [
            (f"/resolver {number} 1", NOT_STAFF),
            ("/pendencias", NOT_STAFF),
            (f"/ver {number}", NOT_STAFF),
        ])
        await verify_dialog(joao, [
            (in_group(elsewhere, f"/ver {number}"),
             says("Os comandos da equipe funcionam só no grupo da equipe ou no seu chat privado", in_chat=elsewhere)),
            (in_group(elsewhere, f"/resolver {number} 1"), says("só no grupo da equipe", in_chat=elsewhere)),
        ])
        assert await ticket_state(bot, number) == ("Aberto", [(1, "Pendente")])
        assert len(await outbox(bot)) == rows_before

        usage = [
            ("/ver", "Uso: /ver número"), ("/ver abc", "Uso: /ver número"), (f"/ver {number} 2", "Uso: /ver número"),
            ("/ver 0", "Uso: /ver número"), ("/pendencias todas", "Uso: /pendencias"),
            (f"/obs {number} 1", "Uso: /obs número etapa texto"), (f"/obs {number} x texto", "Uso: /obs"),
            (f"/resolver {number}", "Uso: /resolver número etapa"), ("/resolver", "Uso: /resolver"),
            (f"/etapa {number}", "Uso: /etapa número descrição"), (f"/etapa {number} @maria", "Uso: /etapa"),
            (f"/cancelar_etapa {number} 1", "Uso: /cancelar_etapa número etapa motivo"),
            ("/retornar", "Uso: /retornar número"), (f"/retornar {number} já", "Uso: /retornar"),
            ("/encerrar", "Uso: /encerrar número"), (f"/cancelar_atendimento {number}", "Uso: /cancelar_atendimento"),
        ]
        # Most of these in João's private chat: Telegram lets a bot post only 20 messages a minute in a group.
        await verify_dialog(joao, [(in_group(group, text), says(expected, in_chat=group)) for text, expected in usage[:2]])
        await verify_dialog(joao, [(text, expected) for text, expected in usage[2:]])
        await verify_dialog(joao, [
            (in_group(group, "/ver 999"), says("Atendimento nº 999 não encontrado.", in_chat=group)),
            ("/resolver 999 1", "Atendimento nº 999 não encontrado."),
            (f"/obs {number} 7 Texto da observação", f"A etapa 7 não existe no atendimento {number}."),
            ("/obs 1 1 Cliente ligou de novo", "O atendimento 1 está Encerrado e não pode mais ser alterado."),
            ("/etapa 4 Refazer a instalação", "O atendimento 4 está Cancelado e não pode mais ser alterado."),
            ("/cancelar_atendimento 1 Teste", "O atendimento 1 está Encerrado e não pode mais ser alterado."),
            (f"/obs {number} 1 .", "O texto está vazio"),
            ("/etapa 3 @ninguem Conferir a escritura", "Não encontrei o usuário @ninguem"),
        ])
        assert await ticket_state(bot, number) == ("Aberto", [(1, "Pendente")])
        assert len(await outbox(bot)) == rows_before

        # An edited command is not a new one: nothing happens twice.
        sent = await joao.say_in(group, f"/obs {number} 1 Primeira versão da observação")
        [done] = await group.wait_for_reply()
        assert "Observação registrada" in done.text
        await joao.edit(sent, f"/obs {number} 1 Segunda versão da observação")
        await group.expect_no_reply()
        assert [n.text for n in (await bot.services.staff.ticket(number)).stages[0].notes] == [
            "Primeira versão da observação"]
        rows_before = len(await outbox(bot))

        # A forged or outdated button is refused without effect.
        query = CallbackQuery(id=new_query_id(), user_id=joao.id, chat_id=group.id, message_id=post.message_id,
                              data="s:x:1", button_text="?")
        tg.callback_queries[query.id] = query
        tg.bot.updates.push("callback_query", {"id": query.id, "from": joao.account.as_user(), "message": post.payload,
                                               "chat_instance": "1", "data": query.data})
        assert await query.wait_answered() and "não é válido" in query.answer_text
        await verify_dialog(joao, [(in_group(group, f"/resolver {number} 1"), says("resolvida", in_chat=group))])
        press = await joao.press("✅ Resolver etapa 1", post)
        assert await press.wait_answered()
        assert press.answer_text == f"A etapa 1 do atendimento nº {number} já está Resolvida: nada foi alterado."
        await group.expect_no_reply()
        tg.assert_no_client_errors()


async def test_staff_work_from_their_private_chat_and_from_a_forum_topic(tg, database_url):
    async with staff_bot(tg, database_url) as (bot, clock):
        team = await staff_team(tg, bot, forum=True)
        group, joao, maria = team.group, team.joao, team.maria
        topic = await group.create_topic("Pendências", by=team.admin)
        await bot.configure(staff_thread_id=topic.thread_id)
        number = await open_ticket(bot)
        await deliver_all(bot, clock)
        [post] = group.in_topic(topic)
        [private_post] = [m for m in joao.messages if f"nº {number}" in m.text]
        assert private_post.buttons == ["🔎 Ver", "✅ Resolver etapa 1", "💬 Nova observação"]

        # In João's private chat: the button asks there, and his reply is taken there (no catch-all answers too).
        await verify_dialog(joao, [
            (Action("[presses Nova observação]", lambda p: p.press("💬 Nova observação", private_post)),
             says("escreva a observação para a etapa 1")),
            (answer_question(joao, "."), says("O texto está vazio")),  # the question stays open…
            (Action("[replies to the question again]",
                    lambda p: p.reply("Liguei para a cliente e confirmei o horário", question_of(p))),
             says(f"Observação registrada na etapa 1 do atendimento nº {number}.")),
            (Action("[replies to the question a third time]", lambda p: p.reply("De novo?", question_of(p))),
             says("cadastrado como equipe", "/pendencias")),  # …until answered: then a plain message from staff
            ("/pendencias minhas", says("Suas pendências abertas (1)", f"nº {number}", "Vistoria técnica")),
            (f"/ver {number}", says(f"Atendimento nº {number}", "Liguei para a cliente e confirmei o horário")),
        ])
        await joao.expect_no_reply()

        # In the topic: the answer, the question and the reply all stay in the topic.
        group._acted()
        await maria.press("💬 Nova observação", post, chat=group)
        [question] = await group.wait_for_reply()
        assert question.message.thread_id == topic.thread_id and "Maria" in question.text
        tg.events.message(group.chat, maria.account, reply_to=question.message,
                          sticker=store_file(tg, "sticker", emoji="👍").as_media("sticker"))
        [text_please] = await group.wait_for_reply()
        assert "Responda com um texto" in text_please.text and text_please.message.thread_id == topic.thread_id
        await maria.say_in(group, "Material comprado", reply_to=question.message)
        [done] = await group.wait_for_reply()
        assert done.message.thread_id == topic.thread_id and "Observação registrada" in done.text
        await maria.say_in(group, f"/ver {number}", topic=topic)
        [shown] = await group.wait_for_reply()
        assert shown.message.thread_id == topic.thread_id and "Material comprado" in shown.text
        # Somebody else answering Maria's question is not taken for her answer.
        await joao.press("💬 Nova observação", post, chat=group)
        [question] = await group.wait_for_reply()
        await maria.say_in(group, "Eu respondo por ele", reply_to=question.message)
        await group.expect_no_reply()
        details = await bot.services.staff.ticket(number)
        assert [n.text for n in details.stages[0].notes] == ["Liguei para a cliente e confirmei o horário",
                                                            "Material comprado"]

        # "Resolver etapa" with a hyphen for an answer: resolved without an observation.
        await verify_dialog(joao, [
            (Action("[presses Resolver etapa 1]", lambda p: p.press("✅ Resolver etapa 1", private_post)),
             says("para resolver a etapa 1 — Vistoria técnica")),
            (answer_question(joao, "-"), says(f"Etapa 1 do atendimento nº {number} resolvida; criada a etapa 2")),
        ])
        details = await bot.services.staff.ticket(number)
        assert len(details.stages[0].notes) == 2 and details.stages[0].status == "Resolvida"
        tg.assert_no_client_errors()


def question_of(person):
    return next(m for m in reversed(person.messages) if "escreva a observação" in m.text)


async def test_a_long_atendimento_is_shown_in_several_messages_and_pendencias_are_capped(tg, database_url):
    async with staff_bot(tg, database_url) as (bot, clock):
        team = await staff_team(tg, bot)
        number = await open_ticket(bot)
        joao_staff = await bot.services.staff.staff_by_telegram(team.joao.id)
        for index in range(30):
            await bot.services.tickets.add_note(joao_staff, number, 1, f"Observação {index:02d}: " + "detalhe " * 25)
        await team.joao.say_in(team.group, f"/ver {number}")
        await wait_idle(tg, bot)
        parts = team.group.unread
        assert len(parts) >= 2 and all(len(p.text) <= 4096 for p in parts)
        text = "\n".join(p.text for p in parts)
        assert all(f"Observação {i:02d}:" in text for i in range(30))
        assert parts[-1].buttons and not any(p.buttons for p in parts[:-1])

        for _ in range(23):
            await open_ticket(bot)
        team.group._acted()
        await team.joao.say_in(team.group, "/pendencias")
        [listing] = await team.group.wait_for_reply()
        assert "Pendências abertas (27)" in listing.text
        assert "Mostrando as 25 de prazo mais próximo, de 27." in listing.text
        assert listing.text.count("• nº") == 25
        tg.assert_no_client_errors()


async def test_staff_are_told_when_a_customer_cancels_from_detalhes(tg, database_url):
    async with staff_bot(tg, database_url) as (bot, clock):
        team = await staff_team(tg, bot)
        ana = await linked_customer(tg)
        number = await open_ticket(bot)
        await deliver_all(bot, clock)
        team.group._acted()
        await ana.send(f"/detalhes {number}")
        await wait_idle(tg, bot)
        await ana.press(labels.BUTTON_CANCEL_TICKET.format(number=number))
        await wait_idle(tg, bot)
        await ana.send("Resolvi com o síndico, não precisa mais")
        await wait_idle(tg, bot)
        assert (await ticket_state(bot, number))[0] == "Cancelado"
        [message] = [m for m in await internal_messages(bot) if m.kind == "cancelado_pelo_cliente"]
        assert message.params["ticket_number"] == number

        await deliver_all(bot, clock)
        [told] = team.group.unread
        assert f"O cliente cancelou o atendimento nº {number}" in told.text
        assert "Resolvi com o síndico, não precisa mais" in told.text
        assert any(f"cancelou o atendimento nº {number}" in m.text for m in team.joao.messages)
        tg.assert_no_client_errors()
