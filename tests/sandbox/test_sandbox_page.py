"""The sandbox's page server, through HTTP as the page's JavaScript uses it: what it shows (the demo's people, the
chats, the menus) and what the simulated Telegram makes of bad input — exactly what Telegram would do, and the bot's own
answer to it."""
from __future__ import annotations

import json
import struct
import zlib

import aiohttp
import pytest

from sandbox.has_token import main as has_token


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


async def act(sandbox, path: str, **body) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http, http.post(sandbox.url + path, json=body) as response:
        return response.status, await response.json()


async def state(sandbox, customer: int | None = None) -> dict:
    query = f"?customer={customer}" if customer else ""
    async with aiohttp.ClientSession() as http, http.get(sandbox.url + "/api/state" + query) as response:
        return await response.json()


def first_customer(sandbox):
    return next(iter(sandbox.world.customers.values()))


async def test_the_page_shows_the_demo_people_and_the_staff_group_with_the_bot_in_it(sandbox):
    shown = await state(sandbox)
    assert sandbox.host == "127.0.0.1"
    assert [c["name"] for c in shown["customers"]][:2] == ["Ana Paula Souza", "Bruno Henrique Lima"]
    assert len(shown["customers"]) == 16 and all(c["phone"].startswith("+55") for c in shown["customers"])
    assert [s["login"] for s in shown["staff"]] == ["mariana.costa", "roberto.alves", "joao.silva", "admin"]
    assert shown["bot_in_group"] and shown["group"]["type"] == "supergroup" and shown["group"]["topics"] == []
    assert "novo" in [c["command"] for c in shown["menus"]["private"]]
    assert "pendencias" in [c["command"] for c in shown["menus"]["group"]]
    assert sandbox.tg.token.split(":")[0].isdigit() and len(sandbox.tg.token.split(":")[1]) == 35


async def test_the_page_is_served_with_a_strict_content_policy_and_pushes_state_as_events(sandbox):
    async with aiohttp.ClientSession() as http:
        async with http.get(sandbox.url + "/") as response:
            assert response.status == 200 and "<title>Atendimento — sandbox</title>" in await response.text()
            assert "script-src" not in response.headers["Content-Security-Policy"]  # default-src 'self' covers it
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        async with http.get(sandbox.url + "/api/events") as response:
            assert response.headers["Content-Type"] == "text/event-stream"
            assert await response.content.readline() == b"event: state\n"
            data = (await response.content.readline()).decode()
            assert json.loads(data.removeprefix("data: "))["customers"]


async def test_other_sites_cannot_act_through_the_page(sandbox):
    ana = first_customer(sandbox)
    async with aiohttp.ClientSession() as http:
        async with http.post(sandbox.url + "/api/send", json={"customer": ana.id, "text": "/start"},
                             headers={"Origin": "https://example.com"}) as response:
            assert response.status == 403
        async with http.get(sandbox.url + "/api/state", headers={"Host": "rebound.example.com"}) as response:
            assert response.status == 403
        async with http.post(sandbox.url + "/api/send", json={"customer": ana.id, "chat": "private", "text": "oi"},
                             headers={"Origin": sandbox.url}) as response:
            assert response.status == 200
    await ana.wait_for_reply()
    assert len((await state(sandbox, ana.id))["private"]["messages"]) == 2


async def test_sharing_the_phone_from_the_page_links_the_customer_shown(sandbox):
    ana = first_customer(sandbox)
    assert (await act(sandbox, "/api/send", chat="private", customer=ana.id, text="/start"))[0] == 200
    [welcome] = await ana.wait_for_reply()
    keyboard = (await state(sandbox, ana.id))["keyboard"]
    assert any(button["request_contact"] for row in keyboard for button in row), welcome.text
    assert (await act(sandbox, "/api/contact", customer=ana.id))[0] == 200
    [linked] = await ana.wait_for_reply()
    assert "Ana Paula Souza" in linked.text
    contact = [m for m in (await state(sandbox, ana.id))["private"]["messages"] if "contact" in m][0]
    assert contact["contact"]["phone"] == "5511900000001"  # as the apps send it: digits only
    sandbox.tg.assert_no_client_errors(allow=(429,))  # flood control is on, as in Telegram


async def test_html_typed_in_the_page_reaches_the_bot_as_plain_text(sandbox):
    ana = first_customer(sandbox)
    typed = '<b>oi</b> <img src=x onerror="alert(1)"> & <script>alert(2)</script>'
    assert (await act(sandbox, "/api/send", chat="private", customer=ana.id, text=typed))[0] == 200
    await ana.wait_for_reply()
    [message] = [m for m in (await state(sandbox, ana.id))["private"]["messages"] if not m["from_bot"]]
    assert message["text"] == typed and message["entities"] == []
    sandbox.tg.assert_no_client_errors(allow=(429,))  # the bot's answer was well-formed HTML for Telegram


async def test_5000_characters_go_as_two_messages_as_the_telegram_apps_send_them(sandbox):
    ana = first_customer(sandbox)
    status, answer = await act(sandbox, "/api/send", chat="private", customer=ana.id, text="a" * 5000)
    assert status == 200 and "2 mensagens" in answer["note"]
    await ana.wait_for_reply(count=2)  # the bot answers each
    sent = [m["text"] for m in (await state(sandbox, ana.id))["private"]["messages"] if not m["from_bot"]]
    assert [len(text) for text in sent] == [4096, 904]


async def test_a_photo_that_is_not_an_image_goes_as_a_file_and_a_real_one_as_a_photo(sandbox):
    ana = first_customer(sandbox)
    async with aiohttp.ClientSession() as http:
        for name, content in (("foto.jpg", b"isto nao e uma imagem"), ("foto.png", tiny_png())):
            form = aiohttp.FormData({"chat": "private", "customer": str(ana.id), "kind": "photo", "caption": ""})
            form.add_field("file", content, filename=name, content_type="image/jpeg")
            async with http.post(sandbox.url + "/api/upload", data=form) as response:
                answer = await response.json()
                assert response.status == 200, answer
            if name == "foto.jpg":
                assert answer["note"] == "Não é uma imagem: o Telegram enviou como arquivo."
            await ana.wait_for_reply()
        media = [m["media"] for m in (await state(sandbox, ana.id))["private"]["messages"] if "media" in m]
        assert [(m["kind"], m["name"]) for m in media] == [("document", "foto.jpg"), ("photo", None)]
        async with http.get(f"{sandbox.url}/arquivo/{media[0]['file_id']}") as response:
            assert response.headers["Content-Type"] == "application/octet-stream"
            assert response.headers["Content-Disposition"] == 'attachment; filename="foto.jpg"'
        async with http.get(f"{sandbox.url}/arquivo/{media[1]['file_id']}") as response:
            assert response.headers["Content-Type"] == "image/png" and await response.read() == tiny_png()


@pytest.mark.parametrize("path, body, error", [
    ("/api/send", {"chat": "private", "text": " \n "}, "O Telegram não envia mensagem vazia."),
    ("/api/send", {"chat": "private", "customer": 1, "text": "oi"}, "Escolha quem está escrevendo."),
    ("/api/press", {"chat": "private", "message_id": 999, "data": "x"}, "Essa mensagem não existe mais"),
    ("/api/send", {"chat": "private", "text": "oi", "reply_to": 999}, "Essa mensagem não existe mais"),
])
async def test_impossible_actions_get_a_sentence_and_change_nothing(sandbox, path, body, error):
    ana = first_customer(sandbox)
    body = {"customer": ana.id, **body}
    status, answer = await act(sandbox, path, **body)
    assert status == 400 and answer["error"].startswith(error)
    assert (await state(sandbox, ana.id))["private"]["messages"] == []
    async with aiohttp.ClientSession() as http, http.post(sandbox.url + "/api/send", data=b"{") as response:
        assert response.status == 400 and (await response.json())["error"] == "Pedido inválido."


@pytest.mark.parametrize("value, expected", [("123456789:" + "A" * 35, 0), ("", 1), ("  ", 1)])
def test_make_run_opens_the_sandbox_only_without_a_token(monkeypatch, tmp_path, value, expected):
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", value)
    assert has_token() == expected
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=123456789:" + "B" * 35 + "\n")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    assert has_token() == 0


async def test_a_busy_port_stops_the_sandbox_with_one_sentence(database_url):
    import socket

    from bot.settings import load_settings
    from sandbox.run import SandboxError, run_sandbox

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(SandboxError, match=f"127.0.0.1:{port}.*--port"):
            await run_sandbox(load_settings(), port=port, database_url=database_url)


@pytest.mark.parametrize("port", ["0", "70000", "oito"])
def test_the_port_must_be_a_port(port, capsys):
    from bot.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["sandbox", "--port", port])
    assert exit_.value.code == 2 and "porta inválida" in capsys.readouterr().err
