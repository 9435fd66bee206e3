"""The sandbox's web page: static HTML, CSS and JavaScript, the chats' state pushed live (server-sent events), and the
people's actions (write, press a button, share the phone, send a photo or a file) turned into emulator events.

Listens on 127.0.0.1 only. The page builds every element with DOM calls from plain text and Telegram's entities
(sandbox/static/app.js), so neither the bot's text nor a person's can inject markup.
"""
from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox import transcript
from sandbox.emulator import SimulationError
from sandbox.emulator.files import store_file
from sandbox.emulator.message_text import as_typed
from sandbox.emulator.telegram_users import TelegramUser
from sandbox.people import SandboxWorld

STATIC = Path(__file__).with_name("static")
MAX_UPLOAD = 25 * 1024 * 1024  # above the bot's 20 MB download limit, so the bot's own refusal can be seen
PRESS_ANSWER_WAIT = 3.0  # seconds the page waits for the bot to answer a button press (its toast or alert)
_BATCH = 0.03  # a burst of changes (a bot answer with an edit) goes as one state push
_PING = 15.0
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM")
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
log = logging.getLogger(__name__)


class PageError(Exception):
    """An action the simulated Telegram would not allow; the page shows the sentence."""


def is_image(content: bytes) -> bool:
    """What the Telegram apps can send as a compressed photo (anything else they send as a file)."""
    return content.startswith(_IMAGE_MAGIC) or (content[:4] == b"RIFF" and content[8:12] == b"WEBP")


class SandboxPage:
    def __init__(self, world: SandboxWorld, *, host: str = "127.0.0.1", port: int = 8080) -> None:
        self.world = world
        self.tg = world.tg
        self.host = host
        self.port = port
        self._version = 0
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.tg.listeners.append(lambda method: self.changed())

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- lifecycle -----------------------------------------------------------------------------------------------------
    def application(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPLOAD, middlewares=[self._same_origin, _security_headers])
        app.router.add_get("/", self._index)
        app.router.add_static("/static/", STATIC, append_version=False)
        app.router.add_get("/api/state", self._state)
        app.router.add_get("/api/events", self._events)
        app.router.add_post("/api/send", self._send)
        app.router.add_post("/api/press", self._press)
        app.router.add_post("/api/contact", self._contact)
        app.router.add_post("/api/upload", self._upload)
        app.router.add_post("/api/topic", self._topic)
        app.router.add_get("/arquivo/{file_id}", self._file)
        app.router.add_get("/favicon.ico", _no_content)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.application(), access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        self._closing = True
        self.changed()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @web.middleware
    async def _same_origin(self, request: web.Request, handler) -> web.StreamResponse:
        """Only this page may act: another site open in the browser cannot post here (Origin), nor reach the page
        through a name of its own that resolves to 127.0.0.1 (Host: DNS rebinding)."""
        hosts = {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}
        if request.host not in hosts:
            return _json({"ok": False, "error": "Abra o sandbox pelo endereço http://127.0.0.1."}, 403)
        origin = request.headers.get("Origin")
        if request.method == "POST" and origin is not None and origin.removeprefix("http://") not in hosts:
            return _json({"ok": False, "error": "Pedido de outra página recusado."}, 403)
        return await handler(request)

    def changed(self) -> None:
        self._version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    # -- reading -------------------------------------------------------------------------------------------------------
    def state(self, customer_id: int | None, staff_id: int | None) -> dict[str, Any]:
        world = self.world
        customer = self._private_person(customer_id) or next(iter(world.customers.values()))
        staff = world.staff.get(staff_id) if staff_id is not None else None
        staff = staff or next(iter(world.staff.values()))
        group = world.group.chat
        return {
            "bot": {"name": self.tg.bot.account.first_name, "username": self.tg.bot.username},
            "customers": [{"id": c.telegram_id, "name": c.name, "phone": c.phone} for c in world.people.customers],
            "staff": [{"id": s.telegram_id, "name": s.name, "login": s.login} for s in world.people.staff],
            "customer": customer.id,
            "staff_member": staff.id,
            "private": transcript.chat_view(self.tg, customer.chat),
            "keyboard": transcript.reply_keyboard(customer.chat),
            "group": transcript.chat_view(self.tg, group),
            "bot_in_group": group.bot_status in ("member", "administrator"),
            "menus": {"private": transcript.menu(self.tg, customer.chat, customer.id),
                      "group": transcript.menu(self.tg, group, staff.id)},
            "problems": transcript.problems(self.tg),
        }

    def _private_person(self, telegram_id: int | None) -> TelegramUser | None:
        """Whose private chat the left pane shows: a customer's, or a staff member's (where pendências reach them)."""
        if telegram_id is None:
            return None
        return self.world.customers.get(telegram_id) or self.world.staff.get(telegram_id)

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def _state(self, request: web.Request) -> web.Response:
        return _json(self.state(_int(request.query.get("customer")), _int(request.query.get("staff"))))

    async def _events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: the whole state after every change (the chats are small; the page re-renders)."""
        customer_id, staff_id = _int(request.query.get("customer")), _int(request.query.get("staff"))
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store",
                                               **_SECURITY_HEADERS})
        await response.prepare(request)
        seen = -1
        try:
            while not self._closing:
                if seen != self._version:
                    seen = self._version
                    data = json.dumps(self.state(customer_id, staff_id), ensure_ascii=False)
                    await response.write(f"event: state\ndata: {data}\n\n".encode())
                changed = self._changed
                try:
                    await asyncio.wait_for(changed.wait(), _PING)
                    await asyncio.sleep(_BATCH)
                except TimeoutError:
                    await response.write(b": ping\n\n")
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response

    async def _file(self, request: web.Request) -> web.StreamResponse:
        stored = self.tg.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound()
        if is_image(stored.content):
            return web.Response(body=stored.content, content_type=_image_type(stored.content))
        name = (stored.file_name or "arquivo").replace('"', "").replace("\\", "")
        return web.Response(body=stored.content, content_type="application/octet-stream",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'.encode(
                                "latin-1", "replace").decode("latin-1")})

    # -- acting --------------------------------------------------------------------------------------------------------
    def _person(self, body: dict[str, Any]) -> tuple[TelegramUser, bool]:
        """Who acts, and whether in the staff group (else the customer's private chat)."""
        in_group = body.get("chat") == "group"
        if in_group:
            person = self.world.staff.get(_int(body.get("staff")))
        else:
            person = self._private_person(_int(body.get("customer")))
        if person is None:
            raise PageError("Escolha quem está escrevendo.")
        return person, in_group

    def _message(self, in_group: bool, person: TelegramUser, message_id: Any) -> dict[str, Any] | None:
        if message_id in (None, ""):
            return None
        chat = self.world.group.chat if in_group else person.chat
        message = chat.messages.get(_int(message_id))
        if message is None:
            raise PageError("Essa mensagem não existe mais (foi apagada).")
        return message

    async def _send(self, request: web.Request) -> web.Response:
        return await self._act(request, self._do_send)

    async def _do_send(self, body: dict[str, Any]) -> dict[str, Any]:
        person, in_group = self._person(body)
        text = str(body.get("text") or "")
        parts = as_typed(text)
        if not parts:
            raise PageError("O Telegram não envia mensagem vazia.")
        reply_to = self._message(in_group, person, body.get("reply_to"))
        if in_group:
            await person.say_in(self.world.group, text, topic=_int(body.get("thread_id")), reply_to=reply_to)
        else:
            await person.send(text, reply_to=reply_to)
        note = (f"Texto longo: o Telegram o enviou em {len(parts)} mensagens (até 4096 caracteres cada)."
                if len(parts) > 1 else None)
        return {"ok": True, "note": note}

    async def _press(self, request: web.Request) -> web.Response:
        return await self._act(request, self._do_press)

    async def _do_press(self, body: dict[str, Any]) -> dict[str, Any]:
        person, in_group = self._person(body)
        chat = self.world.group.chat if in_group else person.chat
        sent = chat.bot_message_by_id.get(_int(body.get("message_id")))
        if sent is None or sent.deleted:
            raise PageError("Essa mensagem não existe mais (foi apagada).")
        query = await person.press(str(body.get("data") or ""), sent, chat=self.world.group if in_group else None)
        answered = await query.wait_answered(PRESS_ANSWER_WAIT)
        return {"ok": True, "answered": answered, "answer": query.answer_text, "alert": query.show_alert}

    async def _contact(self, request: web.Request) -> web.Response:
        return await self._act(request, self._do_contact)

    async def _do_contact(self, body: dict[str, Any]) -> dict[str, Any]:
        person, _ = self._person({**body, "chat": "private"})
        if not person.phone:
            raise PageError(f"{person.name} não tem telefone na demonstração para compartilhar.")
        await person.share_contact()
        return {"ok": True}

    async def _topic(self, request: web.Request) -> web.Response:
        return await self._act(request, self._do_topic)

    async def _do_topic(self, body: dict[str, Any]) -> dict[str, Any]:
        person, _ = self._person({**body, "chat": "group"})
        name = " ".join(str(body.get("name") or "").split())
        if not 1 <= len(name) <= 128:
            raise PageError("O nome do tópico precisa ter de 1 a 128 caracteres.")
        topic = await self.world.group.create_topic(name, by=person)
        return {"ok": True, "thread_id": topic.thread_id}

    async def _upload(self, request: web.Request) -> web.Response:
        try:
            form = await request.post()
        except web.HTTPRequestEntityTooLarge:
            return _json({"ok": False, "error": "Arquivo grande demais para o sandbox (máximo 25 MB)."}, 413)
        body = {key: form.get(key) for key in ("chat", "customer", "staff", "kind", "caption", "thread_id")}
        body["upload"] = form.get("file")
        return await self._act_on(body, self._do_upload)

    async def _do_upload(self, body: dict[str, Any]) -> dict[str, Any]:
        person, in_group = self._person(body)
        upload = body.get("upload")
        if not isinstance(upload, web.FileField):
            raise PageError("Escolha um arquivo.")
        content = upload.file.read()
        if not content:
            raise PageError("O Telegram não envia arquivo vazio.")
        caption_parts = as_typed(str(body.get("caption") or ""))
        caption = caption_parts[0] if caption_parts else None
        if caption is not None and len(caption) > 1024:
            raise PageError("Legenda longa demais: o Telegram aceita até 1024 caracteres.")
        kind = "photo" if body.get("kind") == "photo" else "document"
        note = None
        if kind == "photo" and not is_image(content):
            # The Telegram apps send what they cannot compress as an image as a file instead.
            kind, note = "document", "Não é uma imagem: o Telegram enviou como arquivo."
        fields = {} if kind == "photo" else {"file_name": upload.filename or "arquivo",
                                             "mime_type": upload.content_type or "application/octet-stream"}
        stored = store_file(self.tg, kind, content, **fields)
        extra = {"caption": caption} if caption else {}
        if in_group:
            await person.post_in(self.world.group, topic=_int(body.get("thread_id")), **{kind: stored.as_media(kind)},
                                 **extra)
        else:
            await person.post(**{kind: stored.as_media(kind)}, **extra)
        return {"ok": True, "note": note}

    async def _act(self, request: web.Request, action) -> web.Response:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _json({"ok": False, "error": "Pedido inválido."}, 400)
        if not isinstance(body, dict):
            return _json({"ok": False, "error": "Pedido inválido."}, 400)
        return await self._act_on(body, action)

    async def _act_on(self, body: dict[str, Any], action) -> web.Response:
        try:
            result = await action(body)
        except PageError as error:
            return _json({"ok": False, "error": str(error)}, 400)
        except SimulationError as error:  # the emulator's own refusal (not a member, a button that is gone…)
            log.info("sandbox: %s", error)
            return _json({"ok": False, "error": "O Telegram não permite isso agora: " + str(error)}, 400)
        finally:
            self.changed()
        return _json(result)


async def _no_content(request: web.Request) -> web.Response:
    return web.Response(status=204)


@web.middleware
async def _security_headers(request: web.Request, handler) -> web.StreamResponse:
    response = await handler(request)
    if response.prepared:  # the event stream set its own before it started
        return response
    for key, value in _SECURITY_HEADERS.items():
        response.headers.setdefault(key, value)
    return response


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _image_type(content: bytes) -> str:
    if content.startswith(b"\x89PNG"):
        return "image/png"
    if content.startswith(b"GIF8"):
        return "image/gif"
    if content.startswith(b"BM"):
        return "image/bmp"
    if content[:4] == b"RIFF":
        return "image/webp"
    return "image/jpeg"
