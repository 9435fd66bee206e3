"""The world of P1: a construtora whose N customers each link their phone, open an atendimento through the whole /novo
wizard (every step a real choice) and list theirs with /meus — and the same load of updates for the bare bot.

Each customer sends exactly `UPDATES_PER_JOURNEY` updates and waits for the bot's answer to each before the next, as a
person would; the answers our bot gives to each step are known (`STEPS`), so a wrong answer stops the run.
"""
from __future__ import annotations

import asyncio

from dataclasses import dataclass
from typing import Any

from domain.brazil import cpf_with_check_digits
from sandbox.emulator import FakeTelegram
from sandbox.emulator.telegram_users import TelegramUser

ANSWER_TIMEOUT = 120.0  # 200 people at once queue behind one another: a slow answer is measured, not a failure
FIRST_PHONE = 11_900_000_000  # +55 11 9xxxx-xxxx


def phone_of(index: int) -> str:
    digits = str(FIRST_PHONE + index)
    return f"+55 {digits[:2]} {digits[2:7]}-{digits[7:]}"


def catalogue(customers: int) -> dict[str, Any]:
    """Two tipos, two assuntos each, two empreendimentos; every customer owns two units in the first and one in the
    second, so every step of /novo offers a real choice."""
    units, people = [], []
    for index in range(customers):
        base = 10_000 + index * 3
        units += [
            {"id": base, "empreendimento": 100, "obra": 1001, "label": f"Torre A - Apto {index}", "items": ["Vaga"]},
            {"id": base + 1, "empreendimento": 100, "obra": 1001, "label": f"Torre A - Sala {index}", "items": []},
            {"id": base + 2, "empreendimento": 200, "obra": 2001, "label": f"Casa {index}", "items": ["Garagem"]},
        ]
        people.append({
            "id": index + 1, "name": f"Cliente {index + 1}", "cpf": cpf_with_check_digits(f"{100_000_000 + index:09d}"),
            "phones": [phone_of(index)], "units": [base, base + 1, base + 2],
        })
    return {
        "config": {"visibility": "web_subjects", "mode": "register_and_follow", "responsible": "joao",
                   "send_external_email": False},
        "staff": [{"login": "joao", "name": "João Silva", "telegram_user_id": 5001}],
        "ticket_types": [{"id": 1, "name": "Assistência técnica"}, {"id": 2, "name": "Solicitação"}],
        "subjects": [
            {"id": 10, "name": "Infiltração", "types": [1], "enabled": True, "responsible": "joao",
             "stages": [{"description": "Vistoria técnica", "due_days": 3}, {"description": "Reparo", "due_days": 7}]},
            {"id": 11, "name": "Elétrica", "types": [1], "enabled": True,
             "stages": [{"description": "Reparo elétrico", "due_days": 2}]},
            {"id": 20, "name": "Segunda via de boleto", "types": [2], "enabled": True, "stages": []},
            {"id": 21, "name": "Documentação", "types": [2], "enabled": True, "stages": []},
        ],
        "empreendimentos": [
            {"id": 100, "name": "Residencial Jardins", "obras": [{"id": 1001, "name": "Torre A"}]},
            {"id": 200, "name": "Vila Nova", "obras": [{"id": 2001, "name": "Casas"}]},
        ],
        "units": units,
        "customers": people,
    }


@dataclass(frozen=True)
class Step:
    action: str  # "send" (text or command), "contact", "press" (callback data)
    value: str = ""
    answers: int = 1  # how many messages or edits our bot shows for it
    expect: str = ""  # a piece of the last answer (checked on our bot only)


def steps(index: int) -> list[Step]:
    base = 10_000 + index * 3
    return [
        Step("send", "/start", 1, "compartilhar"),
        Step("contact", "", 1, "vinculada"),
        Step("send", "/novo", 1, "tipo de atendimento"),
        Step("press", "n:c:t:1", 1, "assunto"),
        Step("press", "n:c:s:10", 1, "empreendimento"),
        Step("press", "n:c:e:100", 1, "unidade"),
        Step("press", f"n:c:u:{base}", 1, "descreva"),
        Step("send", f"Vazamento no teto do banheiro da unidade {index}, desde ontem à noite", 2, "Confira"),
        Step("press", "n:ok", 2, "registrado"),
        Step("send", "/meus", 1, "Nº"),
    ]


UPDATES_PER_JOURNEY = len(steps(0))


def person(tg: FakeTelegram, index: int) -> TelegramUser:
    return tg.user(f"Cliente{index}", phone=phone_of(index), user_id=8_000_000 + index)


async def journey(tg: FakeTelegram, someone: TelegramUser, index: int, *, bare: bool,
                  offered_at: list[float] | None = None, latencies: list[tuple[int, float]] | None = None) -> int:
    """One customer's whole visit; returns the updates sent. On the bare bot every update gets one constant message,
    so buttons are pressed with the same callback data on its last message (what the update carries is the same).

    `offered_at`: the time.monotonic() at which each step is sent (or at once, when the previous answer came later);
    `latencies` gets (step number, seconds from sending to the last answer) for each step."""
    import time

    from tests.support.customer_steps import forge_press

    for number, step in enumerate(steps(index)):
        if offered_at is not None:
            await asyncio.sleep(max(0.0, offered_at[number] - time.monotonic()))
        sent_at = time.monotonic()
        if step.action == "send":
            await someone.send(step.value)
        elif step.action == "contact":
            await someone.share_contact()
        elif bare:
            forge_press(tg, someone, step.value)
        else:
            await someone.press(step.value)
        answers = await someone.wait_for_reply(timeout=ANSWER_TIMEOUT, count=1 if bare else step.answers)
        if latencies is not None:
            latencies.append((number, time.monotonic() - sent_at))
        if not bare and step.expect.lower() not in answers[-1].text.lower():
            raise AssertionError(f"{someone.label} after {step.action} {step.value!r}: {answers[-1].text[:200]!r}")
    return UPDATES_PER_JOURNEY
