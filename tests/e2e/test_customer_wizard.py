"""/novo (SPEC.md "Opening an atendimento"): tipo → assunto → empreendimento → unidade → descrição → confirmação, for
customers with several empreendimentos (Ana), a single unit (Bruno), more units than a keyboard page (Diego) and none
(Carla); Voltar, Cancelar, /cancelar, re-entry, Corrigir, what is not a description, and the atendimento it saves."""
from __future__ import annotations

from datetime import timedelta

from bot.jobs.wizard_expiry import expire_wizard_drafts
from bot.texts.labels import BUTTON_BACK, BUTTON_CANCEL, BUTTON_CORRECT, BUTTON_NEXT, BUTTON_PREVIOUS, BUTTON_SEND
from tests.support.bot_harness import ANA_PHONE, BRUNO_PHONE, CARLA_PHONE, DIEGO_PHONE, running_bot
from tests.support.customer_steps import (
    draft_of,
    forge_press,
    linked,
    outbox_of,
    pendencias_of,
    stages_of,
    ticket_count,
    ticket_row,
    wait_idle,
)
from tests.support.dialog import NO_ANSWER, document, photo, press, says, sticker, verify_dialog, wait

TYPES = ["Assistência técnica", "Informação", "Solicitação"]
JARDINS = "Residencial Jardins — Torre A, Torre B"
AGUAS = "Parque das Águas — Bloco Único"
APTO_101 = "Torre A - Apto 101 — Apartamento 101, Vaga 12"
APTO_202 = "Torre B - Apto 202 — Apartamento 202, Vaga 40, Depósito 3"
NAV = [BUTTON_BACK, BUTTON_CANCEL]
LEAK = "Vazamento no teto do banheiro da suíte desde ontem"

ASK_TYPE = "Qual é o tipo de atendimento?"
ASK_SUBJECT = "Qual é o assunto?"
ASK_PLACE = "Em qual empreendimento?"
ASK_UNIT = "Qual unidade?"
ASK_DESCRIPTION = "descreva o que aconteceu"
SUMMARY = "Confira o seu atendimento"
AUTO = "única opção, escolhida automaticamente"
CANCELLED = "Abertura de atendimento cancelada"


def ana_up_to(step: str) -> list:
    """Ana's dialog from /novo to `step` (every step a real choice for her)."""
    steps = [("/novo", says(ASK_TYPE, buttons=[*TYPES, *NAV], edit=False))]
    if step == "tipo":
        return steps
    steps.append((press("Assistência técnica"), says("Tipo: Assistência técnica", ASK_SUBJECT,
                                                    buttons=["Elétrica", "Infiltração", *NAV], edit=True)))
    if step == "assunto":
        return steps
    steps.append((press("Infiltração"), says("Assunto: Infiltração", ASK_PLACE, buttons=[AGUAS, JARDINS, *NAV])))
    if step == "empreendimento":
        return steps
    steps.append((press(JARDINS), says("Empreendimento: Residencial Jardins", ASK_UNIT,
                                       buttons=[APTO_101, APTO_202, *NAV])))
    if step == "unidade":
        return steps
    steps.append((press(APTO_101), says("Unidade: Torre A - Apto 101", ASK_DESCRIPTION, buttons=NAV)))
    if step == "descricao":
        return steps
    steps.append((LEAK, [says(edit=True, buttons=[]),  # the step's message loses its buttons
                         says(SUMMARY, "Unidade: Torre A - Apto 101", LEAK,
                              buttons=[BUTTON_SEND, BUTTON_CORRECT, BUTTON_CANCEL], edit=False)]))
    return steps


async def test_ana_opens_an_atendimento_choosing_every_step(tg, bot):
    ana = await linked(tg, "Ana", ANA_PHONE)
    await verify_dialog(ana, [
        *ana_up_to("confirmacao"),
        (press(BUTTON_SEND), [says(edit=True, buttons=[]),
                              says("Atendimento nº 9 registrado", "Primeira etapa: Vistoria técnica",
                                   "(prazo ", regex=r"prazo \d{2}/\d{2}/\d{4} \d{2}:\d{2}\)")]),
    ])
    ticket = await ticket_row(bot.database, 9)
    assert (ticket.customer_id, ticket.type_id, ticket.subject_id) == (1, 1, 10)
    assert (ticket.empreendimento_id, ticket.obra_id, ticket.unit_id) == (100, 1001, 5000)
    assert (ticket.status, ticket.origin, ticket.description) == ("Aberto", "bot", LEAK)
    [stage] = await stages_of(bot.database, ticket.id)
    assert (stage.position, stage.description, stage.status, stage.template_position) == (
        1, "Vistoria técnica", "Pendente", 1)
    assert stage.due_at - stage.created_at == timedelta(days=3)
    [pendencia] = await pendencias_of(bot.database, ticket.id)
    assert (pendencia.stage_id, pendencia.due_at) == (stage.id, stage.due_at)
    keys = {row.key: row for row in await outbox_of(bot.database, ticket.id)}
    joao = pendencia.staff_id
    assert set(keys) >= {f"c:stage:{stage.id}:new", f"g:pendencia:{pendencia.id}", f"u:{joao}:pendencia:{pendencia.id}"}
    assert keys[f"c:stage:{stage.id}:new"].state != "pending"  # Ana was told in the confirmation already
    assert await draft_of(bot.database, ana) is None
    await verify_dialog(ana, [("/meus", says("Nº 9", "Infiltração", LEAK))])
    tg.assert_no_client_errors()


async def test_bruno_gets_the_single_answers_chosen_for_him_and_told_so(tg, bot):
    bruno = await linked(tg, "Bruno", BRUNO_PHONE)
    await verify_dialog(bruno, [
        ("/novo", says(ASK_TYPE, buttons=["Assistência técnica", "Informação", *NAV])),
        (press("Assistência técnica"), says("Assunto: Elétrica", "Empreendimento: Vila Nova", "Unidade: Casa 7",
                                            AUTO, ASK_DESCRIPTION, buttons=NAV)),
        (press(BUTTON_BACK), says(ASK_TYPE, without=["Assunto:"], buttons=["Assistência técnica", "Informação", *NAV])),
        (press("Informação"), says("Assunto: Dúvida geral", AUTO, ASK_DESCRIPTION)),
        ("A garagem da casa alaga quando chove forte", [says(edit=True), says(SUMMARY, "Unidade: Casa 7")]),
        (press(BUTTON_SEND), [says(edit=True), says("Atendimento nº 9 registrado")]),
    ])
    ticket = await ticket_row(bot.database, 9)
    assert (ticket.type_id, ticket.subject_id, ticket.empreendimento_id, ticket.unit_id) == (3, 30, 300, 7000)
    [stage] = await stages_of(bot.database, ticket.id)
    assert stage.description == "Dúvida geral"  # a subject without a template still gets one stage
    tg.assert_no_client_errors()


async def test_diego_pages_through_his_twelve_units(tg, bot):
    diego = await linked(tg, "Diego", DIEGO_PHONE)
    first_page = [f"Torre A - Sala {n} — Sala {n}" for n in (301, 303, 305, 307, 309, 311)] + [
        f"Torre B - Sala {n} — Sala {n}" for n in (302, 304)]
    second_page = [f"Torre B - Sala {n} — Sala {n}" for n in (306, 308, 310, 312)]
    await verify_dialog(diego, [
        ("/novo", says(ASK_TYPE)),
        (press("Assistência técnica"), says(ASK_SUBJECT)),
        (press("Elétrica"), says("Empreendimento: Residencial Jardins", AUTO, ASK_UNIT, "(página 1 de 2)",
                                 buttons=[*first_page, BUTTON_NEXT, *NAV])),
        (press(BUTTON_NEXT), says("(página 2 de 2)", buttons=[*second_page, BUTTON_PREVIOUS, *NAV])),
        (press(BUTTON_PREVIOUS), says("(página 1 de 2)", buttons=[*first_page, BUTTON_NEXT, *NAV])),
        (press(BUTTON_NEXT), says("(página 2 de 2)")),
        (press(BUTTON_BACK), says(ASK_SUBJECT, without=["Empreendimento:"])),  # the auto-chosen step is skipped
        (press("Infiltração"), says(ASK_UNIT, "(página 1 de 2)")),
        (press(BUTTON_NEXT), says("(página 2 de 2)")),
        (press(second_page[-1]), says("Unidade: Torre B - Sala 312", ASK_DESCRIPTION)),
        ("Infiltração na parede da sala de reuniões", [says(edit=True), says(SUMMARY)]),
        (press(BUTTON_SEND), [says(edit=True), says("Atendimento nº 9 registrado")]),
    ])
    ticket = await ticket_row(bot.database, 9)
    assert (ticket.subject_id, ticket.unit_id, ticket.obra_id) == (10, 5111, 1002)
    tg.assert_no_client_errors()


async def test_carla_has_no_unit_and_is_told_so(tg, bot):
    carla = await linked(tg, "Carla", CARLA_PHONE)
    await verify_dialog(carla, [("/novo", says("Não encontrei unidades suas")), ("quero abrir", "Não entendi")])
    assert await draft_of(bot.database, carla) is None
    tg.assert_no_client_errors()


async def test_voltar_returns_to_the_previous_real_choice_at_every_step(tg, bot):
    ana = await linked(tg, "Ana", ANA_PHONE)
    await verify_dialog(ana, [
        *ana_up_to("descricao"),
        (press(BUTTON_BACK), says("Tipo: Assistência técnica", "Assunto: Infiltração",
                                  "Empreendimento: Residencial Jardins", ASK_UNIT, without=["Unidade:"],
                                  buttons=[APTO_101, APTO_202, *NAV], edit=True)),
        (press(BUTTON_BACK), says("Tipo: Assistência técnica", "Assunto: Infiltração", ASK_PLACE,
                                  without=["Empreendimento:"], buttons=[AGUAS, JARDINS, *NAV])),
        (press(BUTTON_BACK), says("Tipo: Assistência técnica", ASK_SUBJECT, without=["Assunto:"],
                                  buttons=["Elétrica", "Infiltração", *NAV])),
        (press(BUTTON_BACK), says(ASK_TYPE, without=["Tipo:"], buttons=[*TYPES, *NAV])),
        (press(BUTTON_BACK), says("Você saiu da abertura de atendimento", buttons=[])),
        ("/novo", says(ASK_TYPE)),
        # Solicitação: the assunto and the empreendimento are the only ones possible; Voltar skips them both.
        (press("Solicitação"), says("Assunto: Segunda via de boleto", "Empreendimento: Residencial Jardins", AUTO,
                                    ASK_UNIT)),
        (press(APTO_202), says("Unidade: Torre B - Apto 202", ASK_DESCRIPTION)),
        (press(BUTTON_BACK), says(ASK_UNIT, "Assunto: Segunda via de boleto", without=["Unidade:"])),
        (press(BUTTON_BACK), says(ASK_TYPE, without=["Assunto:"])),
        (press("Assistência técnica"), says(ASK_SUBJECT)),
        (press("Infiltração"), says(ASK_PLACE)),
        (press(AGUAS), says("Empreendimento: Parque das Águas", "Unidade: Apto 33", AUTO, ASK_DESCRIPTION)),
        (press(BUTTON_BACK), says(ASK_PLACE, without=["Empreendimento:"])),  # the unit was chosen for her
    ])
    assert await draft_of(bot.database, ana) is not None
    tg.assert_no_client_errors()


async def test_cancelar_at_every_step_and_cancelar_command(tg, bot):
    ana = await linked(tg, "Ana", ANA_PHONE)
    for step in ("tipo", "assunto", "empreendimento", "unidade", "descricao", "confirmacao"):
        await verify_dialog(ana, [*ana_up_to(step), (press(BUTTON_CANCEL), says(CANCELLED, buttons=[], edit=True))])
        assert await draft_of(bot.database, ana) is None, step
    for step in ("tipo", "unidade", "descricao", "confirmacao"):
        await verify_dialog(ana, [*ana_up_to(step), ("/cancelar", [says(buttons=[], edit=True), says(CANCELLED)])])
        assert await draft_of(bot.database, ana) is None, step
    await verify_dialog(ana, [("/cancelar", says("Não há nada em andamento")), (LEAK, says("Não entendi"))])
    assert await ticket_count(bot.database) == 8
    tg.assert_no_client_errors()


async def test_novo_again_restarts_and_old_buttons_are_stale(tg, bot):
    ana = await linked(tg, "Ana", ANA_PHONE)
    await verify_dialog(ana, ana_up_to("unidade"))
    old = ana.last
    old_buttons = old.callback_data
    await verify_dialog(ana, [
        ("/novo", [says(edit=True, buttons=[]), says(ASK_TYPE, without=["Tipo:"], edit=False)]),
    ])
    for data in old_buttons:  # pressed on the older message (a client that did not refresh it)
        query = forge_press(tg, ana, data, message=old)
        assert await query.wait_answered()
        assert "mensagem antiga" in query.answer_text, (data, query.answer_text)
    await wait_idle(tg, bot)
    await ana.expect_no_reply()
    draft = await draft_of(bot.database, ana)
    assert (draft.step, draft.type_id, draft.unit_id) == ("tipo", None, None)
    await verify_dialog(ana, [(press("Solicitação"), says("Assunto: Segunda via de boleto", ASK_UNIT))])
    tg.assert_no_client_errors()


async def test_corrigir_each_field_keeps_the_description(tg, bot):
    ana = await linked(tg, "Ana", ANA_PHONE)
    fields = ["Tipo", "Assunto", "Empreendimento", "Unidade", "Descrição", BUTTON_BACK]
    await verify_dialog(ana, [
        *ana_up_to("confirmacao"),
        (press(BUTTON_CORRECT), says("O que você quer corrigir?", LEAK, buttons=fields, edit=True)),
        (press(BUTTON_BACK), says(SUMMARY, buttons=[BUTTON_SEND, BUTTON_CORRECT, BUTTON_CANCEL], edit=True)),
        # the unit
        (press(BUTTON_CORRECT), says(buttons=fields)),
        (press("Unidade"), says("Empreendimento: Residencial Jardins", ASK_UNIT, buttons=[APTO_101, APTO_202, *NAV])),
        (press(APTO_202), says(SUMMARY, "Unidade: Torre B - Apto 202", LEAK, edit=True)),
        # the empreendimento: Parque das Águas has one unit, chosen for her, and the description is kept
        (press(BUTTON_CORRECT), says(buttons=fields)),
        (press("Empreendimento"), says(ASK_PLACE, without=["Empreendimento:"])),
        (press(AGUAS), says(SUMMARY, "Empreendimento: Parque das Águas", "Unidade: Apto 33", LEAK)),
        # the assunto (the unit of Parque das Águas was chosen for her: nothing to correct there)
        (press(BUTTON_CORRECT), says(buttons=["Tipo", "Assunto", "Empreendimento", "Descrição", BUTTON_BACK])),
        (press("Assunto"), says(ASK_SUBJECT, "Tipo: Assistência técnica", without=["Assunto:"])),
        (press("Elétrica"), says(ASK_PLACE)),
        (press(JARDINS), says(ASK_UNIT)),
        (press(APTO_101), says(SUMMARY, "Assunto: Elétrica", "Unidade: Torre A - Apto 101", LEAK)),
        # the tipo
        (press(BUTTON_CORRECT), says(buttons=fields)),
        (press("Tipo"), says(ASK_TYPE, without=["Tipo:"])),
        (press("Solicitação"), says(ASK_UNIT, AUTO)),
        (press(APTO_202), says(SUMMARY, "Tipo: Solicitação", "Assunto: Segunda via de boleto", LEAK)),
        # the description
        (press(BUTTON_CORRECT), says(buttons=["Tipo", "Unidade", "Descrição", BUTTON_BACK])),
        (press("Descrição"), says(ASK_DESCRIPTION, "Unidade: Torre B - Apto 202", without=[LEAK])),
        ("Preciso da segunda via do boleto de novembro", [says(edit=True), says(SUMMARY, "boleto de novembro")]),
        (press(BUTTON_SEND), [says(edit=True), says("Atendimento nº 9 registrado", "Emissão")]),
    ])
    ticket = await ticket_row(bot.database, 9)
    assert (ticket.type_id, ticket.subject_id, ticket.unit_id) == (2, 20, 5001)
    assert ticket.description == "Preciso da segunda via do boleto de novembro"
    tg.assert_no_client_errors()


async def test_what_is_not_a_good_description_gets_a_clear_answer(tg, bot):
    ana = await linked(tg, "Ana", ANA_PHONE)
    not_text = "Preciso da descrição em texto"
    await verify_dialog(ana, [
        *ana_up_to("unidade"),
        (photo(), says("Escolha uma das opções nos botões")),
        ("Torre A", says("Escolha uma das opções nos botões")),
        (press(APTO_101), says(ASK_DESCRIPTION)),
        (photo("vazamento no banheiro"), says(not_text)),
        (sticker(), says(not_text)),
        (document("laudo.pdf"), says(not_text)),
        ("oi", says("curto demais", "pelo menos 2 palavras")),
        ("x" * 3001, says("longo demais", "3001 caracteres", "3000")),
        ("vazamento forte " + "💧" * 1600, says("longo demais")),  # an emoji counts twice in Telegram's limit
        ("/meus", says("Seus atendimentos")),  # a command in between does not end the wizard
        ("Vazamento <b>forte</b> & contínuo no teto", [says(edit=True),
                                                        says(SUMMARY, "Vazamento <b>forte</b> & contínuo no teto")]),
    ])
    draft = await draft_of(bot.database, ana)
    assert (draft.step, draft.description) == ("confirmacao", "Vazamento <b>forte</b> & contínuo no teto")
    tg.assert_no_client_errors()


async def test_enviar_pressed_twice_saves_one_atendimento(tg, bot):
    ana = await linked(tg, "Ana", ANA_PHONE)
    await verify_dialog(ana, ana_up_to("confirmacao"))
    summary = ana.last
    first = await ana.press(BUTTON_SEND, summary)
    second = forge_press(tg, ana, "n:ok", message=summary)  # the second tap, before the first was answered
    assert await first.wait_answered() and await second.wait_answered()
    await wait_idle(tg, bot)
    assert await ticket_count(bot.database) == 9
    opened = [m for m in ana.messages if "registrado" in m.text]
    assert len(opened) == 1
    assert "Não há abertura de atendimento em andamento" in second.answer_text
    tg.assert_no_client_errors()


async def test_an_abandoned_wizard_expires_and_says_so_even_after_a_restart(tg, database_url, clock):
    async with running_bot(tg, database_url, clock=clock) as bot:
        ana = await linked(tg, "Ana", ANA_PHONE)
        await verify_dialog(ana, ana_up_to("empreendimento"))
        old = ana.last
        clock.advance(minutes=29)
        assert await expire_wizard_drafts(bot.services, bot.application.bot) == 0
        await verify_dialog(ana, [(press(JARDINS), says(ASK_UNIT))])  # a step gives the draft a new 30 minutes
        clock.advance(minutes=29)
        assert await expire_wizard_drafts(bot.services, bot.application.bot) == 0
        await bot.restart()
        clock.advance(minutes=2)
        assert await expire_wizard_drafts(bot.services, bot.application.bot) == 1
        await verify_dialog(ana, [(wait(), [says(edit=True, buttons=[]),
                                                   says("ficou parada por mais de 30 minutos", "/novo")])])
        assert await draft_of(bot.database, ana) is None
        await verify_dialog(ana, [(LEAK, says("Não há abertura de atendimento em andamento", "/novo"))])
        query = forge_press(tg, ana, "n:c:u:5000", message=old)  # a client that still shows the old buttons
        assert await query.wait_answered()
        assert "Não há abertura de atendimento em andamento" in query.answer_text
        await verify_dialog(ana, [(wait(), NO_ANSWER), ("/novo", says(ASK_TYPE))])
        assert await ticket_count(bot.database) == 8
    tg.assert_no_client_errors()


async def test_a_catalogue_change_under_a_wizard_ends_it_with_a_clear_answer(tg, bot):
    from sqlalchemy import update

    from storage import tables as t

    ana = await linked(tg, "Ana", ANA_PHONE)
    await verify_dialog(ana, ana_up_to("unidade"))
    async with bot.database.engine.begin() as connection:  # the operator re-imports: Infiltração leaves the bot
        await connection.execute(update(t.subjects).where(t.subjects.c.id == 10).values(enabled=False))
    query = await ana.press(APTO_101)
    assert await query.wait_answered() and "mudaram enquanto você escolhia" in query.answer_text
    await wait_idle(tg, bot)
    assert await draft_of(bot.database, ana) is None
    await verify_dialog(ana, [
        ("Vazamento no teto", says("Não entendi")),
        ("/novo", says(ASK_TYPE)),
        (press("Assistência técnica"), says("Assunto: Elétrica", AUTO)),  # the only subject left for her
    ])
    tg.assert_no_client_errors()


async def test_linking_to_another_customer_ends_the_wizard(tg, bot):
    ana = await linked(tg, "Ana", ANA_PHONE)
    invitation = await bot.services.linking.issue_invitation("529.982.247-25", timedelta(hours=1))  # Bruno's
    await verify_dialog(ana, [
        *ana_up_to("unidade"),
        (f"/start {invitation.code}", [says(edit=True, buttons=[]), says("Pronto, Bruno Lima")]),
        (APTO_101.split(" — ")[0], says("Não há abertura de atendimento em andamento")),
    ])
    assert await draft_of(bot.database, ana) is None
    tg.assert_no_client_errors()
