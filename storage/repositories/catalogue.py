"""The catalogue, read into the domain's frozen dataclasses."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalogue import (
    Empreendimento,
    Obra,
    ServiceConfig,
    SmtpSettings,
    StaffUser,
    StageTemplate,
    Subject,
    TicketType,
    Unit,
)
from domain.statuses import ServiceMode, Visibility
from storage import tables as t
from storage.catalogue_cache import VERSION_COUNTER, CatalogueCache, CatalogueSnapshot


def staff_from_row(row) -> StaffUser:
    smtp = None
    if row.smtp_host:
        smtp = SmtpSettings(
            host=row.smtp_host,
            port=row.smtp_port or (465 if row.smtp_implicit_tls else 587),
            sender=row.smtp_sender or row.email or "",
            username=row.smtp_username,
            password=row.smtp_password,
            starttls=bool(row.smtp_starttls),
            implicit_tls=bool(row.smtp_implicit_tls),
        )
    return StaffUser(
        id=row.id,
        login=row.login,
        name=row.name,
        telegram_user_id=row.telegram_user_id,
        email=row.email,
        smtp=smtp,
        active=bool(row.active),
    )


def config_from_row(row) -> ServiceConfig:
    if row is None:
        return ServiceConfig()
    return ServiceConfig(
        visibility=Visibility(row.visibility),
        mode=ServiceMode(row.mode),
        responsible_id=row.responsible_id,
        config_user_id=row.config_user_id,
        send_external_email=bool(row.send_external_email),
        staff_chat_id=row.staff_chat_id,
        staff_thread_id=row.staff_thread_id,
        demo_mode=bool(row.demo_mode),
    )


_VERSION = select(t.counters.c.value).where(t.counters.c.name == VERSION_COUNTER)  # asked once per unit of work


class SqlCatalogueRepository:
    def __init__(self, session: AsyncSession, cache: CatalogueCache | None = None) -> None:
        self.session = session
        self.cache = cache
        self._snapshot: CatalogueSnapshot | None = None  # checked once per unit of work

    async def _current(self) -> CatalogueSnapshot | None:
        """The catalogue as this unit of work sees it, from memory while its version has not moved (see
        storage/catalogue_cache.py); None without a cache (or without the version counter)."""
        if self.cache is None:
            return None
        if self._snapshot is None:
            version = (await self.session.execute(_VERSION)).scalar()
            if version is None:
                return None
            snapshot = self.cache.at(version)
            if snapshot is None:
                snapshot = CatalogueSnapshot(version, tuple(await self._ticket_types()), tuple(await self._subjects()),
                                             tuple(await self._empreendimentos()))
                self.cache.keep(snapshot)
            self._snapshot = snapshot
        return self._snapshot

    async def config(self) -> ServiceConfig:
        row = (await self.session.execute(select(t.service_config).where(t.service_config.c.id == 1))).one_or_none()
        return config_from_row(row)

    async def ticket_types(self) -> Sequence[TicketType]:
        snapshot = await self._current()
        return snapshot.ticket_types if snapshot is not None else await self._ticket_types()

    async def _ticket_types(self) -> Sequence[TicketType]:
        rows = await self.session.execute(select(t.ticket_types).order_by(t.ticket_types.c.id))
        return [TicketType(r.id, r.name) for r in rows]

    async def _subjects(self, subject_id: int | None = None) -> list[Subject]:
        def only(table):
            query = select(table)
            return query.where(table.c.subject_id == subject_id) if subject_id is not None else query

        query = select(t.subjects).order_by(t.subjects.c.id)
        if subject_id is not None:
            query = query.where(t.subjects.c.id == subject_id)
        rows = (await self.session.execute(query)).all()
        if not rows:
            return []
        types: dict[int, set[int]] = defaultdict(set)
        for r in await self.session.execute(only(t.subject_types)):
            types[r.subject_id].add(r.type_id)
        emps: dict[int, set[int]] = defaultdict(set)
        for r in await self.session.execute(only(t.subject_empreendimentos)):
            emps[r.subject_id].add(r.empreendimento_id)
        stages: dict[int, list[StageTemplate]] = defaultdict(list)
        for r in await self.session.execute(only(t.subject_stages).order_by(t.subject_stages.c.position)):
            stages[r.subject_id].append(StageTemplate(r.position, r.description, r.responsible_id, r.due_days))
        return [
            Subject(
                id=r.id,
                name=r.name,
                enabled=bool(r.enabled),
                responsible_id=r.responsible_id,
                return_call=bool(r.return_call),
                type_ids=frozenset(types[r.id]),
                empreendimento_ids=frozenset(emps[r.id]),
                stages=tuple(stages[r.id]),
            )
            for r in rows
        ]

    async def subject(self, subject_id: int) -> Subject | None:
        snapshot = await self._current()
        if snapshot is not None:
            return snapshot.subject_by_id.get(subject_id)
        found = await self._subjects(subject_id)
        return found[0] if found else None

    async def subjects(self) -> Sequence[Subject]:
        snapshot = await self._current()
        return snapshot.subjects if snapshot is not None else await self._subjects()

    async def empreendimentos(self, ids: Sequence[int] | None = None) -> Sequence[Empreendimento]:
        snapshot = await self._current()
        if snapshot is None:
            return await self._empreendimentos(ids)
        if ids is None:
            return snapshot.empreendimentos
        wanted = set(ids)
        return tuple(e for e in snapshot.empreendimentos if e.id in wanted)

    async def _empreendimentos(self, ids: Sequence[int] | None = None) -> Sequence[Empreendimento]:
        query = select(t.empreendimentos).order_by(t.empreendimentos.c.id)
        obra_query = select(t.obras).order_by(t.obras.c.id)
        if ids is not None:
            if not ids:
                return []
            query = query.where(t.empreendimentos.c.id.in_(list(ids)))
            obra_query = obra_query.where(t.obras.c.empreendimento_id.in_(list(ids)))
        obras: dict[int, list[Obra]] = defaultdict(list)
        for r in await self.session.execute(obra_query):
            obras[r.empreendimento_id].append(Obra(r.id, r.empreendimento_id, r.name))
        return [Empreendimento(r.id, r.name, tuple(obras[r.id])) for r in await self.session.execute(query)]

    async def units_of_customer(self, customer_id: int) -> Sequence[Unit]:
        snapshot = await self._current()
        if snapshot is None:
            return await self._units_of_customer(customer_id)
        units = snapshot.units_of(customer_id)
        if units is None:
            units = tuple(await self._units_of_customer(customer_id))
            snapshot.keep_units(customer_id, units)
        return units

    async def _units_of_customer(self, customer_id: int) -> Sequence[Unit]:
        rows = (
            await self.session.execute(
                select(t.units)
                .join(t.customer_units, t.customer_units.c.unit_id == t.units.c.id)
                .where(t.customer_units.c.customer_id == customer_id)
                .order_by(t.units.c.id)
            )
        ).all()
        if not rows:
            return []
        items: dict[int, list[str]] = defaultdict(list)
        for r in await self.session.execute(
            select(t.unit_items)
            .where(t.unit_items.c.unit_id.in_([u.id for u in rows]))
            .order_by(t.unit_items.c.unit_id, t.unit_items.c.position)
        ):
            items[r.unit_id].append(r.name)
        return [Unit(r.id, r.empreendimento_id, r.obra_id, r.label, tuple(items[r.id])) for r in rows]

    async def _staff(self, condition) -> StaffUser | None:
        row = (await self.session.execute(select(t.staff_users).where(condition))).one_or_none()
        return staff_from_row(row) if row is not None else None

    async def staff_by_id(self, staff_id: int) -> StaffUser | None:
        return await self._staff(t.staff_users.c.id == staff_id)

    async def staff_by_login(self, login: str) -> StaffUser | None:
        return await self._staff(t.staff_users.c.login == login)

    async def staff_by_telegram(self, telegram_user_id: int) -> StaffUser | None:
        return await self._staff(t.staff_users.c.telegram_user_id == telegram_user_id)

    async def all_staff(self) -> Sequence[StaffUser]:
        return [staff_from_row(r) for r in await self.session.execute(select(t.staff_users).order_by(t.staff_users.c.id))]

    async def set_staff_chat(self, chat_id: int, thread_id: int | None) -> None:
        await self.session.execute(
            update(t.service_config)
            .where(t.service_config.c.id == 1)
            .values(staff_chat_id=chat_id, staff_thread_id=thread_id)
        )

    async def move_staff_chat(self, old_chat_id: int, new_chat_id: int) -> bool:
        result = await self.session.execute(
            update(t.service_config)
            .where(t.service_config.c.id == 1, t.service_config.c.staff_chat_id == old_chat_id)
            .values(staff_chat_id=new_chat_id)
        )
        return result.rowcount == 1

    async def adopt_staff_chat(self, chat_id: int) -> bool:
        # One statement with the condition in it: of two groups adopted at once, exactly one wins.
        result = await self.session.execute(
            update(t.service_config)
            .where(t.service_config.c.id == 1, t.service_config.c.staff_chat_id.is_(None))
            .values(staff_chat_id=chat_id, staff_thread_id=None)
        )
        return result.rowcount == 1

    async def add_demo_staff(self, login: str, name: str, telegram_user_id: int) -> StaffUser:
        staff_id = (
            await self.session.execute(
                insert(t.staff_users)
                .values(login=login, name=name, telegram_user_id=telegram_user_id, active=True)
                .returning(t.staff_users.c.id)
            )
        ).scalar_one()
        return await self.staff_by_id(staff_id)
