"""LGPD on the tables: a customer's data exported whole, their Telegram identity erased, their record anonymised.

Kept deliberately next to the schema: each function names every table that can hold the person, and
tests/integration/test_privacy.py scans every text column of every table in the metadata afterwards, so a table
added later that holds personal data fails that test until it is handled here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.privacy import ANONYMOUS_NAME, REMOVED, anonymous_token, personal_strings, scrub
from storage import tables as t


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass
class Anonymised:
    customer_id: int
    tickets: int = 0
    messages: int = 0
    digests_to_delete: list[str] = field(default_factory=list)  # bytes no other customer's attachment points at


class SqlPrivacy:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- art. 18, II: access ----------------------------------------------------------------------------------------
    async def export(self, customer_id: int, now: datetime) -> dict[str, Any] | None:
        customer = (await self.session.execute(select(t.customers).where(t.customers.c.id == customer_id))).first()
        if customer is None:
            return None
        phones = list((await self.session.execute(
            select(t.customer_phones.c.phone).where(t.customer_phones.c.customer_id == customer_id)
            .order_by(t.customer_phones.c.phone)
        )).scalars())
        return {
            "gerado_em": now.isoformat(),
            "cliente": {
                "id": customer.id, "nome": customer.name, "cpf_cnpj": customer.document, "email": customer.email,
                "telefones": phones,
                "telegram": {"user_id": customer.telegram_user_id, "vinculado_em": _iso(customer.linked_at)}
                if customer.telegram_user_id is not None else None,
            },
            "unidades": await self._units(customer_id),
            "atendimentos": await self._tickets(customer_id),
        }

    async def _units(self, customer_id: int) -> list[dict[str, Any]]:
        # The unit only: a co-owner of the same unit is another person, never exported here.
        rows = (await self.session.execute(
            select(t.units.c.id, t.units.c.label, t.empreendimentos.c.name.label("empreendimento"),
                   t.obras.c.name.label("obra"))
            .join(t.customer_units, t.customer_units.c.unit_id == t.units.c.id)
            .join(t.empreendimentos, t.empreendimentos.c.id == t.units.c.empreendimento_id)
            .outerjoin(t.obras, t.obras.c.id == t.units.c.obra_id)
            .where(t.customer_units.c.customer_id == customer_id).order_by(t.units.c.id)
        )).all()
        items: dict[int, list[str]] = {}
        if rows:
            for unit_id, name in (await self.session.execute(
                select(t.unit_items.c.unit_id, t.unit_items.c.name)
                .where(t.unit_items.c.unit_id.in_([r.id for r in rows])).order_by(t.unit_items.c.position)
            )).all():
                items.setdefault(unit_id, []).append(name)
        return [{"id": r.id, "empreendimento": r.empreendimento, "obra": r.obra, "unidade": r.label,
                 "itens": items.get(r.id, [])} for r in rows]

    async def _tickets(self, customer_id: int) -> list[dict[str, Any]]:
        tickets = (await self.session.execute(
            select(t.tickets, t.ticket_types.c.name.label("type_name"), t.subjects.c.name.label("subject_name"),
                   t.units.c.label.label("unit_label"))
            .join(t.ticket_types, t.ticket_types.c.id == t.tickets.c.type_id)
            .join(t.subjects, t.subjects.c.id == t.tickets.c.subject_id)
            .outerjoin(t.units, t.units.c.id == t.tickets.c.unit_id)
            .where(t.tickets.c.customer_id == customer_id).order_by(t.tickets.c.number)
        )).all()
        if not tickets:
            return []
        ids = [row.id for row in tickets]
        stages = (await self.session.execute(
            select(t.stages).where(t.stages.c.ticket_id.in_(ids)).order_by(t.stages.c.ticket_id, t.stages.c.position)
        )).all()
        notes = (await self.session.execute(
            select(t.notes).where(t.notes.c.stage_id.in_([s.id for s in stages] or [0])).order_by(t.notes.c.id)
        )).all()
        messages = (await self.session.execute(
            select(t.ticket_messages, t.staff_users.c.name.label("staff_name"))
            .outerjoin(t.staff_users, t.staff_users.c.id == t.ticket_messages.c.staff_id)
            .where(t.ticket_messages.c.ticket_id.in_(ids)).order_by(t.ticket_messages.c.id)
        )).all()
        attachments = (await self.session.execute(
            select(t.ticket_attachments)
            .where(t.ticket_attachments.c.message_id.in_([m.id for m in messages] or [0]))
            .order_by(t.ticket_attachments.c.message_id, t.ticket_attachments.c.position)
        )).all()
        notes_of: dict[int, list] = {}
        for note in notes:
            notes_of.setdefault(note.stage_id, []).append(
                {"lancamento": _iso(note.created_at), "quem": note.author, "texto": note.text})
        stages_of: dict[int, list] = {}
        for stage in stages:
            stages_of.setdefault(stage.ticket_id, []).append({
                "etapa": stage.position, "descricao": stage.description, "status": stage.status,
                "criacao": _iso(stage.created_at), "conclusao": _iso(stage.completed_at),
                "observacoes": notes_of.get(stage.id, []),
            })
        files_of: dict[int, list] = {}
        for a in attachments:
            files_of.setdefault(a.message_id, []).append(
                {"tipo": a.kind, "nome": a.file_name, "tipo_mime": a.mime_type, "tamanho": a.size})
        messages_of: dict[int, list] = {}
        for m in messages:
            messages_of.setdefault(m.ticket_id, []).append({
                "data": _iso(m.created_at), "autor": "você" if m.author == "customer" else (m.staff_name or "equipe"),
                "texto": m.text, "anexos": files_of.get(m.id, []),
            })
        ratings = await self._ratings(ids)
        return [{
            "numero": row.number, "status": row.status, "tipo": row.type_name, "assunto": row.subject_name,
            "unidade": row.unit_label, "descricao": row.description, "data_cadastro": _iso(row.created_at),
            "data_termino": _iso(row.closed_at), "motivo_cancelamento": row.cancel_reason,
            "etapas": stages_of.get(row.id, []), "mensagens": messages_of.get(row.id, []),
            "avaliacao": ratings.get(row.id),
        } for row in tickets]

    async def _ratings(self, ticket_ids: list[int]) -> dict[int, dict[str, Any]]:
        ratings = t.ticket_ratings
        rows = (await self.session.execute(select(ratings).where(ratings.c.ticket_id.in_(ticket_ids)))).all()
        return {r.ticket_id: {"nota": r.rating, "comentario": r.comment} for r in rows}

    # --- art. 18, VI: the Telegram identity, at once (/apagar_dados) ------------------------------------------------
    async def erase_telegram_identity(self, customer_id: int) -> int | None:
        """Unlinks the customer and removes every row keyed by, or recording, their Telegram account. Returns the
        account's id (None when none was linked)."""
        account = (await self.session.execute(
            select(t.customers.c.telegram_user_id).where(t.customers.c.id == customer_id)
        )).scalar_one_or_none()
        await self.session.execute(update(t.customers).where(t.customers.c.id == customer_id)
                                   .values(telegram_user_id=None, linked_at=None, unreachable_at=None))
        await self.session.execute(delete(t.conversations).where(t.conversations.c.customer_id == customer_id))
        if account is None:
            return None
        conversations = t.conversations
        await self.session.execute(delete(conversations).where(
            (conversations.c.user_id == account) | (conversations.c.chat_id == account)))
        await self.session.execute(delete(t.link_attempts).where(t.link_attempts.c.telegram_user_id == account))
        await self.session.execute(update(t.invitations).where(t.invitations.c.used_by == account)
                                   .values(used_by=None))
        await self.session.execute(update(t.outbox).where(t.outbox.c.chat_id == account).values(chat_id=None))
        await self.session.execute(delete(t.telegram_message_refs).where(t.telegram_message_refs.c.chat_id == account))
        return account

    # --- art. 16 / 18, IV: anonymisation (`atendimento privacy anonymize <cpf>`) ------------------------------------
    async def anonymize(self, customer_id: int) -> Anonymised:
        customer = (await self.session.execute(select(t.customers).where(t.customers.c.id == customer_id))).one()
        phones = list((await self.session.execute(
            select(t.customer_phones.c.phone).where(t.customer_phones.c.customer_id == customer_id))).scalars())
        identifiers = personal_strings(customer.name, customer.document, phones, customer.email)
        token = anonymous_token()
        await self.erase_telegram_identity(customer_id)
        await self.session.execute(update(t.customers).where(t.customers.c.id == customer_id).values(
            name=f"{ANONYMOUS_NAME} {token}", document=token, email=None))
        await self.session.execute(delete(t.customer_phones).where(t.customer_phones.c.customer_id == customer_id))
        await self.session.execute(delete(t.invitations).where(t.invitations.c.customer_id == customer_id))

        ticket_ids = list((await self.session.execute(
            select(t.tickets.c.id).where(t.tickets.c.customer_id == customer_id))).scalars())
        outcome = Anonymised(customer_id, tickets=len(ticket_ids))
        # Their own words are gone whole; staff's words about them lose only the identifiers.
        await self.session.execute(update(t.tickets).where(t.tickets.c.customer_id == customer_id)
                                   .values(description=REMOVED))
        await self.session.execute(update(t.tickets).where(
            t.tickets.c.customer_id == customer_id, t.tickets.c.cancel_reason.is_not(None)
        ).values(cancel_reason=REMOVED))
        if ticket_ids:
            outcome.messages = (await self.session.execute(
                update(t.ticket_messages).where(t.ticket_messages.c.ticket_id.in_(ticket_ids))
                .values(text=REMOVED))).rowcount
            outcome.digests_to_delete = await self._files_only_they_hold(ticket_ids)
            message_ids = select(t.ticket_messages.c.id).where(t.ticket_messages.c.ticket_id.in_(ticket_ids))
            await self.session.execute(update(t.ticket_attachments)
                                       .where(t.ticket_attachments.c.message_id.in_(message_ids))
                                       .values(file_name=None, file_id=REMOVED, file_unique_id=REMOVED, sha256=None))
            await self._scrub_staff_texts(ticket_ids, identifiers, token)
            await self.session.execute(delete(t.outbox).where(t.outbox.c.ticket_id.in_(ticket_ids)))
            await self.session.execute(delete(t.telegram_message_refs)
                                       .where(t.telegram_message_refs.c.ticket_id.in_(ticket_ids)))
        await self.session.execute(delete(t.outbox).where(
            t.outbox.c.audience == "customer", t.outbox.c.recipient_id == customer_id))
        return outcome

    async def _files_only_they_hold(self, ticket_ids: list[int]) -> list[str]:
        theirs = (select(t.ticket_attachments.c.sha256)
                  .join(t.ticket_messages, t.ticket_messages.c.id == t.ticket_attachments.c.message_id)
                  .where(t.ticket_messages.c.ticket_id.in_(ticket_ids), t.ticket_attachments.c.sha256.is_not(None)))
        shared = (select(t.ticket_attachments.c.sha256)
                  .join(t.ticket_messages, t.ticket_messages.c.id == t.ticket_attachments.c.message_id)
                  .where(t.ticket_messages.c.ticket_id.not_in(ticket_ids), t.ticket_attachments.c.sha256.is_not(None)))
        mine = set((await self.session.execute(theirs)).scalars())
        others = set((await self.session.execute(shared.where(t.ticket_attachments.c.sha256.in_(mine or {""})))
                      ).scalars())
        return sorted(mine - others)

    async def _scrub_staff_texts(self, ticket_ids: list[int], identifiers: list[str], token: str) -> None:
        stage_ids = select(t.stages.c.id).where(t.stages.c.ticket_id.in_(ticket_ids))
        for note in (await self.session.execute(
            select(t.notes.c.id, t.notes.c.text).where(t.notes.c.stage_id.in_(stage_ids)))).all():
            cleaned = scrub(note.text, identifiers, token)
            if cleaned != note.text:
                await self.session.execute(update(t.notes).where(t.notes.c.id == note.id).values(text=cleaned))
        for message in (await self.session.execute(
            select(t.internal_messages.c.id, t.internal_messages.c.params)
            .where(t.internal_messages.c.ticket_id.in_(ticket_ids)))).all():
            params = {key: scrub(value, identifiers, token) if isinstance(value, str) else value
                      for key, value in (message.params or {}).items()}
            if params != message.params:
                await self.session.execute(update(t.internal_messages)
                                           .where(t.internal_messages.c.id == message.id).values(params=params))

    async def customer_by_document(self, document: str) -> int | None:
        return (await self.session.execute(
            select(t.customers.c.id).where(t.customers.c.document == document))).scalar_one_or_none()


def text_columns() -> list[tuple[str, str]]:
    """(table, column) of every text-like column in the schema: what a scan for leftover personal data must read."""
    return [(table.name, column.name) for table in t.metadata.sorted_tables for column in table.columns
            if isinstance(column.type, (String, Text)) or column.type.__class__.__name__ in ("JSON", "Variant")]
