"""Random sequences of staff and customer actions through TicketService on a real database (SQLite and PostgreSQL),
judged by the oracle of tests/unit/test_ticket_state_machine.py after each step: a refused action leaves the database
exactly as it was, every stage raises one pendência, and every change is recorded once to be told (what the customer
was answered directly, as skipped) — the storage's triggers journalling the same changes."""
from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from domain.catalogue import Customer, Empreendimento, Obra, ServiceConfig, StaffUser, Subject, TicketType, Unit
from domain.clock import FrozenClock
from domain.errors import DomainError, InvalidText, StaffNotFound, TicketNotFound
from domain.pendencias import MessageKind, PendenciaKind
from domain.services.tickets import NewTicketRequest, TicketService
from domain.statuses import StageStatus, TicketStatus
from domain.text_rules import checked_reason
from domain.tickets import Ticket
from storage.database import connect
from storage.uow import SqlUnitOfWorkFactory
from tests.support.sql_store import Store
from tests.unit.test_ticket_state_machine import (
    CONFIG_RESPONSIBLE,
    JOAO,
    MARIA,
    NOTE_TEXTS,
    PEDRO,
    POSITIONS,
    REASONS,
    STAGE_TEXTS,
    T0,
    Act,
    History,
    cancel_reason,
    check_invariants,
    draw_position,
    expect_effect,
    mostly,
    pending,
    refusal,
    subjects,
    valid,
)

# What the services write: a refused action must leave all of it as it was.
WRITTEN = ("tickets", "stages", "notes", "pendencias", "internal_messages", "outbox", "change_log", "counters")

ANA = Customer(1, "Ana Souza", "12345678909")
BRUNO = Customer(2, "Bruno Costa", "11222333000181")
SERVICE_CONFIG = ServiceConfig(responsible_id=CONFIG_RESPONSIBLE, send_external_email=True)


class TicketServiceMachine(RuleBasedStateMachine):
    """The same actions as the entity machine's, through TicketService on a fresh database of the backend, judged on
    what the database holds after each commit."""

    fresh_database: Callable[[], tuple[str, Callable[[], None]]]  # set by the test: (url, drop)

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.clock = FrozenClock(T0)
        url, self.drop_database = self.fresh_database()
        self.database = connect(url)
        uow_factory = SqlUnitOfWorkFactory(self.database, self.clock)
        self.db = Store(self.database, uow_factory)
        self.service = TicketService(uow_factory, self.clock)
        self.subjects: dict[int, Subject] = {}
        self.histories: dict[int, History] = {}
        self.first_stages: set[int] = set()  # stage ids created with their atendimento
        self.skipped: set[str] = set()  # customer pushes answered directly, recorded as skipped
        self.cancelled_by_customer: dict[int, list[int]] = {}  # ticket number → responsibles told

    def teardown(self) -> None:
        self.run(self.database.dispose())
        self.loop.close()
        self.drop_database()

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    @initialize(data=st.data(), count=st.integers(1, 3))
    def seed_and_open(self, data, count):
        db = self.db
        self.run(db.add_staff(JOAO, MARIA, PEDRO))
        self.run(db.add_ticket_types(TicketType(1, "Assistência técnica")))
        self.run(db.add_empreendimentos(Empreendimento(100, "Residencial Jardins", (Obra(1001, 100, "Torre A"),))))
        self.run(db.add_units(Unit(5000, 100, 1001, "Torre A - Apto 101"), Unit(5001, 100, 1001, "Torre A - Apto 102")))
        drawn = [data.draw(subjects(10 + i), label=f"subject {10 + i}") for i in range(3)]
        self.run(db.add_subjects(*drawn))
        self.run(db.add_customer(ANA, units=[5000]))
        self.run(db.add_customer(BRUNO, units=[5001]))
        self.run(db.set_config(SERVICE_CONFIG))
        self.subjects = {s.id: s for s in drawn}
        for _ in range(count):
            self.open_ticket(data.draw(st.sampled_from(sorted(self.subjects)), label="subject"))

    @precondition(lambda self: len(self.histories) < 4)
    @rule(subject_id=st.sampled_from([10, 11, 12]))
    def open_ticket(self, subject_id):
        self.clock.advance(minutes=7)
        outcome = self.run(self.service.open_ticket(
            ANA.id, NewTicketRequest(1, subject_id, 100, 5000, "Mancha de umidade no teto")))
        ticket = self._ticket(outcome.ticket_number)
        assert outcome.ticket_number == max(self.histories, default=0) + 1
        [stage] = ticket.stages
        self.first_stages.add(stage.id)
        self.skipped.add(f"c:stage:{stage.id}:new")
        self.histories[ticket.number] = History()

    def attempt(self, number: int, act: Act, call, *, actor: StaffUser | None = None, customer: int | None = None,
                login: str | None = None) -> None:
        self.clock.advance(minutes=7)
        before = self._ticket(number)
        if before is None:
            expected_error = InvalidText if customer and not valid(checked_reason, act.text) else TicketNotFound
        elif customer is not None:
            # The reason is checked first; then another customer's atendimento does not exist for them.
            if not valid(checked_reason, act.text):
                expected_error = InvalidText
            elif customer != before.customer_id:
                expected_error = TicketNotFound
            else:
                expected_error = refusal(before, act)
        elif login is not None and login.lstrip("@") not in ("joao", "maria"):
            expected_error = StaffNotFound
        else:
            expected_error = refusal(before, act)
        event(f"{act.kind}: {expected_error.__name__ if expected_error else 'done'}")
        picture = self.run(self.db.snapshot(WRITTEN))
        try:
            self.run(call)
        except DomainError as error:
            assert expected_error is not None, f"{act} refused on ticket {number}: {error!r}"
            assert isinstance(error, expected_error), f"{act}: {error!r}, expected {expected_error.__name__}"
            assert self.run(self.db.snapshot(WRITTEN)) == picture, f"refused {act} changed the database"
            return
        assert expected_error is None, f"{act} on ticket {number} should be refused: {expected_error.__name__}"
        after = self._ticket(number)
        subject = self.subjects[after.subject_id]
        expect_effect(before, after, act, subject, subject.responsible_id or CONFIG_RESPONSIBLE, self.clock.now(),
                      author=actor.name if actor else "")
        if customer is not None:
            self.skipped.add(f"c:ticket:{after.id}:cancelado")
            self.skipped |= {f"c:stage:{s.id}:cancelada" for s in pending(before)}
            self.cancelled_by_customer[number] = sorted({s.responsible_id for s in pending(before)} - {None}) or [
                CONFIG_RESPONSIBLE]

    def _ticket(self, number: int) -> Ticket | None:
        return self.run(self.db.ticket(number))

    def pick(self, data) -> int:
        """An atendimento that exists, now and then one that does not."""
        return mostly(data, st.sampled_from(sorted(self.histories)), st.just(len(self.histories) + 1), "number")

    def position(self, data, number: int) -> int:
        ticket = self._ticket(number)
        return draw_position(data, ticket) if ticket is not None else data.draw(POSITIONS, label="stage")

    @rule(data=st.data(), text=STAGE_TEXTS, actor=st.sampled_from([JOAO, MARIA]))
    def add_stage(self, data, text, actor):
        number, login = self.pick(data), mostly(data, st.sampled_from([None, "joao", "@maria"]),
                                                 st.sampled_from(["ninguem", "pedro"]), "login")
        responsible = {None: actor.id, "joao": JOAO.id, "@maria": MARIA.id}.get(login)
        self.attempt(number, Act("add_stage", text=text, responsible=responsible),
                     self.service.add_stage(actor, number, text, login), actor=actor, login=login)

    @rule(data=st.data(), text=NOTE_TEXTS, actor=st.sampled_from([JOAO, MARIA]))
    def add_note(self, data, text, actor):
        number = self.pick(data)
        position = self.position(data, number)
        self.attempt(number, Act("add_note", position, text),
                     self.service.add_note(actor, number, position, text), actor=actor)

    @rule(data=st.data(), note=st.none() | NOTE_TEXTS, actor=st.sampled_from([JOAO, MARIA]))
    def resolve_stage(self, data, note, actor):
        number = self.pick(data)
        position = self.position(data, number)
        self.attempt(number, Act("resolve", position, note),
                     self.service.resolve_stage(actor, number, position, note), actor=actor)

    @rule(data=st.data(), reason=REASONS, actor=st.sampled_from([JOAO, MARIA]))
    def cancel_stage(self, data, reason, actor):
        number = self.pick(data)
        position = self.position(data, number)
        self.attempt(number, Act("cancel_stage", position, reason),
                     self.service.cancel_stage(actor, number, position, reason), actor=actor)

    @rule(data=st.data())
    def mark_a_retornar(self, data):
        number = self.pick(data)
        self.attempt(number, Act("mark_a_retornar"), self.service.mark_a_retornar(MARIA, number))

    @rule(data=st.data(), note=st.none() | NOTE_TEXTS)
    def close(self, data, note):
        number = self.pick(data)
        self.attempt(number, Act("close", text=note), self.service.close(MARIA, number, note), actor=MARIA)

    @rule(data=st.data())
    def cancel_by_staff(self, data):
        number, reason = self.pick(data), cancel_reason(data)
        self.attempt(number, Act("cancel", text=reason), self.service.cancel(MARIA, number, reason))

    @rule(data=st.data())
    def cancel_by_customer(self, data):
        number, reason = self.pick(data), cancel_reason(data)
        customer = mostly(data, st.just(ANA.id), st.just(BRUNO.id), "customer", odds=3)  # Bruno: not his
        self.attempt(number, Act("cancel_customer", text=reason),
                     self.service.cancel_by_customer(customer, number, reason), customer=customer)

    @invariant()
    def every_invariant_of_spec_holds(self):
        if not self.histories:
            return
        tickets = {n: self._ticket(n) for n in self.histories}
        for number, ticket in tickets.items():
            check_invariants(ticket, self.subjects[ticket.subject_id])
            self.histories[number].check(ticket)
        self.check_pendencias(tickets)
        self.check_outbox(tickets)

    def check_pendencias(self, tickets: dict[int, Ticket]) -> None:
        """Each stage raised exactly one pendência, for its responsible, with its due date."""
        stages = {s.id: s for t in tickets.values() for s in t.stages}
        every = self.run(self.db.pendencias())
        by_stage = {p.stage_id: p for p in every}
        assert set(by_stage) == set(stages) and len(by_stage) == len(every)
        for stage_id, p in by_stage.items():
            stage = stages[stage_id]
            assert (p.staff_id, p.due_at) == (stage.responsible_id, stage.due_at)
            wanted = PendenciaKind.NEW_TICKET if stage_id in self.first_stages else PendenciaKind.STAGE
            assert p.kind is wanted

    def check_outbox(self, tickets: dict[int, Ticket]) -> None:
        """Every change is recorded once to be told, nothing else is; what was answered directly is skipped."""
        expected: set[str] = set()
        for number, ticket in tickets.items():
            for stage in ticket.stages:
                expected.add(f"c:stage:{stage.id}:new")
                if not stage.is_pending:
                    expected.add(f"c:stage:{stage.id}:{StageStatus(stage.status).name.lower()}")
                expected |= {f"c:note:{note.id}" for note in stage.notes}
            expected |= {f"c:ticket:{ticket.id}:{s.name.lower()}" for s in self.histories[number].reached
                         if s is not TicketStatus.ABERTO}
        every = self.run(self.db.pendencias())
        for p in every:
            expected.add(f"g:pendencia:{p.id}")
            if p.staff_id is not None:
                expected |= {f"u:{p.staff_id}:pendencia:{p.id}", f"e:pendencia:{p.id}"}
        messages = self.run(self.db.messages())
        assert sum(m.kind is MessageKind.PENDENCIA for m in messages) == len(every)
        told = Counter()
        for m in messages:
            if m.kind is MessageKind.CUSTOMER_CANCELLED:
                told[m.params["ticket_number"]] += 1
                expected |= {f"g:message:{m.id}", f"u:{m.to_staff_id}:message:{m.id}"}
        assert dict(told) == {n: len(staff) for n, staff in self.cancelled_by_customer.items()}
        rows = self.run(self.db.outbox())
        assert set(rows) == expected, (set(rows) ^ expected)
        # The triggers journalled each of these changes: the change feed will find every one told already.
        journalled = self.run(self.db.journalled_customer_keys())
        assert journalled == {k for k in expected if k.startswith("c:")}, journalled ^ expected
        assert {k for k, r in rows.items() if r.state == "skipped"} == self.skipped


EXAMPLES = {"sqlite": 40, "postgresql": 15}  # PostgreSQL: a database per example costs more


def test_random_actions_through_the_services_keep_every_invariant(backend, request, tmp_path):
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")

        def fresh():
            return template.fresh(tmp_path), lambda: None
    else:
        template = request.getfixturevalue("postgres_template")

        def fresh():
            name, url = template.fresh()
            return url, lambda: template.drop(name)

    class Machine(TicketServiceMachine):
        fresh_database = staticmethod(fresh)

    run_state_machine_as_test(Machine, settings=settings(
        max_examples=EXAMPLES[backend], stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
