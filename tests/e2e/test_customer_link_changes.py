"""Submit checks the link (issue 10): Ana's /novo, begun on her old phone, cannot be sent from it once her new phone
has taken the link, nor after an /sair — she is told so in Portuguese and nothing is saved."""
from __future__ import annotations

from bot.texts.labels import BUTTON_SEND
from tests.e2e.test_customer_wizard import ana_up_to
from tests.support.bot_harness import ANA_PHONE
from tests.support.customer_steps import draft_of, forge_press, linked, ticket_count, wait_idle
from tests.support.dialog import says, verify_dialog

NOTHING_SAVED = "nada foi registrado"


async def test_a_draft_begun_on_the_old_phone_is_not_sent_after_the_new_phone_took_the_link(tg, bot):
    old_phone = await linked(tg, "Ana", ANA_PHONE)
    await verify_dialog(old_phone, ana_up_to("confirmacao"))
    before = await ticket_count(bot.database)

    new_phone = await linked(tg, "Ana", ANA_PHONE)  # the same customer, another Telegram account

    query = await old_phone.press(BUTTON_SEND)
    assert await query.wait_answered()
    assert NOTHING_SAVED in query.answer_text and query.show_alert, query.answer_text
    await wait_idle(tg, bot)
    assert await ticket_count(bot.database) == before
    assert await draft_of(bot.database, old_phone) is None  # dropped: a second press cannot send it either
    await verify_dialog(new_phone, [("/meus", says(without=["Vazamento no teto"]))])
    tg.assert_no_client_errors()


async def test_after_sair_and_linking_again_the_old_summary_sends_nothing(tg, bot):
    ana = await linked(tg, "Ana", ANA_PHONE)
    await verify_dialog(ana, ana_up_to("confirmacao"))
    before = await ticket_count(bot.database)
    summary = ana.last
    [send] = [data for label, data in zip(summary.buttons, summary.callback_data) if label == BUTTON_SEND]
    await verify_dialog(ana, [("/sair", [says(edit=True, buttons=[]), says("desvinculada")])])
    await ana.share_contact()
    await ana.wait_for_reply()

    query = forge_press(tg, ana, send, message=summary)  # a client that still shows the old summary's buttons
    assert await query.wait_answered()
    await wait_idle(tg, bot)
    assert await ticket_count(bot.database) == before
    assert await draft_of(bot.database, ana) is None
