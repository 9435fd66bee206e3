from tests.support.bot_harness import ANA_PHONE


async def test_ana_links_opens_an_atendimento_and_sees_it(tg, bot):
    ana = tg.user("Ana", phone=ANA_PHONE)
    await ana.send("/start")
    [welcome] = await ana.wait_for_reply()
    assert "Compartilhar meu telefone" in welcome.text
    await ana.share_contact()
    [linked] = await ana.wait_for_reply()
    assert "Ana Souza" in linked.text
    await ana.send("/novo")
    [step] = await ana.wait_for_reply()
    assert "tipo" in step.text
    await ana.press("Assistência técnica")
    [step] = await ana.wait_for_reply()
    await ana.press("Infiltração")
    [step] = await ana.wait_for_reply()
    await ana.press("Residencial Jardins — Torre A, Torre B")
    [step] = await ana.wait_for_reply()
    await ana.press("Torre A - Apto 101 — Apartamento 101, Vaga 12")
    [step] = await ana.wait_for_reply()
    await ana.send("Vazamento no teto do banheiro da suíte desde ontem")
    replies = await ana.wait_for_reply(count=2)
    await ana.press("✅ Enviar")
    replies = await ana.wait_for_reply(count=2)
    assert "Atendimento nº 9 registrado" in replies[-1].text
    await ana.send("/meus")
    [listing] = await ana.wait_for_reply()
    assert "Nº 9" in listing.text and "página 1 de 2" in listing.text
    tg.assert_no_client_errors()
