"""The pendência e-mail: a plain-text and an HTML part with the atendimento's summary, in pt-BR."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.email.errors import EmailError, FailureReason
from bot.texts import email as T
from bot.texts.format import esc, fmt_datetime, shorten
from domain.catalogue import StaffUser

DESCRIPTION_MAX_CHARS = 600
SUBJECT_PART_MAX_CHARS = 80
# Lets the responsible's mail filters, and anyone tracing a duplicate, tie the e-mail to its pendência.
PENDENCIA_HEADER = "X-Atendimento-Pendencia"
TICKET_HEADER = "X-Atendimento-Numero"


def compose_pendencia_email(
    pendencia: Mapping[str, Any],
    recipient: StaffUser,
    zone: ZoneInfo,
    *,
    now: datetime | None = None,
) -> EmailMessage:
    """The e-mail telling `recipient` about a pendência, to be sent through their own SMTP settings.

    `pendencia` is PendenciaView.as_payload(). The same pendência always gives the same Message-ID, so a resend
    after an uncertain failure is recognisable as the same e-mail. Raises EmailError(no_smtp) when the recipient
    has no e-mail address or no SMTP settings.
    """
    address = (recipient.email or "").strip()
    smtp = recipient.smtp
    if not address:
        raise EmailError(FailureReason.NO_SMTP, detail=T.DETAIL_NO_ADDRESS)
    if smtp is None or not (smtp.sender or "").strip() or not (smtp.host or "").strip():
        raise EmailError(FailureReason.NO_SMTP, detail=T.DETAIL_NO_SMTP)

    sender = smtp.sender.strip()
    facts = _facts(pendencia, zone)
    message = EmailMessage()
    message["Subject"] = T.SUBJECT.format(
        number=pendencia["ticket_number"],
        subject=_one_line(pendencia.get("subject_name"), SUBJECT_PART_MAX_CHARS),
        stage=_one_line(pendencia.get("stage_description"), SUBJECT_PART_MAX_CHARS),
    )
    message["From"] = Address(display_name=T.SENDER_NAME, addr_spec=sender)
    message["To"] = Address(display_name=_one_line(recipient.name, 120), addr_spec=address)
    message["Date"] = format_datetime((now or datetime.now(UTC)).astimezone(zone))
    message["Message-ID"] = _message_id(pendencia, sender)
    message[PENDENCIA_HEADER] = str(pendencia["id"])
    message[TICKET_HEADER] = str(pendencia["ticket_number"])
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to a robot

    greeting = T.GREETING.format(name=_one_line(recipient.name, 120))
    intro = T.INTRO.get(str(pendencia.get("kind")), T.INTRO_DEFAULT).format(number=pendencia["ticket_number"])
    how_to_act = T.HOW_TO_ACT.format(number=pendencia["ticket_number"], stage=pendencia["stage_position"])
    message.set_content(_plain(greeting, intro, facts, how_to_act), cte="quoted-printable")
    message.add_alternative(_html(greeting, intro, facts, how_to_act), subtype="html", cte="quoted-printable")
    message["Content-Language"] = "pt-BR"  # after the parts: making them moves Content-* headers into the first
    return message


def _facts(p: Mapping[str, Any], zone: ZoneInfo) -> list[tuple[str, str]]:
    """(label, value) lines of the summary, as plain text (escaping is the HTML part's job)."""
    place = " / ".join(
        str(v) for v in (p.get("empreendimento_name"), p.get("obra_name"), p.get("unit_label")) if v
    ) or T.EMPTY
    responsible = p.get("responsible_name") or p.get("responsible_login") or T.EMPTY
    if p.get("responsible_name") and p.get("responsible_login"):
        responsible = T.RESPONSIBLE_VALUE.format(name=p["responsible_name"], login=p["responsible_login"])
    return [
        (T.LABEL_TICKET, T.TICKET_VALUE.format(number=p["ticket_number"], status=p.get("ticket_status") or T.EMPTY)),
        (T.LABEL_CUSTOMER, p.get("customer_name") or T.EMPTY),
        (T.LABEL_PLACE, place),
        (T.LABEL_TYPE, p.get("type_name") or T.EMPTY),
        (T.LABEL_SUBJECT, p.get("subject_name") or T.EMPTY),
        (T.LABEL_DESCRIPTION, shorten(p.get("description") or T.EMPTY, DESCRIPTION_MAX_CHARS)),
        (T.LABEL_STAGE, T.STAGE_VALUE.format(
            position=p["stage_position"],
            description=p.get("stage_description") or T.EMPTY,
            status=p.get("stage_status") or T.EMPTY,
        )),
        (T.LABEL_RESPONSIBLE, responsible),
        (T.LABEL_DUE, fmt_datetime(_when(p.get("due_at")), zone, empty=T.NO_DUE)),
        (T.LABEL_PENDENCIA, T.PENDENCIA_VALUE.format(
            id=p["id"], created=fmt_datetime(_when(p.get("created_at")), zone)
        )),
    ]


def _plain(greeting: str, intro: str, facts: list[tuple[str, str]], how_to_act: str) -> str:
    lines = [greeting, "", intro, ""]
    lines += [f"{label}: {value}" for label, value in facts]
    lines += ["", how_to_act, "", "-- ", T.AUTOMATIC]
    return "\n".join(lines) + "\n"


def _html(greeting: str, intro: str, facts: list[tuple[str, str]], how_to_act: str) -> str:
    rows = "\n".join(
        f'<tr><th align="left" valign="top" style="padding:2px 12px 2px 0">{esc(label)}</th>'
        f'<td style="padding:2px 0">{esc(value)}</td></tr>'
        for label, value in facts
    )
    return (
        '<!DOCTYPE html>\n<html lang="pt-BR"><head><meta charset="utf-8"></head>\n'
        '<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px">\n'
        f"<p>{esc(greeting)}</p>\n<p>{esc(intro)}</p>\n"
        f'<table cellspacing="0" cellpadding="0">\n{rows}\n</table>\n'
        f"<p>{esc(how_to_act)}</p>\n"
        f'<p style="color:#777;font-size:12px">{esc(T.AUTOMATIC)}</p>\n'
        "</body></html>\n"
    )


def _when(value: Any) -> datetime | None:
    """A payload date (ISO string, or a datetime) as an aware datetime; a naive one is taken as UTC."""
    if value is None or value == "":
        return None
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def _one_line(value: Any, limit: int) -> str:
    """Header-safe text: no line breaks (the e-mail library refuses them in headers), bounded."""
    return shorten(str(value or T.EMPTY), limit)


def _message_id(p: Mapping[str, Any], sender: str) -> str:
    domain = sender.rpartition("@")[2].strip().lower()
    if not domain or not domain.isascii() or any(c in domain for c in "<>[] \"\\"):
        domain = "atendimento.invalid"
    created = _when(p.get("created_at"))
    stamp = created.astimezone(UTC).strftime("%Y%m%d%H%M%S") if created else "0"
    return f"<atendimento.pendencia.{p['id']}.{stamp}@{domain}>"
