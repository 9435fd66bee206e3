"""The sandbox in a real browser (Debian's Chromium through Playwright): a customer's whole journey and the staff's
answer, and bad input shown sanely. Skips without /usr/bin/chromium, except in CI (CI=true), where it fails.

The journey saves the README's screenshot to docs/sandbox.png when that file is missing or SANDBOX_SCREENSHOT=1 (a test
run does not rewrite a committed file otherwise; the picture is then kept under the test's tmp_path)."""
from __future__ import annotations

import os
from pathlib import Path

from tests.sandbox.test_sandbox_page import tiny_png

README_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "sandbox.png"


def private(tab):
    return tab.locator("#private-messages")


def group(tab):
    return tab.locator("#group-messages")


async def type_and_send(tab, chat: str, text: str) -> None:
    box = tab.locator(f"#{chat}-composer textarea")
    await box.fill(text)
    await box.press("Enter")


async def press(tab, chat: str, label: str) -> None:
    await tab.locator(f"#{chat}-messages .inline-button", has_text=label).last.click()


async def test_a_customer_opens_an_atendimento_and_the_staff_resolve_its_stage(sandbox, browser_page, tmp_path,
                                                                                backend):
    tab = browser_page
    await tab.goto(sandbox.url)
    await tab.locator("#connection", has_text="ao vivo").wait_for()
    await tab.select_option("#customer-select", label="Ana Paula Souza")

    await type_and_send(tab, "private", "/start")
    await tab.locator("#private-keyboard .keyboard-button.contact").click()  # 📱 Compartilhar meu telefone
    await private(tab).get_by_text("Sua conta está vinculada").wait_for()
    assert await tab.locator("#private-keyboard").is_hidden()

    await tab.locator("#private-composer .menu-button").click()  # the bot's menu of commands (setMyCommands)
    await tab.locator("#private-composer .menu button", has_text="/novo").click()
    await private(tab).get_by_text("Qual é o tipo de atendimento?").wait_for()
    await press(tab, "private", "Assistência técnica")
    await private(tab).get_by_text("Qual é o assunto?").wait_for()
    await press(tab, "private", "Infiltração")
    await private(tab).get_by_text("Em qual empreendimento?").wait_for()
    await press(tab, "private", "Residencial Jardim das Acácias")
    await private(tab).get_by_text("escolhida automaticamente").wait_for()
    # The wizard edits its one message in place: one bot message holds every step so far.
    assert await private(tab).locator(".message.bot", has_text="📝 Novo atendimento").count() == 1
    await type_and_send(tab, "private", "Mancha de umidade no teto do banheiro social desde a chuva de ontem")
    await private(tab).get_by_text("Confira o seu atendimento").wait_for()
    await press(tab, "private", "Enviar")
    registered = private(tab).locator(".message.bot", has_text="registrado")
    await registered.wait_for()
    number = (await registered.inner_text()).split("nº ")[1].split()[0]

    pendencia = group(tab).locator(".message.bot", has_text=f"Novo atendimento nº {number}")
    await pendencia.wait_for(timeout=30_000)
    await tab.select_option("#staff-select", label="Roberto Alves")
    await tab.locator("#connection", has_text="ao vivo").wait_for()
    await press(tab, "group", "Resolver etapa 1")
    await group(tab).get_by_text("responda a esta mensagem").wait_for()
    await tab.locator("#group-composer .replying", has_text="Respondendo a").wait_for()  # ForceReply, as the apps do
    await type_and_send(tab, "group", "Vistoria feita: a água vem do ralo do apartamento de cima.")
    await group(tab).get_by_text(f"Etapa 1 do atendimento nº {number} resolvida").wait_for()

    push = private(tab).locator(".message.bot", has_text="está ✅ Resolvida")
    await push.wait_for(timeout=30_000)
    assert "Vistoria técnica" in await push.inner_text()
    # Telegram refused none of the bot's requests, except flood control's 429s (the bot waits and sends again).
    assert {p["status"] for p in await tab.evaluate("view.state.problems")} <= {429}, \
        await tab.evaluate("view.state.problems")

    await tab.evaluate("document.getElementById('toast').hidden = true")
    await tab.locator("#group-messages").evaluate("list => list.scrollTop = list.scrollHeight")
    refresh = backend == "sqlite" and (os.environ.get("SANDBOX_SCREENSHOT") or not README_SCREENSHOT.exists())
    target = README_SCREENSHOT if refresh else tmp_path / "sandbox.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    await tab.screenshot(path=str(target))
    assert target.read_bytes().startswith(b"\x89PNG")

    # The new stage's pendência also reaches its responsible's private chat, which the left pane can show.
    await tab.select_option("#customer-select", label="João Silva")
    await private(tab).locator(".message.bot", has_text=f"Nova etapa no atendimento nº {number}").wait_for(
        timeout=30_000)

    # Staff may open a forum topic and write in it; the page groups the group's messages by topic.
    await tab.locator("#group-topics input[name=name]").fill("Obras da Torre A")
    await tab.locator("#group-topics input[name=name]").press("Enter")
    await tab.locator("#group-topics .topic.active", has_text="Obras da Torre A").wait_for()
    await type_and_send(tab, "group", f"/ver@{sandbox.tg.bot.username} {number}")
    # The list shows only the topic now: the service message, the command, and the bot's answer in the topic.
    await group(tab).locator(".message.bot", has_text="Cliente: Ana Paula Souza").wait_for()
    assert await group(tab).locator(".message.service", has_text="Tópico criado: Obras da Torre A").count() == 1
    assert await group(tab).locator(".message").count() == 3
    await tab.locator("#group-topics .topic", has_text="Todos").click()


async def test_bad_input_in_the_page_is_shown_as_telegram_would_show_it(sandbox, browser_page, tmp_path):
    tab = browser_page
    await tab.goto(sandbox.url)
    await tab.locator("#connection", has_text="ao vivo").wait_for()

    hostile = '<b>oi</b> <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> &amp;'
    await type_and_send(tab, "private", hostile)
    await private(tab).locator(".message.person .text", has_text=hostile).wait_for()  # shown literally
    await private(tab).locator(".message.bot").first.wait_for()
    assert await tab.evaluate("window.__xss") is None
    assert await private(tab).locator("img, script, b:has-text('oi')").count() == 0

    await type_and_send(tab, "private", "x" * 5000)
    await tab.locator("#private-composer .notice", has_text="enviou em 2 mensagens").wait_for()
    await private(tab).locator(".message.person").nth(2).wait_for()  # the hostile one, then 4096 + 904 characters
    assert [len(await text.inner_text()) for text in await private(tab).locator(".message.person .text").all()][1:] \
        == [4096, 904]

    fake = tmp_path / "foto.jpg"
    fake.write_bytes(b"GIF? no: just text pretending to be a photo")
    await tab.locator("#private-composer input[name=photo]").set_input_files(str(fake))
    await tab.locator("#private-composer .notice", has_text="Não é uma imagem").wait_for()
    await private(tab).locator(".message.person a.file", has_text="foto.jpg").wait_for()

    real = tmp_path / "ponto.png"
    real.write_bytes(tiny_png())
    await tab.locator("#private-composer input[name=photo]").set_input_files(str(real))
    await private(tab).locator(".message.person a.photo img").wait_for()

    await tab.locator("#private-composer textarea").fill("   ")
    await tab.locator("#private-composer .send").click()
    await tab.locator("#private-composer .notice", has_text="O Telegram não envia mensagem vazia.").wait_for()
    assert await tab.evaluate("window.__xss") is None
