"""Conversations tested as tables (like Zulip's `verify_dialog`): each step is what the person does and what the bot
must answer, checked in order; a failure shows the transcript so far.

    await verify_dialog(ana, [
        ("/start",                    says("Olá", keyboard=["Compartilhar meu telefone"])),
        (share_contact(),             says("vinculada")),
        ("/novo",                     says("tipo", buttons=["Assistência técnica", "Solicitação", "Cancelar"])),
        (press("Assistência técnica"), says("assunto", edit=True)),
        ("bom dia",                   NO_ANSWER),
        (command("/detalhes", 12),    [says("Atendimento 12"), says("Etapa 1")]),   # two messages, in order
        (press("Enviar"),             says("registrado", toast="Enviado")),
        (wait(),                      says("expirou")),                             # just wait for the bot
    ])

Actions: a string (sent as text), `press`, `tap` (reply keyboard), `share_contact`, `share_contact_of`, `photo`,
`sticker`, `document`, `reply`, `command`, `say_in` (in a group), `block_bot`, `wait`, or any `Action`.
Expectations: a string (a substring), a compiled regex, `says(...)`, `NO_ANSWER` / `no_answer(within)`, or a list of
them (one per bot message or edit, in order). `says(in_chat=group)` looks for the answer in another chat.
"""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sandbox.emulator.callback_queries import CallbackQuery
from sandbox.emulator.sent_messages import Reply
from sandbox.emulator.telegram_users import DEFAULT_QUIET, DEFAULT_TIMEOUT, TelegramGroup, TelegramUser


# -- what the person does --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Action:
    description: str
    perform: Callable[[TelegramUser], Awaitable[Any]]


def send(text: str) -> Action:
    return Action(text, lambda person: person.send(text))


def command(name: str, *args: Any) -> Action:
    name = name if name.startswith("/") else f"/{name}"
    return Action(" ".join([name, *map(str, args)]), lambda person: person.command(name, *args))


def press(button: str, message: Any = None, *, chat: TelegramGroup | None = None) -> Action:
    return Action(f"[presses {button!r}]", lambda person: person.press(button, message, chat=chat))


def tap(label: str) -> Action:
    return Action(f"[taps {label!r} on the keyboard]", lambda person: person.tap(label))


def share_contact(phone_number: str | None = None) -> Action:
    return Action("[shares own contact]", lambda person: person.share_contact(phone_number))


def share_contact_of(other: TelegramUser | None = None, **card: Any) -> Action:
    who = other.name if other is not None else card.get("phone", "?")
    return Action(f"[shares the contact of {who}]", lambda person: person.share_contact_of(other, **card))


def photo(caption: str | None = None) -> Action:
    return Action("[sends a photo]", lambda person: person.send_photo(caption))


def sticker(emoji: str = "👍") -> Action:
    return Action(f"[sends a sticker {emoji}]", lambda person: person.send_sticker(emoji))


def document(file_name: str = "documento.pdf") -> Action:
    return Action(f"[sends {file_name}]", lambda person: person.send_document(file_name))


def reply(text: str, to: Any = None) -> Action:
    return Action(f"[replies] {text}", lambda person: person.reply(text, to))


def say_in(group: TelegramGroup, text: str, **options: Any) -> Action:
    return Action(f"[in {group.title}] {text}", lambda person: person.say_in(group, text, **options))


def block_bot() -> Action:
    return Action("[blocks the bot]", lambda person: person.block_bot())


def wait() -> Action:
    """Does nothing: the step only waits for what the bot says by itself (a timeout, a notification)."""

    async def nothing(person: TelegramUser) -> None:
        return None

    return Action("[waits]", nothing)


# -- what the bot must answer -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Expect:
    """One bot message (or edit) and what must be true of it."""

    contains: tuple[str, ...] = ()
    regex: str | re.Pattern | None = None
    without: tuple[str, ...] = ()  # substrings that must not appear
    buttons: tuple[str, ...] | None = None  # exactly these inline buttons, row by row
    with_buttons: tuple[str, ...] = ()  # at least these inline buttons
    keyboard: tuple[str, ...] | None = None  # exactly these reply-keyboard buttons
    edit: bool | None = None  # True: an edit of an earlier message; False: a new message
    toast: str | None = None  # for a button press: the answer to the callback query contains this
    in_chat: Any = None  # where the answer appears (a TelegramGroup or TelegramUser); default the person's chat

    def problems(self, answer: Reply) -> list[str]:
        text = answer.text
        found = [f"does not contain {part!r}" for part in self.contains if part not in text]
        if self.regex is not None and not re.search(self.regex, text, re.S):
            found.append(f"does not match /{getattr(self.regex, 'pattern', self.regex)}/")
        found += [f"contains {part!r}" for part in self.without if part in text]
        if self.buttons is not None and list(answer.buttons) != list(self.buttons):
            found.append(f"has the buttons {answer.buttons}, not {list(self.buttons)}")
        missing = [label for label in self.with_buttons if label not in answer.buttons]
        if missing:
            found.append(f"lacks the buttons {missing} (it has {answer.buttons})")
        if self.keyboard is not None and list(answer.keyboard) != list(self.keyboard):
            found.append(f"shows the keyboard {answer.keyboard}, not {list(self.keyboard)}")
        if self.edit is True and not answer.is_edit:
            found.append("is a new message, not an edit")
        if self.edit is False and answer.is_edit:
            found.append("is an edit, not a new message")
        return found

    def __str__(self) -> str:
        parts = [repr(c) for c in self.contains]
        if self.regex is not None:
            parts.append(f"/{getattr(self.regex, 'pattern', self.regex)}/")
        if self.buttons is not None:
            parts.append(f"buttons={list(self.buttons)}")
        if self.keyboard is not None:
            parts.append(f"keyboard={list(self.keyboard)}")
        return "an answer with " + (", ".join(parts) or "anything")


def says(*contains: str, regex: str | re.Pattern | None = None, without: Sequence[str] = (),
         buttons: Sequence[str] | None = None, with_buttons: Sequence[str] = (), keyboard: Sequence[str] | None = None,
         edit: bool | None = None, toast: str | None = None, in_chat: Any = None) -> Expect:
    return Expect(tuple(contains), regex, tuple(without), tuple(buttons) if buttons is not None else None,
                  tuple(with_buttons), tuple(keyboard) if keyboard is not None else None, edit, toast, in_chat)


@dataclass(frozen=True)
class NoAnswer:
    within: float = DEFAULT_QUIET
    in_chat: Any = None


NO_ANSWER = NoAnswer()


def no_answer(within: float = DEFAULT_QUIET, in_chat: Any = None) -> NoAnswer:
    return NoAnswer(within, in_chat)


# -- running a table --------------------------------------------------------------------------------------------------
@dataclass
class Transcript:
    person: TelegramUser
    lines: list[str] = field(default_factory=list)

    def said(self, number: int, action: Action) -> None:
        self.lines.append(f"{number:>3}. {self.person.label}: {action.description}")

    def answered(self, answer: Reply, where: str = "") -> None:
        kind = f"bot (edit #{answer.message_id})" if answer.is_edit else "bot"
        extras = "".join(f" [{label}]" for label in answer.buttons)
        extras += "".join(f" <{label}>" for label in answer.keyboard)
        text = answer.text.replace("\n", "\n" + " " * 12)
        self.lines.append(f"     {kind}{where}: {text}{extras}")

    def __str__(self) -> str:
        return "\n".join(self.lines)


async def verify_dialog(person: TelegramUser, steps: Sequence[tuple[Any, Any]], *,
                        timeout: float = DEFAULT_TIMEOUT) -> Transcript:
    """Plays `steps` in order; raises AssertionError with the transcript at the first answer that is wrong."""
    transcript = Transcript(person)
    for number, (raw_action, raw_expected) in enumerate(steps, start=1):
        action = send(raw_action) if isinstance(raw_action, str) else raw_action
        transcript.said(number, action)
        outcome = await action.perform(person)
        expectations = raw_expected if isinstance(raw_expected, list) else [raw_expected]
        for expected in map(_expectation, expectations):
            where = expected.in_chat or person
            label = "" if where is person else f" in {where.label}"
            if isinstance(expected, NoAnswer):
                try:
                    await where.expect_no_reply(expected.within)
                except AssertionError:
                    for answer in where.unread:
                        transcript.answered(answer, label)
                    _fail(number, action, "no answer", "the bot answered", transcript)
                continue
            try:
                [answer] = await where.wait_for_reply(timeout=timeout)
            except AssertionError as exc:
                _fail(number, action, str(expected), str(exc), transcript)
            transcript.answered(answer, label)
            problems = expected.problems(answer)
            if problems:
                _fail(number, action, str(expected), "the answer " + "; ".join(problems), transcript)
            if expected.toast is not None:
                await _check_toast(number, action, expected.toast, outcome, transcript, timeout)
    return transcript


def _expectation(raw: Any) -> Expect | NoAnswer:
    if isinstance(raw, (Expect, NoAnswer)):
        return raw
    if isinstance(raw, str):
        return says(raw)
    if isinstance(raw, re.Pattern):
        return says(regex=raw)
    if raw is None:
        return NO_ANSWER
    raise TypeError(f"don't know how to expect {raw!r}")


async def _check_toast(number: int, action: Action, toast: str, outcome: Any, transcript: Transcript,
                       timeout: float) -> None:
    if not isinstance(outcome, CallbackQuery):
        _fail(number, action, f"a toast {toast!r}", "the action was not a button press", transcript)
    if not await outcome.wait_answered(timeout) or toast not in (outcome.answer_text or ""):
        _fail(number, action, f"a toast containing {toast!r}",
              f"the press was answered with {outcome.answer_text!r}" if outcome.answered else "the press was never "
              "answered", transcript)
    transcript.lines.append(f"     bot (toast): {outcome.answer_text}")


def _fail(number: int, action: Action, expected: str, got: str, transcript: Transcript) -> None:
    raise AssertionError(
        f"dialog step {number} ({action.description}): expected {expected}; {got}\n"
        f"transcript so far:\n{transcript}"
    )
