"""Pieces of an atendimento's detail that customers (/detalhes) and staff (/ver) are shown alike. Every line carries
its own tags, so a long detail may be split at any line."""
from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.texts.format import esc, fmt_datetime
from domain.views import NoteView, TicketDetails


def place(details: TicketDetails) -> str:
    """Empreendimento · obra · unidade, as far as they are known."""
    return " · ".join(esc(p) for p in (details.empreendimento_name, details.obra_name, details.unit_label) if p)


def description_lines(details: TicketDetails) -> list[str]:
    lines = ["Descrição:", *(esc(line) for line in details.description.split("\n"))]
    if details.cancel_reason:
        lines.append(f"Motivo do cancelamento: {esc(details.cancel_reason)}")
    return lines


def note_lines(notes: Sequence[NoteView], zone: ZoneInfo) -> list[str]:
    if not notes:
        return []
    lines = ["Observações:"]
    for note in notes:
        author = f" — {esc(note.author)}" if note.author else ""
        lines.append(f"• <i>{fmt_datetime(note.created_at, zone)}{author}</i>")
        lines.extend(f"  {esc(line)}" for line in note.text.split("\n"))
    return lines
