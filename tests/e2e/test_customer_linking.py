"""Linking a Telegram account to a customer (SPEC.md "Linking"): the own contact in any spelling, never someone else's,
invitation codes that work once and expire, failures slowed down, /sair, and nothing but linking until linked.
Nothing the bot says reveals whether a phone number or a CPF exists."""
from __future__ import annotations

import re
from datetime import timedelta

import yaml
from sqlalchemy import select

from bot.texts import customer as texts
from bot.texts.labels import BUTTON_SHARE_PHONE
from domain.brazil import cpf_with_check_digits
from storage import tables as t
from storage.database import connect
from tests.support.bot_harness import ANA_PHONE, BRUNO_PHONE, E2E_CATALOGUE, running_bot
from tests.support.bot_process import program_env, run_program
from tests.support.catalogue import load_demo, snapshot
from tests.support.customer_steps import forge_press, linked, wait_idle
from tests.support.dialog import command, photo, says, share_contact, share_contact_of, verify_dialog

REFUSED = "Não consegui vincular sua conta"
NEED_LINK = "primeiro vincule sua conta"
ASK_FOR_PHONE = says(REFUSED, keyboard=[BUTTON_SHARE_PHONE])


async def test_own_contact_links_whatever_the_spelling_of_the_number(tg, bot):
    # Bruno's number is written in the catalogue without the ninth digit, "(21) 8888-0002".
    bruno = tg.user("Bruno", phone=BRUNO_PHONE)
    steps = [("/start", says("Olá, Bruno", "Compartilhar meu telefone", keyboard=[BUTTON_SHARE_PHONE]))]
    # A shared contact always starts with its country code, "+" or not (a number without one is refused below).
    for spelling in ("5521988880002", "+55 (21) 98888-0002", "552188880002", "+55 21 8888-0002", "+5521988880002"):
        steps += [
            (share_contact(spelling), says("Pronto, Bruno Lima", "vinculada", keyboard=[])),
            ("/sair", says("desvinculada")),
        ]
    steps += [(share_contact(), says("Bruno Lima")), ("/start", says("já está vinculada", "/novo"))]
    await verify_dialog(bruno, steps)
    ana = tg.user("Ana", phone=ANA_PHONE)
    await verify_dialog(ana, [
        (share_contact("11999990001"), ASK_FOR_PHONE),  # no country code: +1 199…, not Brazil
        (share_contact("551199990001"), says("Pronto, Ana Souza")),  # the 8-digit form of hers
    ])
    tg.assert_no_client_errors()


async def test_someone_elses_contact_and_unknown_numbers_get_one_same_refusal(tg, bot):
    ana = tg.user("Ana", phone=ANA_PHONE)
    bruno = tg.user("Bruno", phone=BRUNO_PHONE)
    stranger = tg.user("Zé", phone="+5511912345678")
    foreigner = tg.user("John", phone="+14155550100")
    await ana.send("/start")
    await ana.wait_for_reply()
    await verify_dialog(ana, [
        (share_contact_of(bruno), ASK_FOR_PHONE),  # Bruno's real contact card, with his user id
        (share_contact_of(phone="+5521988880002", first_name="Bruno"), ASK_FOR_PHONE),  # a number typed in
        (share_contact_of(phone=ANA_PHONE, first_name="Ana"), ASK_FOR_PHONE),  # her own number, not her own card
    ])
    await verify_dialog(stranger, [(share_contact(), ASK_FOR_PHONE)])
    await verify_dialog(foreigner, [(share_contact(), ASK_FOR_PHONE)])
    refusals = {m.text for person in (ana, stranger, foreigner) for m in person.messages if REFUSED in m.text}
    assert len(refusals) == 1, refusals  # word for word the same: nothing tells a known number from an unknown one
    async with bot.database.engine.connect() as connection:
        linked_ids = (await connection.execute(select(t.customers.c.telegram_user_id))).scalars().all()
    assert set(linked_ids) == {None}
    await verify_dialog(ana, [(share_contact(), says("Pronto, Ana Souza"))])
    tg.assert_no_client_errors()


async def test_a_peruvian_account_is_never_linked_to_the_porto_alegre_customer_with_its_digits(tg, database_url):
    # Telegram shares Mateo's Peruvian mobile +51 987 654 321 as "51987654321": the digits of Paulo's (51) 98765-4321.
    catalogue = yaml.safe_load(E2E_CATALOGUE.read_text(encoding="utf-8"))
    catalogue["customers"].append({"id": 60, "name": "Paulo Gaúcho", "cpf": cpf_with_check_digits("987654321"),
                                   "phones": ["(51) 98765-4321"], "units": [7000]})
    async with running_bot(tg, database_url, catalogue=catalogue) as bot:
        mateo = tg.user("Mateo", phone="+51987654321")
        await verify_dialog(mateo, [
            ("/start", says("Olá, Mateo", keyboard=[BUTTON_SHARE_PHONE])),
            (share_contact(), ASK_FOR_PHONE),
            (share_contact("+51987654321"), ASK_FOR_PHONE),
            ("/novo", says(NEED_LINK)),
        ])
        paulo = tg.user("Paulo", phone="+5551987654321")
        await verify_dialog(paulo, [(share_contact("555187654321"), says("Pronto, Paulo Gaúcho"))])  # no ninth digit
        async with bot.database.engine.connect() as connection:
            linked_to = (await connection.execute(
                select(t.customers.c.telegram_user_id).where(t.customers.c.id == 60))).scalar_one()
        assert linked_to == paulo.id
    tg.assert_no_client_errors()


async def test_until_linked_only_start_help_and_linking_work(tg, bot):
    stranger = tg.user("Zé", phone="+5511912345678")
    await verify_dialog(stranger, [
        ("/start", says("Olá, Zé", keyboard=[BUTTON_SHARE_PHONE])),
        ("/ajuda", says("assistente de atendimento", "/start")),
    ])
    before = await snapshot(bot.database)
    await verify_dialog(stranger, [
        ("/novo", says(NEED_LINK, keyboard=[BUTTON_SHARE_PHONE])),
        ("/meus", says(NEED_LINK, keyboard=[BUTTON_SHARE_PHONE])),
        (command("/detalhes", 1), says(NEED_LINK, keyboard=[BUTTON_SHARE_PHONE])),
        ("/cancelar", says(NEED_LINK)),
        ("quero abrir um chamado", says(NEED_LINK, keyboard=[BUTTON_SHARE_PHONE])),
        (photo("vazamento"), says(NEED_LINK)),
        ("/qualquercoisa", says(NEED_LINK)),
    ])
    for data in ("n:c:t:1", "n:ok", "m:d:1", "m:p:1790000000000000:1:f", "d:x:8", "lixo"):
        query = forge_press(tg, stranger, data)
        assert await query.wait_answered(), data
        assert NEED_LINK in (query.answer_text or ""), (data, query.answer_text)
    await wait_idle(tg, bot)
    await stranger.expect_no_reply()
    assert await snapshot(bot.database) == before  # nothing changed
    tg.assert_no_client_errors()


async def test_sair_unlinks_and_then_nothing_works_until_linked_again(tg, bot):
    ana = await linked(tg, "Ana", ANA_PHONE)
    await verify_dialog(ana, [
        ("/novo", says("tipo")),
        ("/sair", [says(edit=True, buttons=[]), says("desvinculada")]),  # the wizard's buttons go with the link
        ("/meus", says(NEED_LINK)),
        ("Vazamento no teto da sala", says(NEED_LINK)),  # the /novo in progress went with the link
        ("/sair", says(texts.NOT_LINKED)),
        (share_contact(), says("Pronto, Ana Souza")),
        ("/meus", says("Seus atendimentos")),
    ])
    async with bot.database.engine.connect() as connection:
        drafts = (await connection.execute(select(t.conversations))).all()
    assert drafts == []
    tg.assert_no_client_errors()


async def test_invitation_code_links_once_and_never_again(tg, bot):
    issued = await bot.services.linking.issue_invitation("123.456.789-09", timedelta(hours=1))
    ana = tg.user("Ana", phone="+5511933334444")  # a new phone, not in the catalogue
    bruno = tg.user("Bruno", phone=BRUNO_PHONE)
    await verify_dialog(ana, [(command("/start", issued.code), says("Pronto, Ana Souza", "vinculada"))])
    await verify_dialog(bruno, [(command("/start", issued.code), says(REFUSED, keyboard=[BUTTON_SHARE_PHONE]))])
    await verify_dialog(ana, [
        ("/sair", says("desvinculada")),
        (command("/start", issued.code), says(REFUSED)),  # used once: gone, even for the same person
        (command("/start", "x" * 24), says(REFUSED)),
        (command("/start", "not-a-code"), says(REFUSED)),
    ])
    tg.assert_no_client_errors()


async def test_expired_invitation_code_is_refused(tg, database_url, clock):
    async with running_bot(tg, database_url, clock=clock) as bot:
        issued = await bot.services.linking.issue_invitation("52998224725", timedelta(hours=72))
        clock.advance(hours=72, seconds=1)
        bruno = tg.user("Bruno", phone="+5521911112222")
        await verify_dialog(bruno, [(command("/start", issued.code), says(REFUSED))])
        fresh = await bot.services.linking.issue_invitation("529.982.247-25", timedelta(hours=72))
        clock.advance(hours=71)
        await verify_dialog(bruno, [(command("/start", fresh.code), says("Pronto, Bruno Lima"))])
    tg.assert_no_client_errors()


async def test_the_invite_command_prints_a_deep_link_that_links(tg, bot, database_url, tmp_path):
    code, out, err = await run_program("invite", "123.456.789-09", env=program_env(tg, database_url), cwd=tmp_path)
    assert code == 0, err
    [link] = re.findall(r"https://t\.me/(\S+)\?start=([A-Za-z0-9_-]+)", out)
    assert link[0] == tg.bot.username  # asked with getMe
    ana = tg.user("Ana", phone="+5511933334444")
    await verify_dialog(ana, [(command("/start", link[1]), says("Pronto, Ana Souza"))])
    tg.assert_no_client_errors()


async def test_repeated_failures_are_slowed_down(tg, database_url, clock):
    async with running_bot(tg, database_url, clock=clock) as bot:
        ana = tg.user("Ana", phone=ANA_PHONE)
        bruno = tg.user("Bruno", phone=BRUNO_PHONE)
        failures = [(share_contact_of(bruno), says(REFUSED)) for _ in range(3)]
        failures += [(command("/start", "y" * 24), says(REFUSED)) for _ in range(2)]
        await verify_dialog(ana, [
            *failures,
            (share_contact(), says("Muitas tentativas", "5 minuto")),  # even the right number waits now
            (command("/start", "z" * 24), says("Muitas tentativas")),
        ])
        clock.advance(minutes=5, seconds=1)
        await verify_dialog(ana, [(share_contact(), says("Pronto, Ana Souza"))])
        # Success forgets the failures: four more mistakes are not slowed down yet.
        await verify_dialog(ana, [(share_contact_of(bruno), says(REFUSED)) for _ in range(4)])
    tg.assert_no_client_errors()


async def test_demo_mode_links_an_unknown_phone_to_a_demonstration_customer(tg, database_url):
    database = connect(database_url)
    try:
        await load_demo(database)
    finally:
        await database.dispose()
    async with running_bot(tg, database_url, catalogue=None) as bot:
        visitor = tg.user("Vera", phone="+5511987654321")
        await verify_dialog(visitor, [
            ("/start", says("Olá, Vera")),
            (share_contact(), [says("Pronto, Vera (demonstração)"), says("Demonstração", "fictício")]),
            ("/novo", says("tipo")),
        ])
        known = tg.user("Ana", phone="+5511900000001")  # a customer of the demo catalogue links as herself
        await verify_dialog(known, [(share_contact(), says("Pronto, Ana Paula Souza"))])
        await known.expect_no_reply()
        async with bot.database.engine.connect() as connection:
            visitor_row = (await connection.execute(
                select(t.customers).where(t.customers.c.telegram_user_id == visitor.id))).one()
            owned = (await connection.execute(
                select(t.customer_units.c.unit_id).where(t.customer_units.c.customer_id == visitor_row.id)
                .order_by(t.customer_units.c.unit_id))).scalars().all()
        assert owned == [5001, 5016]  # the units of the demo customer with the most units (Ana Paula, id 1)
    tg.assert_no_client_errors()


async def test_demo_setting_off_refuses_unknown_phones_even_on_a_demo_database(tg, database_url):
    database = connect(database_url)
    try:
        await load_demo(database)
    finally:
        await database.dispose()
    async with running_bot(tg, database_url, catalogue=None, demo_mode=False):
        visitor = tg.user("Vera", phone="+5511987654321")
        await verify_dialog(visitor, [(share_contact(), ASK_FOR_PHONE)])
    tg.assert_no_client_errors()


async def test_a_real_catalogue_never_links_unknown_phones(tg, bot):
    visitor = tg.user("Vera", phone="+5511987654321")
    await verify_dialog(visitor, [(share_contact(), ASK_FOR_PHONE), ("/novo", says(NEED_LINK))])
    tg.assert_no_client_errors()
