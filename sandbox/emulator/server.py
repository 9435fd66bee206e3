"""The fake Telegram Bot API HTTP server (the tests' and the sandbox's Telegram): one bot, a simulated world of people and groups, Telegram's rules where bots
get hurt, flood control and fault injection, and a record of everything the bot did.

Runs in the current event loop on 127.0.0.1 with an OS-assigned port:

    async with FakeTelegram() as tg:
        app = Application.builder().token(tg.token).base_url(tg.base_url).base_file_url(tg.file_url).build()
        ana = tg.user("Ana", phone="+5511999990001")

A bot in a subprocess reaches it the same way (TELEGRAM_BASE_URL=tg.base_url); all state lives here, so the bot can be
killed and started again. Do not block the event loop while a bot talks to it (use asyncio subprocesses).
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from sandbox.emulator import errors
from sandbox.emulator.bot_account import TOKEN, BotAccount, WebhookConfig
from sandbox.emulator.callback_queries import CallbackQuery
from sandbox.emulator.events import WorldEvents
from sandbox.emulator.faults import BAD_GATEWAY_PAGE, GATEWAY_TIMEOUT_PAGE, Fault, Faults
from sandbox.emulator.files import StoredFile
from sandbox.emulator.flood_control import FloodControl
from sandbox.emulator.methods import METHODS
from sandbox.emulator.methods.commands import menu_for
from sandbox.emulator.params import Params, chat_id_hint, read_params
from sandbox.emulator.request_log import RequestLog, RequestRecord
from sandbox.emulator.sent_messages import BotMessage
from sandbox.emulator.webhook import WebhookDelivery
from sandbox.emulator.world import Chat, World

_NOT_FOUND = json.dumps(errors.not_found().payload()).encode()
_LOGGER = logging.getLogger(__name__)


def _json(status: int, body: Any) -> web.Response:
    return web.Response(body=json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(), status=status,
                        content_type="application/json")


class FakeTelegram:
    def __init__(
        self,
        *,
        token: str | None = None,
        bot_username: str = "atendimento_teste_bot",
        bot_name: str = "Atendimento",
        privacy_mode: bool = True,
        strict_ampersand: bool = True,
        flood_control: bool = False,
        keep_requests: bool = True,
        callback_query_ttl: float | None = None,
        webhook_retry_delay: float = 0.05,
        host: str = "127.0.0.1",
        port: int = 0,
        clock=time.time,
    ):
        self.bot = BotAccount.create(token, bot_username, bot_name, privacy_mode)
        self.world = World()
        self.events = WorldEvents(self)
        self.flood = FloodControl()
        self.flood.enabled = flood_control
        self.faults = Faults()
        self.log = RequestLog(keep_all=keep_requests)
        self.strict_ampersand = strict_ampersand
        self.callback_query_ttl = callback_query_ttl
        self.webhook_retry_delay = webhook_retry_delay
        self.clock = clock
        self.host = host
        self.port = port
        self.files: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, CallbackQuery] = {}
        self.sent: list[BotMessage] = []  # every message the bot sent, in order, across chats
        self.deleted: list[tuple[int, int]] = []  # (chat id, message id) the bot deleted
        self.groups: dict[int, Any] = {}  # chat id → TelegramGroup
        self.internal_errors: list[str] = []  # bugs of the fake itself (answered 500)
        self.listeners: list[Callable[[str], None]] = []  # told the method name after each call (the sandbox page)
        self._runner: web.ServerRunner | None = None
        self._closing: asyncio.Event | None = None
        self._webhook: WebhookDelivery | None = None

    # -- lifecycle -----------------------------------------------------------------------------------------------------
    async def start(self) -> "FakeTelegram":
        self._closing = asyncio.Event()
        server = web.Server(self._handle, access_log=None, keepalive_timeout=75)
        self._runner = web.ServerRunner(server, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, backlog=1024, reuse_address=True)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        if self._closing is not None:
            self._closing.set()
        self.bot.updates.close()
        if self._webhook is not None:
            await self._webhook.stop()
            self._webhook = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "FakeTelegram":
        return await self.start()

    async def __aexit__(self, exc_type, exc, traceback) -> None:
        await self.close()
        if self.internal_errors and exc_type is None:
            raise AssertionError("the fake Telegram server itself failed: " + "; ".join(self.internal_errors))

    # -- addresses -----------------------------------------------------------------------------------------------------
    @property
    def token(self) -> str:
        return self.bot.token

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For python-telegram-bot's `base_url` (it appends the token), and TELEGRAM_BASE_URL."""
        return f"{self.url}/bot"

    @property
    def file_url(self) -> str:
        return f"{self.url}/file/bot"

    def now(self) -> int:
        return int(self.clock())

    # -- HTTP ----------------------------------------------------------------------------------------------------------
    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        path = request.path
        if path.startswith("/bot"):
            token, _, method = path[4:].partition("/")
            return await self._api_call(request, token, method)
        if path.startswith("/file/bot"):
            return self._download(path[len("/file/bot"):])
        return web.Response(body=_NOT_FOUND, status=404, content_type="application/json")

    async def _api_call(self, request: web.BaseRequest, token: str, method: str) -> web.StreamResponse:
        started = time.monotonic()
        if not TOKEN.match(token) or not method or "/" in method:
            self.log.add(RequestRecord(method or "?", started, 404, description="Not Found"))
            return web.Response(body=_NOT_FOUND, status=404, content_type="application/json")
        try:
            raw = await read_params(request)
        except errors.ApiError as exc:
            self.log.add(RequestRecord(method, started, exc.status, description=exc.description))
            return _json(exc.status, exc.payload())
        name = method.lower()
        chat_id = chat_id_hint(raw)
        fault = self.faults.match(name, chat_id)
        if fault is not None and not fault.after_processing:
            return await self._faulty_answer(fault, method, started, chat_id, raw)

        entry = METHODS.get(name)
        if entry is None:
            self.log.unknown_methods[method] += 1
            status, body = 404, errors.not_found().payload()
        else:
            handler, is_async = entry
            try:
                result = handler(self, Params(raw))
                if is_async:
                    result = await result
                status, body = 200, {"ok": True, "result": result}
            except errors.ApiError as exc:
                status, body = exc.status, exc.payload()
            except Exception as exc:  # a bug of the fake itself: answer 500 and fail the test at close
                _LOGGER.exception("the fake Telegram server failed on %s %s", method, _printable(raw))
                self.internal_errors.append(f"{method}: {exc!r}")
                status, body = 500, errors.internal_server_error().payload()
        if fault is not None:  # it took effect, but the answer is lost
            return await self._faulty_answer(fault, method, started, chat_id, raw)
        description = body.get("description") if status != 200 else None
        self.log.add(RequestRecord(method, started, status, chat_id, description,
                                   _printable(raw) if 400 <= status < 500 else None,
                                   abandoned=request.transport is None or request.transport.is_closing()))
        for listener in self.listeners:
            listener(method)
        return _json(status, body)

    async def _faulty_answer(self, fault: Fault, method: str, started: float, chat_id: int | None,
                             raw: dict[str, Any]) -> web.StreamResponse:
        if fault.kind == "bad_gateway":
            status, response = 502, web.Response(text=BAD_GATEWAY_PAGE, status=502, content_type="text/html")
        elif fault.kind == "server_error":
            status, response = 500, _json(500, errors.internal_server_error().payload())
        elif fault.kind == "flood":
            error = errors.too_many_requests(fault.retry_after)
            status, response = 429, _json(429, error.payload())
        else:
            closing = asyncio.ensure_future(self._closing.wait())
            await asyncio.wait((closing,), timeout=fault.hang_seconds)
            closing.cancel()
            status, response = 504, web.Response(text=GATEWAY_TIMEOUT_PAGE, status=504, content_type="text/html")
        self.log.add(RequestRecord(method, started, status, chat_id, f"injected {fault.kind}",
                                   _printable(raw) if status == 429 else None, injected=True))
        return response

    def _download(self, rest: str) -> web.StreamResponse:
        token, _, file_path = rest.partition("/")
        if TOKEN.match(token):
            for stored in self.files.values():
                if stored.file_path == file_path:
                    return web.Response(body=stored.content, content_type="application/octet-stream")
        return web.Response(body=_NOT_FOUND, status=404, content_type="application/json")

    # -- used by the methods -------------------------------------------------------------------------------------------
    def spend_flood(self, chat: Chat) -> None:
        """Flood control for a new message to `chat` (raises 429 when a limit is exceeded)."""
        if self.flood.enabled:
            retry_after = self.flood.retry_after(chat.id, chat.type == "private")
            if retry_after:
                raise errors.too_many_requests(retry_after)

    async def install_webhook(self, url: str, *, drop_pending_updates: bool = False, **config: Any) -> None:
        if self._webhook is not None:
            await self._webhook.stop()
        if drop_pending_updates:
            self.bot.updates.drop_all()
        self.bot.updates.interrupt_pollers()
        self.bot.webhook = WebhookConfig(url=url, **{k: v for k, v in config.items() if k != "has_certificate"},
                                         has_custom_certificate=config.get("has_certificate", False))
        self._webhook = WebhookDelivery(self.bot, self.bot.webhook, retry_delay=self.webhook_retry_delay,
                                        clock=self.clock)
        self._webhook.start()

    async def remove_webhook(self, *, drop_pending_updates: bool = False) -> None:
        if self._webhook is not None:
            await self._webhook.stop()
            self._webhook = None
        self.bot.webhook = None
        if drop_pending_updates:
            self.bot.updates.drop_all()

    # -- the simulated world -------------------------------------------------------------------------------------------
    def user(self, first_name: str = "Ana", last_name: str | None = None, *, phone: str | None = None,
             username: str | None = None, language_code: str | None = "pt-br", started: bool = False,
             user_id: int | None = None):
        """A simulated person with a private chat with the bot (see sandbox/emulator/telegram_users.py).
        `started=True`: they have talked to the bot before (so the bot may write to them first)."""
        from sandbox.emulator.telegram_users import TelegramUser

        account, chat = self.world.add_person(first_name, last_name=last_name, phone=phone, username=username,
                                              language_code=language_code, started_bot=started, id=user_id)
        return TelegramUser(self, account, chat)

    def group(self, title: str = "Equipe", members=(), *, admins=(), supergroup: bool = True, forum: bool = False,
              bot: str | None = "administrator", username: str | None = None):
        """A group the people in `members` (and `admins`) are in. `bot`: the bot's status there ("administrator",
        "member", or None when it is not in it yet; then `group.add_bot()`)."""
        from sandbox.emulator.telegram_users import TelegramGroup

        chat = self.world.add_group(title, supergroup=supergroup, forum=forum, username=username)
        chat.bot_status = bot or "left"
        for person in members:
            chat.members[person.id] = "member"
        for person in admins:
            chat.members[person.id] = "administrator"
        group = self.groups[chat.id] = TelegramGroup(self, chat)
        return group

    # -- readers -------------------------------------------------------------------------------------------------------
    def chat(self, chat: Any) -> Chat:
        return self.world.chats[getattr(chat, "id", chat)]

    def messages_in(self, chat: Any, *, include_deleted: bool = False) -> list[BotMessage]:
        """The messages the bot sent to a chat (a person, a group or an id), oldest first."""
        found = self.chat(chat)
        return list(found.bot_messages) if include_deleted else found.visible_bot_messages

    @property
    def requests(self) -> list[RequestRecord]:
        return self.log.requests

    @property
    def errors(self) -> list[RequestRecord]:
        """Every 4xx answer (400, 403, 404, 409, 429…)."""
        return self.log.errors

    @property
    def bad_requests(self) -> list[RequestRecord]:
        return self.log.bad_requests

    def count(self, method: str | None = None, *, status: int | None = None) -> int:
        return self.log.count(method, status=status)

    def count_429(self, chat: Any = None, *, injected: bool | None = None) -> int:
        return self.log.count_429(getattr(chat, "id", chat), injected=injected)

    def assert_no_bad_requests(self) -> None:
        assert not self.bad_requests, "the bot got HTTP 400 answers:\n" + self.log.explain_errors(400)

    def assert_no_client_errors(self, *, allow: tuple[int, ...] = ()) -> None:
        wrong = [r for r in self.errors if r.status not in allow]
        assert not wrong, "the bot got 4xx answers:\n" + "\n".join(
            f"  {r.method} → {r.status} {r.description} params={r.params}" for r in wrong)

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict[str, str]]:
        """The commands stored for exactly this scope and language (what getMyCommands answers)."""
        from sandbox.emulator.methods.commands import scope_key

        return self.bot.commands.get((scope_key(self, scope), language_code), [])

    def menu(self, chat: Any, user: Any = None, language_code: str = "") -> list[str]:
        """The command names a person sees in the menu of a chat, after Telegram's scope resolution."""
        user_id = getattr(user, "id", user)
        return [c["command"] for c in menu_for(self, getattr(chat, "id", chat), user_id, language_code)]

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return self.bot.updates.pending

    async def wait_until_confirmed(self, timeout: float = 5.0) -> None:
        """Until the bot has confirmed (with getUpdates' offset) every update sent so far — e.g. before killing it, so
        that a restarted bot does not get the last batch again (Telegram redelivers unconfirmed updates)."""
        if not await self.bot.updates.drained(timeout):
            raise AssertionError(f"the bot left {self.bot.updates.pending_count} update(s) unconfirmed for {timeout} s")


def _printable(raw: dict[str, Any]) -> dict[str, Any]:
    return {key: (value if isinstance(value, (str, int, float, bool, list, dict)) else "<file>")
            for key, value in raw.items()}
