"""A fake Telegram Bot API HTTP server for end-to-end tests, benchmarks and `atendimento sandbox`: the real
python-telegram-bot talks to it over HTTP (base_url), simulated people and groups produce updates, and it records
everything the bot did.

    async with FakeTelegram() as tg:                       # 127.0.0.1, a free port, in the current event loop
        app = Application.builder().token(tg.token).base_url(tg.base_url).base_file_url(tg.file_url).build()
        ana = tg.user("Ana", phone="+5511999990001")       # sandbox/emulator/telegram_users.py
        staff = tg.group("Equipe", members=[ana], forum=True)
        await ana.send("/start"); [answer] = await ana.wait_for_reply()

Faults and limits: `tg.flood.enabled = True` (+ `tg.flood.configure(...)`), `tg.faults.bad_gateway(seconds=…)`,
`.server_error(requests=…)`, `.flood(retry_after=…)`, `.hang(…)`, each optionally `methods=…`, `chats=…`,
`after_processing=True`; `tg.faults.clear()`.
Readers: `tg.messages_in(chat)`, `tg.sent`, `tg.requests`, `tg.errors` (4xx), `tg.bad_requests`, `tg.count(method)`,
`tg.count_429(chat)`, `tg.assert_no_bad_requests()`, `tg.menu(chat, user)`, `tg.pending_updates`,
`await tg.wait_until_confirmed()`.
"""
from sandbox.emulator.callback_queries import CallbackQuery
from sandbox.emulator.errors import ApiError
from sandbox.emulator.events import SimulationError
from sandbox.emulator.faults import Fault
from sandbox.emulator.request_log import RequestRecord
from sandbox.emulator.sent_messages import BotMessage, MessageVersion, Reply
from sandbox.emulator.server import FakeTelegram

__all__ = ["ApiError", "BotMessage", "CallbackQuery", "FakeTelegram", "Fault", "MessageVersion", "Reply",
           "RequestRecord", "SimulationError"]
