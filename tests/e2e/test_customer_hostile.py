"""Hostile input (issue 3, Tests): generated texts, descriptions, command arguments, contacts and button data — HTML and
MarkdownV2 metacharacters, 4096+ characters, emoji, RTL and zero-width marks, control characters, forged callback data
for other customers' units, tickets and wizard steps, huge numbers — from linked and unlinked people, against one
running bot. Over the whole run: no unhandled exception (no apology, no error logged), no HTTP 400 from Telegram,
every message answered and every button press answered.

How hypothesis drives an async bot: the bot and the fake Telegram server live in the test's event loop, which must
keep running between examples. So the `@given` function is an ordinary function, run in a worker thread
(`asyncio.to_thread`), and each example hands its coroutine to the loop (`run_coroutine_threadsafe`) and waits for it.
One bot serves the whole run (no function-scoped fixture is re-used across examples by hypothesis itself);
`derandomize=True` makes the run the same every time, and shrinking is off — a failure names its input directly
(the bot's state depends on the examples before it, so a shrunk example would not mean much).
"""
from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.support.bot_harness import ANA_PHONE, BRUNO_PHONE
from tests.support.customer_steps import forge_press, linked, wait_idle
from sandbox.emulator.message_text import as_typed
from sandbox.emulator.telegram_users import TelegramUser

EXAMPLES = 130
APOLOGY = "Desculpe, algo deu errado"

METACHARACTERS = [
    "<b>", "</b>", "<i>x</i>", "<", ">", "&", "&amp;", "&lt;", "&#x41;", "&#99999999;", "</pre>", "<pre>", "<code>",
    "<a href=\"tg://user?id=1\">", "<tg-spoiler>", "<br/>", "<!--", "]]>", "'", "\"",
    "*", "_", "__", "`", "```", "[", "](http://x)", "(", ")", "~", "||", "\\", "#", "+", "-", "=", "{", "}", ".", "!",
    "%s", "%(x)s", "{0}", "{ticket}", "{{", "$(reboot)", "'; DROP TABLE tickets; --",
    "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff", "\u2028",
    "\x00", "\x07", "\x1b[31m", "\r", "\n", "\t", "\x7f", "\u0085",
    "💧", "👨‍👩‍👧‍👦", "🇧🇷", "🏳️‍🌈", "é", "ç", "ã", "\U0010ffff", "\ufffd", "ｱ", "١٢٣", "עברית", "العربية", "Ω", "ß",
    "𝕬", "\u0301", "a\u0308", "Ⅻ", "²", "٣", "𝟡",
    "/novo", "/start", "/detalhes 1", "@atendimento_teste_bot", "#1", "nº 9",
]
NUMBERS = ["0", "-1", "1", "3", "7", "8", "9", "00", "07", "1e3", "9" * 18, "9" * 19, "9" * 40, "5000", "6000",
           "7000", "5100", "5111", "100", "200", "300", "10", "11", "20", "21", "30", "2", "４", "+1", " 1"]
chunk = st.one_of(st.sampled_from(METACHARACTERS), st.text(max_size=12), st.sampled_from(NUMBERS))
short_text = st.lists(chunk, min_size=1, max_size=10).map("".join)
long_text = st.builds(lambda piece, times: piece * times,
                      st.sampled_from(["<b>", "&", "💧", "palavra ", "\u202e", "a\u200b", "Vazamento forte. "]),
                      st.integers(300, 2200))
hostile_text = st.one_of(short_text, short_text, short_text, long_text)
number = st.one_of(st.sampled_from(NUMBERS), st.integers(0, 10**30).map(str))
step_code = st.sampled_from(["t", "s", "e", "u", "d", "x", "T", "-", "0", "tipo"])
callback_data = st.one_of(
    st.builds(lambda s, n: f"n:c:{s}:{n}", step_code, number),
    st.builds(lambda s, n: f"n:p:{s}:{n}", step_code, number),
    st.builds(lambda s: f"n:f:{s}", step_code),
    st.sampled_from(["n:b", "n:x", "n:ok", "n:fix", "n:sum", "n:", "n", "n:c", "n:c:u", "n:b:1", "n::", ":"]),
    st.builds(lambda n: f"m:d:{n}", number),
    st.builds(lambda t_, i, d: f"m:p:{t_}:{i}:{d}", number, number, st.sampled_from(["f", "b", "x", ""])),
    st.builds(lambda n: f"d:x:{n}", number),
    st.builds(lambda n: f"d:{n}", number),
    st.text(max_size=64).filter(lambda s: len(s.encode()) <= 64),
).filter(lambda data: len(data.encode()) <= 64)
phone = st.one_of(st.text(alphabet="+0123456789 ()-./", max_size=24), short_text)
who = st.sampled_from(["ana", "bruno", "ze"])
command_name = st.sampled_from(["/detalhes", "/start", "/novo", "/meus", "/ajuda", "/cancelar", "/help", "/foo",
                                "/detalhes@atendimento_teste_bot", "/novo@outro_bot"])

action = st.one_of(
    st.tuples(st.just("text"), who, hostile_text),
    st.tuples(st.just("command"), who, command_name, hostile_text),
    st.tuples(st.just("press"), who, callback_data),
    st.tuples(st.just("describe"), st.just("bruno"), hostile_text),
    st.tuples(st.just("wizard_text"), st.just("ana"), hostile_text),
    st.tuples(st.just("contact"), who, phone),
    st.tuples(st.just("walk"), st.sampled_from(["ana", "bruno"]), st.integers(0, 20)),
    st.tuples(st.just("walk"), st.sampled_from(["ana", "bruno"]), st.integers(0, 20)),
)


@dataclass
class Run:
    tg: object
    bot: object
    people: dict[str, TelegramUser]
    errors: list[logging.LogRecord]
    inputs: int = 0
    seen_400: int = 0
    seen_errors: int = 0
    problems: list[str] = field(default_factory=list)

    async def perform(self, step: tuple) -> None:
        kind, name, *rest = step
        person = self.people[name]
        if kind == "text":
            await self.say(person, rest[0])
        elif kind == "command":
            await self.say(person, f"{rest[0]} {rest[1]}")
        elif kind == "press":
            await self.press(person, rest[0])
        elif kind == "contact":
            if rest[0].strip():
                await self.settled(person, person.share_contact(rest[0]), f"[shares a contact: {rest[0]!r}]")
        elif kind == "describe":  # Bruno: /novo, a tipo, then the hostile description (and Enviar if it passes)
            await self.say(person, "/novo")
            if await self.has_button(person, "Assistência técnica"):
                await self.settled(person, person.press("Assistência técnica"), step)
                if await self.say(person, rest[0]) and await self.has_button(person, "✅ Enviar"):
                    before = len(person.all_messages)
                    await self.settled(person, person.press("✅ Enviar"), step)
                    opened = [found.group(1) for m in person.all_messages[before:]
                              if (found := re.search(r"Atendimento nº (\d+) registrado", m.text))]
                    if not opened:
                        self.problems.append(f"Enviar opened nothing: {[m.text[:300] for m in person.all_messages[-4:]]}")
                        return
                    await self.say(person, f"/detalhes {opened[0]}")
                    await self.say(person, "/meus")
        elif kind == "walk":  # a real button of the newest message that has any: wandering through every screen
            with_buttons = [m for m in person.messages if m.callback_data]
            if with_buttons:
                message = with_buttons[-1]
                label = message.buttons[rest[0] % len(message.buttons)]
                await self.settled(person, person.press(label, message), step)
        elif kind == "wizard_text":  # Ana: the hostile text at the step where her wizard happens to be
            await self.say(person, rest[0])

    async def say(self, person: TelegramUser, text: str) -> bool:
        if not as_typed(text):
            return False  # Telegram sends no empty message
        await self.settled(person, person.send(text), text)
        return True

    async def press(self, person: TelegramUser, data: str) -> None:
        if person.last is None:
            return
        query = forge_press(self.tg, person, data)
        await wait_idle(self.tg, self.bot)
        self.inputs += 1
        if not query.answered:
            self.problems.append(f"the press {data!r} by {person.label} was never answered")
        self.check(person, data)

    async def settled(self, person: TelegramUser, action, what) -> None:
        await action
        await wait_idle(self.tg, self.bot)
        self.inputs += 1
        if isinstance(what, str) and not person.unread:
            self.problems.append(f"{person.label} got no answer to {what[:200]!r}")
        self.check(person, what)

    async def has_button(self, person: TelegramUser, label: str) -> bool:
        last = person.last
        return last is not None and label in last.buttons

    def check(self, person: TelegramUser, what) -> None:
        for reply in person.unread:
            if APOLOGY in reply.text:
                self.problems.append(f"an unhandled error after {what!r:.300}")
        person._acted()
        if len(self.errors) > self.seen_errors:
            logged = [record.getMessage() for record in self.errors[self.seen_errors:]]
            self.seen_errors = len(self.errors)
            self.problems.append(f"errors logged after {what!r:.300}: {logged}")
        bad = self.tg.bad_requests
        if len(bad) > self.seen_400:
            new = [f"{r.method} {r.description} {r.params!r:.600}" for r in bad[self.seen_400:]]
            self.seen_400 = len(bad)
            self.problems.append(f"HTTP 400 after {what!r:.300}: {new}")


async def test_hostile_input_never_breaks_the_bot(tg, bot):
    ana = await linked(tg, "Ana", ANA_PHONE)
    bruno = await linked(tg, "Bruno", BRUNO_PHONE)
    ze = tg.user("Zé", phone="+5511912345678")
    await ze.send("/start")
    await ze.wait_for_reply()
    await ana.send("/novo")  # Ana's hostile texts land in a wizard, wherever it happens to be
    await ana.wait_for_reply()
    errors: list[logging.LogRecord] = []
    run = Run(tg, bot, {"ana": ana, "bruno": bruno, "ze": ze}, errors)
    collector = _Collector(errors)
    logging.getLogger().addHandler(collector)
    loop = asyncio.get_running_loop()

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(step=action)
    def example(step):
        asyncio.run_coroutine_threadsafe(run.perform(step), loop).result(timeout=60)
        assert not run.problems, f"{step!r:.500}: {run.problems}"

    try:
        await asyncio.to_thread(example)
    finally:
        logging.getLogger().removeHandler(collector)
    assert run.inputs >= 100, run.inputs
    assert not errors, [record.getMessage() for record in errors]
    for person in run.people.values():
        assert not any(APOLOGY in m.text for m in person.all_messages)
    tg.assert_no_bad_requests()
    assert not tg.internal_errors


class _Collector(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("bot", "telegram", "domain", "storage")):
            self.records.append(record)
