"""A restart of the bot does not lose a conversation in progress (SPEC.md "Opening an atendimento"): the real program,
`atendimento run`, killed with SIGKILL in the middle of /novo, started again, carries on with the same choices."""
from __future__ import annotations

from storage.database import connect
from tests.support.bot_harness import ANA_PHONE, E2E_CATALOGUE
from tests.support.bot_process import bot_process
from tests.support.catalogue import load_catalogue
from tests.support.customer_steps import stages_of, ticket_row
from tests.support.dialog import press, says, share_contact, verify_dialog

JARDINS = "Residencial Jardins — Torre A, Torre B"
APTO_202 = "Torre B - Apto 202 — Apartamento 202, Vaga 40, Depósito 3"
LEAK = "Infiltração na parede do quarto do casal"


async def test_a_killed_bot_resumes_the_wizard_where_ana_left_it(tg, database_url, tmp_path):
    database = connect(database_url)
    try:
        await load_catalogue(database, E2E_CATALOGUE)  # the test databases are migrated already
        async with bot_process(tg, database_url, tmp_path) as bot:
            await bot.start("run", "--no-jobs")
            ana = tg.user("Ana", phone=ANA_PHONE)
            await verify_dialog(ana, [
                ("/start", says("Compartilhar meu telefone")),
                (share_contact(), says("Pronto, Ana Souza")),
                ("/novo", says("Qual é o tipo de atendimento?")),
                (press("Assistência técnica"), says("Qual é o assunto?")),
                (press("Infiltração"), says("Em qual empreendimento?")),
                (press(JARDINS), says("Qual unidade?")),
                (press(APTO_202), says("Unidade: Torre B - Apto 202", "descreva o que aconteceu")),
            ])
            await tg.wait_until_confirmed()
            await bot.kill()

            await bot.start("run", "--no-jobs")
            await verify_dialog(ana, [
                (LEAK, [says(edit=True, buttons=[]),
                        says("Confira o seu atendimento", "Tipo: Assistência técnica", "Assunto: Infiltração",
                             "Empreendimento: Residencial Jardins", "Unidade: Torre B - Apto 202", LEAK)]),
                (press("✅ Enviar"), [says(edit=True), says("Atendimento nº 9 registrado", "Vistoria técnica")]),
            ], timeout=10)
            await bot.kill()
        ticket = await ticket_row(database, 9)
        assert (ticket.customer_id, ticket.type_id, ticket.subject_id) == (1, 1, 10)
        assert (ticket.empreendimento_id, ticket.unit_id, ticket.description) == (100, 5001, LEAK)
        assert [s.description for s in await stages_of(database, ticket.id)] == ["Vistoria técnica"]
    finally:
        await database.dispose()
    tg.assert_no_client_errors()
