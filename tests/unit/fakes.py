"""In-memory implementations of every port in `domain/ports.py`, for the domain's unit tests.

They behave like `storage/` where the services can tell the difference:
- A unit of work works on its own copy of the committed state and publishes it only on `commit()`; leaving the block
  (or `rollback()`) discards whatever was not committed, exactly like a database transaction.
- `flush()` gives new tickets, stages, notes, pendências and messages their ids, and every query flushes first (as
  SQLAlchemy's autoflush does), so read models see the transaction's own changes.
- Ids and ticket numbers come from sequences that a rollback does not give back (gap-tolerant, like PostgreSQL's).
- Unique keys and foreign keys of `storage/tables.py` are checked; the outbox ignores a repeated key.
- Optimistic concurrency: committing a ticket that another unit of work committed since this one began raises
  `ConcurrentChange`, like the ticket row's version column.
- The change journal is written as the database triggers write it (stage inserted or status changed, note inserted,
  ticket status changed), at each flush, whoever wrote the change (`FakeDatabase.write_ticket` plays another system).
"""
from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Self

from domain.brazil import cpf_with_check_digits
from domain.catalogue import (
    Customer,
    Empreendimento,
    ServiceConfig,
    StaffUser,
    Subject,
    TicketType,
    Unit,
)
from domain.changes import Change
from domain.clock import Clock, SystemClock
from domain.errors import ConcurrentChange
from domain.linking import Invitation, LinkAttempts
from domain.notifications import Notification
from domain.pendencias import InternalMessage, Pendencia
from domain.statuses import StageStatus, TicketStatus, Visibility
from domain.tickets import Stage, Ticket
from domain.views import NoteView, PageCursor, PendenciaView, StageView, TicketDetails, TicketPage, TicketSummary
from domain.conversation import Conversation


class FakeIntegrityError(Exception):
    """A unique or foreign key the database would refuse: a bug in the code under test, never a domain error."""


@dataclass
class OutboxRow:
    id: int
    notification: Notification
    state: str  # pending | skipped (delivery is not faked here)
    created_at: datetime

    @property
    def key(self) -> str:
        return self.notification.key


@dataclass
class InvitationRow:
    customer_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_by: int | None = None


@dataclass
class Tables:
    """One copy of everything the database holds."""

    config: ServiceConfig = field(default_factory=ServiceConfig)
    ticket_types: dict[int, TicketType] = field(default_factory=dict)
    subjects: dict[int, Subject] = field(default_factory=dict)
    empreendimentos: dict[int, Empreendimento] = field(default_factory=dict)
    units: dict[int, Unit] = field(default_factory=dict)
    staff: dict[int, StaffUser] = field(default_factory=dict)
    customers: dict[int, Customer] = field(default_factory=dict)
    customer_phones: dict[int, tuple[str, ...]] = field(default_factory=dict)
    customer_units: dict[int, tuple[int, ...]] = field(default_factory=dict)
    tickets: dict[int, Ticket] = field(default_factory=dict)
    pendencias: dict[int, Pendencia] = field(default_factory=dict)
    messages: dict[int, InternalMessage] = field(default_factory=dict)
    outbox: dict[str, OutboxRow] = field(default_factory=dict)
    change_log: dict[int, Change] = field(default_factory=dict)
    invitations: dict[str, InvitationRow] = field(default_factory=dict)  # by code hash
    link_attempts: dict[int, LinkAttempts] = field(default_factory=dict)  # by Telegram user id
    conversations: dict[tuple[int, int], Conversation] = field(default_factory=dict)  # by (chat id, user id)

    # --- lookups shared by the repositories -------------------------------------------------------------------
    def ticket_by_number(self, number: int) -> Ticket | None:
        return next((t for t in self.tickets.values() if t.number == number), None)

    def stage_by_id(self, stage_id: int) -> tuple[Ticket, Stage] | None:
        for ticket in self.tickets.values():
            for stage in ticket.stages:
                if stage.id == stage_id:
                    return ticket, stage
        return None


def row_state(value: Any) -> Any:
    """A comparable picture of a row (or of anything): two rows with equal pictures hold the same data.

    A ticket's `events` are not stored (nor mapped by storage/orm.py), so they are not part of its picture; nor is
    the bookkeeping SQLAlchemy adds to the entities once storage/orm.py has mapped them in the same test session.
    """
    if isinstance(value, (list, tuple)):
        return tuple(row_state(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, row_state(v)) for k, v in sorted(value.items(), key=lambda kv: repr(kv[0])))
    if hasattr(value, "__dict__") and not isinstance(value, type):
        fields_ = {k: v for k, v in vars(value).items() if k != "events" and not k.startswith("_sa_")}
        return (type(value).__name__, row_state(fields_))
    return value  # frozen dataclasses and plain values compare by value


JournalPicture = tuple[str, dict[int, str], frozenset[int]]


def journal_picture(ticket: Ticket) -> JournalPicture:
    """What the triggers compare: the ticket's status, its stages' statuses, its notes."""
    return (
        TicketStatus(ticket.status).value,
        {s.id: StageStatus(s.status).value for s in ticket.stages},
        frozenset(n.id for s in ticket.stages for n in s.notes),
    )


def journal(db: FakeDatabase, tables: Tables, ticket: Ticket, before: JournalPicture | None) -> None:
    """Writes the change_log rows the triggers of migration 0001 write for this ticket since `before`.

    In SQLAlchemy's flush order: the ticket row, then its stages, then their notes.
    """

    def record(entity: str, row_id: int, change: str, status: str | None) -> None:
        change_id = db.next_id("change_log")
        tables.change_log[change_id] = Change(change_id, entity, row_id, ticket.id, change, status)

    status, stages, notes = journal_picture(ticket)
    if before is not None and before[0] != status:  # a ticket's insert is not journalled, its status changes are
        record("ticket", ticket.id, "status", status)
    old_stages = before[1] if before is not None else {}
    for stage_id, stage_status in stages.items():
        if stage_id not in old_stages:
            record("stage", stage_id, "insert", stage_status)
        elif old_stages[stage_id] != stage_status:
            record("stage", stage_id, "status", stage_status)
    old_notes = before[2] if before is not None else frozenset()
    for note_id in sorted(notes - old_notes):
        record("note", note_id, "insert", None)


def _loaded(ticket: Ticket) -> Ticket:
    # storage/orm.py gives a loaded ticket an empty event list; so does every copy here.
    ticket.events = []
    return ticket


class FakeDatabase:
    """The committed state, the sequences, and helpers that write straight into it (the import, other systems)."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()
        self.committed = Tables()
        self.versions: dict[int, int] = {}  # ticket id → version, bumped by every commit that changes the ticket
        self._sequences: dict[str, int] = {}

    def next_id(self, sequence: str) -> int:
        self._sequences[sequence] = self._sequences.get(sequence, 0) + 1
        return self._sequences[sequence]

    # --- seeding the catalogue (committed at once, as `atendimento import` would) -------------------------------
    def set_config(self, config: ServiceConfig) -> None:
        for staff_id in (config.responsible_id, config.config_user_id):
            self._require(staff_id is None or staff_id in self.committed.staff, f"config staff {staff_id}")
        self.committed.config = config

    def add_staff(self, *staff: StaffUser) -> None:
        for user in staff:
            self._require(
                all(u.login != user.login or u.id == user.id for u in self.committed.staff.values()),
                f"duplicate login {user.login}",
            )
            self.committed.staff[user.id] = user

    def add_ticket_types(self, *types: TicketType) -> None:
        for ticket_type in types:
            self.committed.ticket_types[ticket_type.id] = ticket_type

    def add_empreendimentos(self, *empreendimentos: Empreendimento) -> None:
        for emp in empreendimentos:
            self._require(all(o.empreendimento_id == emp.id for o in emp.obras), f"obras of {emp.id}")
            self.committed.empreendimentos[emp.id] = emp

    def add_units(self, *units: Unit) -> None:
        for unit in units:
            emp = self.committed.empreendimentos.get(unit.empreendimento_id)
            self._require(emp is not None, f"empreendimento of unit {unit.id}")
            self._require(unit.obra_id is None or unit.obra_id in {o.id for o in emp.obras}, f"obra of {unit.id}")
            self.committed.units[unit.id] = unit

    def add_subjects(self, *subjects: Subject) -> None:
        for subject in subjects:
            self._require(subject.type_ids <= set(self.committed.ticket_types), f"types of subject {subject.id}")
            self._require(
                subject.empreendimento_ids <= set(self.committed.empreendimentos),
                f"empreendimentos of subject {subject.id}",
            )
            staff = {subject.responsible_id} | {t.responsible_id for t in subject.stages}
            self._require(staff - {None} <= set(self.committed.staff), f"staff of subject {subject.id}")
            self.committed.subjects[subject.id] = subject

    def add_customer(self, customer: Customer, *, phones: Iterable[str] = (), units: Iterable[int] = ()) -> None:
        units = tuple(units)
        self._require(set(units) <= set(self.committed.units), f"units of customer {customer.id}")
        self._require(
            all(c.document != customer.document or c.id == customer.id for c in self.committed.customers.values()),
            f"duplicate document {customer.document}",
        )
        self.committed.customers[customer.id] = customer
        self.committed.customer_phones[customer.id] = tuple(phones)
        self.committed.customer_units[customer.id] = units

    def write_ticket(self, ticket: Ticket) -> Ticket:
        """A ticket inserted or updated straight into the tables (another system, the demo): committed at once with
        its ids, journalled by the triggers like any other change."""
        ticket = _loaded(copy.deepcopy(ticket))
        previous = self.committed.tickets.get(ticket.id) if ticket.id is not None else None
        ticket.id = ticket.id or self.next_id("tickets")
        for stage in ticket.stages:
            stage.id = stage.id or self.next_id("stages")
            for note in stage.notes:
                note.id = note.id or self.next_id("notes")
        _check_ticket(self.committed, ticket)
        journal(self, self.committed, ticket, journal_picture(previous) if previous is not None else None)
        self.committed.tickets[ticket.id] = ticket
        self.versions[ticket.id] = self.versions.get(ticket.id, 0) + 1
        return copy.deepcopy(ticket)

    # --- reading what was committed ---------------------------------------------------------------------------
    def ticket(self, number: int) -> Ticket | None:
        found = self.committed.ticket_by_number(number)
        return _loaded(copy.deepcopy(found)) if found is not None else None

    def outbox_rows(self) -> list[OutboxRow]:
        return sorted(self.committed.outbox.values(), key=lambda r: r.id)

    def outbox_keys(self) -> set[str]:
        return set(self.committed.outbox)

    def snapshot(self) -> Any:
        """Everything committed, as a comparable value: equal snapshots mean nothing changed."""
        return row_state([getattr(self.committed, f.name) for f in fields(Tables)])

    @staticmethod
    def _require(condition: bool, what: str) -> None:
        if not condition:
            raise FakeIntegrityError(what)


def _check_ticket(tables: Tables, ticket: Ticket) -> None:
    """The keys storage/tables.py enforces on a ticket and its stages and notes."""

    def require(condition: bool, what: str) -> None:
        if not condition:
            raise FakeIntegrityError(f"ticket {ticket.number}: {what}")

    require(all(t.number != ticket.number or t.id == ticket.id for t in tables.tickets.values()), "duplicate number")
    require(ticket.customer_id in tables.customers, "customer")
    require(ticket.type_id in tables.ticket_types, "type")
    require(ticket.subject_id in tables.subjects, "subject")
    require(ticket.unit_id is None or ticket.unit_id in tables.units, "unit")
    require(TicketStatus(ticket.status) in TicketStatus, "status")
    positions = [s.position for s in ticket.stages]
    require(len(positions) == len(set(positions)), "duplicate stage position")
    stamps = [ticket.created_at, ticket.updated_at, ticket.closed_at]
    for stage in ticket.stages:
        require(StageStatus(stage.status) in StageStatus, "stage status")
        require(stage.responsible_id is None or stage.responsible_id in tables.staff, "stage responsible")
        stamps += [stage.created_at, stage.completed_at, stage.due_at]
        stamps += [note.created_at for note in stage.notes]
    # storage/types.py refuses naive datetimes: the domain always uses aware UTC ones.
    require(all(s is None or s.tzinfo is not None for s in stamps), "naive datetime")


# --- repositories -------------------------------------------------------------------------------------------------
class _Repository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow

    @property
    def data(self) -> Tables:
        return self.uow.data

    async def _autoflush(self) -> Tables:
        await self.uow.flush()
        return self.uow.data


class FakeTicketRepository(_Repository):
    async def next_number(self) -> int:
        data = await self._autoflush()
        # Like the SQL repository: a sequence, stepping over numbers other systems wrote into the table.
        highest = max((t.number for t in data.tickets.values()), default=0)
        number = self.uow.db.next_id("ticket_number")
        while number <= highest:
            number = self.uow.db.next_id("ticket_number")
        return number

    def add(self, ticket: Ticket) -> None:
        self.uow.require_open()
        if ticket not in self.uow.new_tickets and ticket.id not in self.data.tickets:
            self.uow.new_tickets.append(ticket)

    async def get(self, number: int) -> Ticket | None:
        data = await self._autoflush()
        return data.ticket_by_number(number)

    async def get_by_id(self, ticket_id: int) -> Ticket | None:
        data = await self._autoflush()
        return data.tickets.get(ticket_id)

    async def details(self, number: int) -> TicketDetails | None:
        data = await self._autoflush()
        ticket = data.ticket_by_number(number)
        if ticket is None or ticket.customer_id not in data.customers:
            return None
        subject = data.subjects.get(ticket.subject_id)
        ticket_type = data.ticket_types.get(ticket.type_id)
        emp = data.empreendimentos.get(ticket.empreendimento_id) if ticket.empreendimento_id else None
        obra = next((o for o in emp.obras if o.id == ticket.obra_id), None) if emp else None
        unit = data.units.get(ticket.unit_id) if ticket.unit_id else None
        stages = []
        for stage in ticket.ordered_stages():
            responsible = data.staff.get(stage.responsible_id) if stage.responsible_id else None
            notes = sorted(stage.notes, key=lambda n: (n.created_at, n.id))
            stages.append(
                StageView(
                    position=stage.position,
                    description=stage.description,
                    status=StageStatus(stage.status),
                    created_at=stage.created_at,
                    completed_at=stage.completed_at,
                    due_at=stage.due_at,
                    responsible_id=stage.responsible_id,
                    responsible_name=responsible.name if responsible else None,
                    notes=tuple(NoteView(n.created_at, n.author, n.text) for n in notes),
                )
            )
        return TicketDetails(
            id=ticket.id,
            number=ticket.number,
            status=TicketStatus(ticket.status),
            description=ticket.description,
            created_at=ticket.created_at,
            closed_at=ticket.closed_at,
            cancel_reason=ticket.cancel_reason,
            customer_id=ticket.customer_id,
            customer_name=data.customers[ticket.customer_id].name,
            type_name=ticket_type.name if ticket_type else "",
            subject_id=ticket.subject_id,
            subject_name=subject.name if subject else "",
            subject_enabled=bool(subject and subject.enabled),
            empreendimento_name=emp.name if emp else None,
            obra_name=obra.name if obra else None,
            unit_label=unit.label if unit else None,
            unit_items=unit.items if unit else (),
            origin=str(ticket.origin),
            stages=tuple(stages),
        )

    async def page_for_customer(
        self, customer_id: int, visibility: Visibility, cursor: PageCursor | None, page_size: int
    ) -> TicketPage:
        """Newest first by (created_at, id), with the same keyset cursors as the SQL repository."""
        data = await self._autoflush()
        visible = []
        for ticket in data.tickets.values():
            subject = data.subjects.get(ticket.subject_id)  # the SQL query joins subjects
            if ticket.customer_id != customer_id or subject is None:
                continue
            if visibility is Visibility.WEB_SUBJECTS and not subject.enabled:
                continue
            visible.append((ticket, subject))
        visible.sort(key=lambda ts: (ts[0].created_at, ts[0].id), reverse=True)

        def key(ticket: Ticket) -> tuple[datetime, int]:
            return ticket.created_at, ticket.id

        if cursor is None:
            rows = visible[:page_size]
        elif cursor.backwards:
            newer = [ts for ts in visible if key(ts[0]) > (cursor.created_at, cursor.ticket_id)]
            rows = newer[-page_size:]
        else:
            rows = [ts for ts in visible if key(ts[0]) < (cursor.created_at, cursor.ticket_id)][:page_size]
        items = tuple(
            TicketSummary(
                id=t.id,
                number=t.number,
                status=TicketStatus(t.status),
                subject_name=s.name,
                description=t.description,
                created_at=t.created_at,
                closed_at=t.closed_at,
            )
            for t, s in rows
        )
        total = len(visible)
        newer_count = sum(1 for t, _ in visible if items and key(t) > (items[0].created_at, items[0].id))
        page_count = max(1, -(-total // page_size))
        has_older = total - newer_count - len(items) > 0
        return TicketPage(
            items=items,
            total=total,
            page_number=min(page_count, newer_count // page_size + 1),
            page_count=page_count,
            next_cursor=PageCursor(items[-1].created_at, items[-1].id) if has_older and items else None,
            prev_cursor=PageCursor(items[0].created_at, items[0].id, backwards=True) if newer_count else None,
        )


class FakeCatalogueRepository(_Repository):
    async def config(self) -> ServiceConfig:
        return self.data.config

    async def ticket_types(self) -> Sequence[TicketType]:
        return [self.data.ticket_types[i] for i in sorted(self.data.ticket_types)]

    async def subject(self, subject_id: int) -> Subject | None:
        return self.data.subjects.get(subject_id)

    async def subjects(self) -> Sequence[Subject]:
        return [self.data.subjects[i] for i in sorted(self.data.subjects)]

    async def empreendimentos(self, ids: Sequence[int] | None = None) -> Sequence[Empreendimento]:
        wanted = set(self.data.empreendimentos) if ids is None else set(ids)
        return [self.data.empreendimentos[i] for i in sorted(wanted & set(self.data.empreendimentos))]

    async def units_of_customer(self, customer_id: int) -> Sequence[Unit]:
        return [self.data.units[i] for i in sorted(self.data.customer_units.get(customer_id, ()))]

    async def staff_by_id(self, staff_id: int) -> StaffUser | None:
        return self.data.staff.get(staff_id)

    async def staff_by_login(self, login: str) -> StaffUser | None:
        return next((s for s in self.data.staff.values() if s.login == login), None)

    async def staff_by_telegram(self, telegram_user_id: int) -> StaffUser | None:
        return next((s for s in self.data.staff.values() if s.telegram_user_id == telegram_user_id), None)

    async def all_staff(self) -> Sequence[StaffUser]:
        return [self.data.staff[i] for i in sorted(self.data.staff)]

    async def set_staff_chat(self, chat_id: int, thread_id: int | None) -> None:
        self.data.config = replace(self.data.config, staff_chat_id=chat_id, staff_thread_id=thread_id)

    async def move_staff_chat(self, old_chat_id: int, new_chat_id: int) -> bool:
        if self.data.config.staff_chat_id != old_chat_id:
            return False
        self.data.config = replace(self.data.config, staff_chat_id=new_chat_id)
        return True

    async def adopt_staff_chat(self, chat_id: int) -> bool:
        if self.data.config.staff_chat_id is not None:
            return False
        self.data.config = replace(self.data.config, staff_chat_id=chat_id, staff_thread_id=None)
        return True

    async def add_demo_staff(self, login: str, name: str, telegram_user_id: int) -> StaffUser:
        staff = self.data.staff
        if any(s.login == login or s.telegram_user_id == telegram_user_id for s in staff.values()):
            raise FakeIntegrityError(f"staff {login} / {telegram_user_id} exists")
        user = StaffUser(id=max(staff, default=0) + 1, login=login, name=name, telegram_user_id=telegram_user_id)
        staff[user.id] = user
        return user


class FakeCustomerRepository(_Repository):
    async def get(self, customer_id: int) -> Customer | None:
        return self.data.customers.get(customer_id)

    async def by_telegram(self, telegram_user_id: int) -> Customer | None:
        return next((c for c in self.data.customers.values() if c.telegram_user_id == telegram_user_id), None)

    async def ids_by_phone(self, phone: str) -> Sequence[int]:
        return sorted(cid for cid, phones in self.data.customer_phones.items() if phone in phones)

    async def by_document(self, document: str) -> Customer | None:
        return next((c for c in self.data.customers.values() if c.document == document), None)

    async def link(self, customer_id: int, telegram_user_id: int, now: datetime) -> None:
        customers = self.data.customers
        for cid, customer in list(customers.items()):
            if customer.telegram_user_id == telegram_user_id and cid != customer_id:
                customers[cid] = replace(customer, telegram_user_id=None)
        if customer_id in customers:
            customers[customer_id] = replace(
                customers[customer_id], telegram_user_id=telegram_user_id, unreachable=False
            )

    async def unlink(self, telegram_user_id: int) -> bool:
        found = False
        for cid, customer in list(self.data.customers.items()):
            if customer.telegram_user_id == telegram_user_id:
                self.data.customers[cid] = replace(customer, telegram_user_id=None)
                found = True
        return found

    async def mark_unreachable(self, customer_id: int, now: datetime) -> None:
        if customer_id in self.data.customers:
            self.data.customers[customer_id] = replace(self.data.customers[customer_id], unreachable=True)

    async def mark_reachable(self, telegram_user_id: int) -> None:
        for cid, customer in list(self.data.customers.items()):
            if customer.telegram_user_id == telegram_user_id and customer.unreachable:
                self.data.customers[cid] = replace(customer, unreachable=False)

    async def demo_template(self) -> Customer | None:
        owners = [(-len(units), cid) for cid, units in self.data.customer_units.items() if units]
        return self.data.customers[min(owners)[1]] if owners else None

    async def create_demo_visitor(
        self, template_id: int, name: str, phone: str, telegram_user_id: int, now: datetime
    ) -> int:
        data = self.data
        await self.unlink(telegram_user_id)
        new_id = max(data.customers, default=0) + 1
        label = " ".join((name or "").split())[:60] or "Visitante"
        document = cpf_with_check_digits(f"{900000000 + new_id % 100000000:09d}")
        if any(c.document == document for c in data.customers.values()):
            raise FakeIntegrityError(f"duplicate document {document}")
        data.customers[new_id] = Customer(new_id, f"{label} (demonstração)", document,
                                          telegram_user_id=telegram_user_id)
        data.customer_phones[new_id] = (phone,)
        data.customer_units[new_id] = tuple(data.customer_units.get(template_id, ()))
        return new_id


class FakeLinkRepository(_Repository):
    async def add_invitation(self, hashed: str, customer_id: int, created_at: datetime, expires_at: datetime) -> None:
        if hashed in self.data.invitations or customer_id not in self.data.customers:
            raise FakeIntegrityError(f"invitation {hashed[:8]}…")
        self.data.invitations[hashed] = InvitationRow(customer_id, created_at, expires_at)

    async def invitation(self, hashed: str) -> Invitation | None:
        row = self.data.invitations.get(hashed)
        return Invitation(row.customer_id, row.created_at, row.expires_at, row.used_at) if row else None

    async def use_invitation(self, hashed: str, telegram_user_id: int, now: datetime) -> bool:
        row = self.data.invitations.get(hashed)
        committed = self.uow.db.committed.invitations.get(hashed)
        # UPDATE … WHERE used_at IS NULL waits for a concurrent redemption and then finds the row used: one wins.
        if row is None or row.used_at is not None or (committed is not None and committed.used_at is not None):
            return False
        row.used_at, row.used_by = now, telegram_user_id
        return True

    async def attempts(self, telegram_user_id: int) -> LinkAttempts | None:
        return self.data.link_attempts.get(telegram_user_id)

    async def save_attempts(self, attempts: LinkAttempts) -> None:
        self.data.link_attempts[attempts.telegram_user_id] = attempts

    async def clear_attempts(self, telegram_user_id: int) -> None:
        self.data.link_attempts.pop(telegram_user_id, None)


class FakeConversationRepository(_Repository):
    async def get(self, chat_id: int, user_id: int) -> Conversation | None:
        return self.data.conversations.get((chat_id, user_id))

    async def save(self, conversation: Conversation) -> None:
        customer_id = conversation.draft.customer_id if conversation.draft else conversation.customer_id
        if customer_id is not None and customer_id not in self.data.customers:
            raise FakeIntegrityError(f"conversation of unknown customer {customer_id}")
        self.data.conversations[(conversation.chat_id, conversation.user_id)] = conversation

    async def delete(self, chat_id: int, user_id: int) -> bool:
        return self.data.conversations.pop((chat_id, user_id), None) is not None

    async def expired(self, now: datetime, limit: int = 100) -> list[Conversation]:
        due = [c for c in self.data.conversations.values() if c.draft is not None and c.draft.expires_at <= now]
        due.sort(key=lambda c: (c.draft.expires_at, c.chat_id, c.user_id))
        return due[:limit]


class FakeChangeJournal(_Repository):
    async def claim(self, limit: int) -> list[Change]:
        data = await self._autoflush()  # the triggers ran at the flush
        return [data.change_log[i] for i in sorted(data.change_log)[:limit]]

    async def delete(self, ids: list[int]) -> None:
        for change_id in ids:
            self.data.change_log.pop(change_id, None)


def open_pendencia(data: Tables, pendencia: Pendencia) -> bool:
    """Open while its stage is Pendente and its ticket is not final (storage's `open_condition`)."""
    found = data.stage_by_id(pendencia.stage_id)
    if found is None:
        return False
    ticket, stage = found
    return stage.is_pending and TicketStatus(ticket.status) in (TicketStatus.ABERTO, TicketStatus.A_RETORNAR)


class FakePendenciaRepository(_Repository):
    def add(self, pendencia: Pendencia) -> None:
        self.uow.require_open()
        self.uow.new_pendencias.append(pendencia)

    def _view(self, pendencia: Pendencia) -> PendenciaView | None:
        data = self.data
        found = data.stage_by_id(pendencia.stage_id)
        if found is None or found[0].customer_id not in data.customers:
            return None
        ticket, stage = found
        ticket_type = data.ticket_types.get(ticket.type_id)
        subject = data.subjects.get(ticket.subject_id)
        emp = data.empreendimentos.get(ticket.empreendimento_id) if ticket.empreendimento_id else None
        obra = next((o for o in emp.obras if o.id == ticket.obra_id), None) if emp else None
        unit = data.units.get(ticket.unit_id) if ticket.unit_id else None
        responsible = data.staff.get(stage.responsible_id) if stage.responsible_id else None
        return PendenciaView(
            id=pendencia.id,
            kind=str(pendencia.kind),
            created_at=pendencia.created_at,
            due_at=stage.due_at,
            ticket_id=ticket.id,
            ticket_number=ticket.number,
            ticket_status=TicketStatus(ticket.status),
            description=ticket.description,
            stage_position=stage.position,
            stage_description=stage.description,
            stage_status=StageStatus(stage.status),
            customer_name=data.customers[ticket.customer_id].name,
            type_name=ticket_type.name if ticket_type else "",
            subject_name=subject.name if subject else "",
            empreendimento_name=emp.name if emp else None,
            obra_name=obra.name if obra else None,
            unit_label=unit.label if unit else None,
            responsible_id=stage.responsible_id,
            responsible_login=responsible.login if responsible else None,
            responsible_name=responsible.name if responsible else None,
        )

    async def view(self, pendencia_id: int) -> PendenciaView | None:
        data = await self._autoflush()
        pendencia = data.pendencias.get(pendencia_id)
        return self._view(pendencia) if pendencia is not None else None

    async def open(self, staff_id: int | None = None, limit: int = 200) -> Sequence[PendenciaView]:
        data = await self._autoflush()
        views = [
            view
            for p in data.pendencias.values()
            if open_pendencia(data, p) and (view := self._view(p)) is not None
            and (staff_id is None or view.responsible_id == staff_id)
        ]
        views.sort(key=lambda v: (v.due_at is None, v.due_at or datetime.min, v.id))
        return views[:limit]

    async def count_open(self, staff_id: int | None = None) -> int:
        return len(await self.open(staff_id, limit=10**9))


class FakeMessageRepository(_Repository):
    def add(self, message: InternalMessage) -> None:
        self.uow.require_open()
        self.uow.new_messages.append(message)


class FakeOutbox(_Repository):
    async def add(self, notification: Notification, *, available_at: datetime | None = None) -> bool:
        self.uow.require_open()
        if notification.key in self.data.outbox:
            return False
        self.data.outbox[notification.key] = OutboxRow(
            id=self.uow.db.next_id("outbox"),
            notification=notification,
            state="skipped" if notification.skip_reason is not None else "pending",
            created_at=self.uow.db.clock.now(),
        )
        return True

    async def existing_keys(self, keys: list[str]) -> list[str]:
        return [key for key in keys if key in self.data.outbox]

    async def requeue_refused(self, queue: str) -> int:
        """Nothing is ever parked here (delivery is not faked): nothing to requeue."""
        self.uow.require_open()
        return 0


# --- unit of work -------------------------------------------------------------------------------------------------
class FakeUnitOfWork:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self._open = False
        self._data: Tables | None = None

    async def __aenter__(self) -> Self:
        self._open = True
        self._begin()
        self.tickets = FakeTicketRepository(self)
        self.catalogue = FakeCatalogueRepository(self)
        self.customers = FakeCustomerRepository(self)
        self.pendencias = FakePendenciaRepository(self)
        self.messages = FakeMessageRepository(self)
        self.outbox = FakeOutbox(self)
        self.links = FakeLinkRepository(self)
        self.conversations = FakeConversationRepository(self)
        self.changes = FakeChangeJournal(self)
        return self

    async def __aexit__(self, *exc: object) -> None:
        # Like SqlUnitOfWork: whatever was not committed is gone.
        self._open = False
        self._data = None
        self.new_tickets, self.new_pendencias, self.new_messages = [], [], []

    def require_open(self) -> None:
        if not self._open:
            raise RuntimeError("unit of work used outside its `async with` block")

    @property
    def data(self) -> Tables:
        """This transaction's copy of the tables."""
        self.require_open()
        return self._data

    def _begin(self) -> None:
        """A new transaction: a private copy of the committed state."""
        self._data = copy.deepcopy(self.db.committed)
        for ticket in self._data.tickets.values():
            _loaded(ticket)
        self.base = {f.name: self._pictures(getattr(self._data, f.name)) for f in fields(Tables)}
        self.base_versions = dict(self.db.versions)
        self.flushed = {tid: journal_picture(t) for tid, t in self._data.tickets.items()}
        self.new_tickets: list[Ticket] = []
        self.new_pendencias: list[Pendencia] = []
        self.new_messages: list[InternalMessage] = []

    @staticmethod
    def _pictures(table: Any) -> Any:
        if isinstance(table, dict):
            return {key: row_state(row) for key, row in table.items()}
        return row_state(table)

    async def flush(self) -> None:
        self.require_open()
        data = self.data
        for ticket in self.new_tickets:
            ticket.id = self.db.next_id("tickets")
            data.tickets[ticket.id] = ticket
        self.new_tickets.clear()
        for ticket in data.tickets.values():
            for stage in ticket.stages:
                if stage.id is None:
                    stage.id = self.db.next_id("stages")
                for note in stage.notes:
                    if note.id is None:
                        note.id = self.db.next_id("notes")
            _check_ticket(data, ticket)
            picture = journal_picture(ticket)
            if picture != self.flushed.get(ticket.id):
                journal(self.db, data, ticket, self.flushed.get(ticket.id))
                self.flushed[ticket.id] = picture
        for pendencia in self.new_pendencias:
            found = data.stage_by_id(pendencia.stage_id)
            if found is None or found[0].id != pendencia.ticket_id:
                raise FakeIntegrityError(f"pendência for unknown stage {pendencia.stage_id}")
            if any(p.stage_id == pendencia.stage_id for p in data.pendencias.values()):
                raise FakeIntegrityError(f"second pendência for stage {pendencia.stage_id}")
            pendencia.id = self.db.next_id("pendencias")
            data.pendencias[pendencia.id] = pendencia
        self.new_pendencias.clear()
        for message in self.new_messages:
            message.id = self.db.next_id("messages")
            data.messages[message.id] = message
        self.new_messages.clear()

    def _changed(self, name: str) -> tuple[dict[Any, Any], set[Any]]:
        """Rows of table `name` this transaction wrote, and keys it deleted."""
        table, base = getattr(self.data, name), self.base[name]
        changed = {k: row for k, row in table.items() if k not in base or row_state(row) != base[k]}
        return changed, set(base) - set(table)

    async def commit(self) -> None:
        await self.flush()
        committed = self.db.committed
        changed_tickets, _ = self._changed("tickets")
        for ticket_id in changed_tickets:
            if ticket_id in self.base["tickets"] and self.db.versions.get(ticket_id) != self.base_versions.get(ticket_id):
                raise ConcurrentChange()
        for ticket in changed_tickets.values():
            if ticket.id not in committed.tickets:
                _check_ticket(committed, ticket)  # another transaction may have taken the number meanwhile
        for f in fields(Tables):
            table = getattr(self.data, f.name)
            if not isinstance(table, dict):
                if row_state(table) != self.base[f.name]:
                    setattr(committed, f.name, copy.deepcopy(table))
                continue
            changed, deleted = self._changed(f.name)
            target = getattr(committed, f.name)
            for key, row in changed.items():
                if f.name == "outbox" and key not in self.base["outbox"] and key in target:
                    continue  # ON CONFLICT (key) DO NOTHING: another transaction recorded it first
                target[key] = _loaded(copy.deepcopy(row)) if f.name == "tickets" else copy.deepcopy(row)
            for key in deleted:
                target.pop(key, None)
        for ticket_id in changed_tickets:
            self.db.versions[ticket_id] = self.db.versions.get(ticket_id, 0) + 1
        # The session goes on in a new transaction that sees what was just committed.
        self.base = {f.name: self._pictures(getattr(self.data, f.name)) for f in fields(Tables)}
        self.base_versions = dict(self.db.versions)

    async def rollback(self) -> None:
        self.require_open()
        self._begin()


class FakeUnitOfWorkFactory:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.db)
