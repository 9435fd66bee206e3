"""Random sequences of staff and customer actions, with every invariant of SPEC.md checked after each step.

Two machines drive the same actions: this one on the entities themselves, and one through the services on a real
database (tests/integration/test_ticket_service_machine.py: a refused action must leave the whole database
unchanged, and every change must be told exactly once).
Both judge each action with an oracle written from SPEC.md ("Statuses and transitions", with the choices documented
in domain/tickets.py), not from the code under test:
- whether it must be refused, and with which error;
- what it must change (and that it changes nothing else), and that the events recorded match the changes.
"""
from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from domain.catalogue import StaffUser, StageTemplate, Subject
from domain.errors import (
    CancelAfterResolution,
    DomainError,
    InvalidText,
    InvalidTransition,
    StaffNotFound,
    StageNotFound,
    StageNotPending,
    StagesStillPending,
    TicketIsFinal,
    TicketNotFound,
)
from domain.statuses import StageStatus, TicketStatus
from domain.text_rules import checked_note, checked_reason, checked_stage_description
from domain.tickets import NoteAdded, StageCreated, StageStatusChanged, Ticket, TicketStatusChanged
from tests.support.pictures import row_state

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STEP = timedelta(minutes=7)
JOAO = StaffUser(1, "joao", "João Silva")
MARIA = StaffUser(2, "maria", "Maria Lima")
PEDRO = StaffUser(4, "pedro", "Pedro Antigo", active=False)
CONFIG_RESPONSIBLE = MARIA.id

# --- what the machines draw -----------------------------------------------------------------------------------------
POSITIONS = st.integers(-1, 6)  # 0, -1 and past the end: stages that do not exist
RESPONSIBLES = st.sampled_from([None, JOAO.id, MARIA.id])
STAGE_TEXTS = st.sampled_from(["Vistoria complementar", "  Trocar o rejunte  ", "Medir umidade", "Pintura da fachada",
                               "ab", "", "x" * 201])
NOTE_TEXTS = st.sampled_from(["Cliente avisado", "Ok", "Fotos\n\n\n\nanexadas", "Laudo anexado", "", " \x00 ",
                              "y" * 2001])
REASONS = st.sampled_from(["Cliente desistiu", "Aberto em duplicidade", "Sem acesso ao local", "no", "", "z" * 501])
TEMPLATE_NAMES = ["Vistoria técnica", "Reparo", "Pintura", "Teste de estanqueidade"]


@st.composite
def subjects(draw, subject_id: int) -> Subject:
    """0–3 template stages, a return call or not, responsibles named or not."""
    count = draw(st.integers(0, 3))
    templates = tuple(
        StageTemplate(
            position,
            draw(st.sampled_from(TEMPLATE_NAMES)),
            draw(st.sampled_from([None, JOAO.id, MARIA.id])),
            draw(st.sampled_from([None, 1, 3, 7])),
        )
        for position in range(1, count + 1)
    )
    return Subject(
        subject_id, f"Assunto {subject_id}", enabled=True,
        responsible_id=draw(st.sampled_from([None, JOAO.id])), return_call=draw(st.booleans()),
        type_ids=frozenset({1}), stages=templates,
    )


def mostly(data, common: st.SearchStrategy, rare: st.SearchStrategy, label: str, odds: int = 8):
    """Draws from `rare` once in `odds` times: random sequences then reach deep states, not only refusals."""
    return data.draw(rare if data.draw(st.integers(1, odds), label=f"rare {label}?") == 1 else common, label=label)


def cancel_reason(data) -> str:
    """Cancelling ends the story: a valid reason now and then, so that most sequences go on to deeper states."""
    return mostly(data, st.sampled_from(["no", "", "z" * 501]), st.just("Cliente desistiu"), "reason", odds=3)


def draw_position(data, ticket: Ticket) -> int:
    """A pending stage most often, else any stage, now and then one that does not exist."""
    every = sorted(s.position for s in ticket.stages)
    waiting = [s.position for s in pending(ticket)]
    common = st.sampled_from(waiting) if waiting else st.sampled_from(every) if every else POSITIONS
    return mostly(data, common, POSITIONS | st.sampled_from(every or [1]), "stage")


# --- the oracle -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Act:
    kind: str  # add_stage | add_note | resolve | cancel_stage | mark_a_retornar | close | cancel | cancel_customer
    position: int | None = None
    text: str | None = None  # description, observation or reason
    responsible: int | None = None

    def __repr__(self) -> str:
        shown = {k: v for k, v in vars(self).items() if v is not None and k != "kind"}
        if isinstance(shown.get("text"), str) and len(shown["text"]) > 12:
            shown["text"] = shown["text"][:12] + f"…({len(self.text)})"
        return f"{self.kind}{shown}"


def valid(check, text: str | None) -> bool:
    try:
        check(text)
    except InvalidText:
        return False
    return True


def find(ticket: Ticket, position: int | None):
    return next((s for s in ticket.stages if s.position == position), None)


def pending(ticket: Ticket) -> list:
    return [s for s in ticket.stages if StageStatus(s.status) is StageStatus.PENDENTE]


def resolved_any(ticket: Ticket) -> bool:
    return any(StageStatus(s.status) is StageStatus.RESOLVIDA for s in ticket.stages)


def refusal(ticket: Ticket, act: Act) -> type[DomainError] | None:
    """The error SPEC.md demands for `act` on `ticket` as it is, or None when the action is allowed."""
    status = TicketStatus(ticket.status)
    if status.is_final:
        return TicketIsFinal  # nothing changes a final atendimento
    stage = find(ticket, act.position)
    if act.kind == "add_stage":
        return None if valid(checked_stage_description, act.text) else InvalidText
    if act.kind == "add_note":
        if stage is None:
            return StageNotFound
        return None if valid(checked_note, act.text) else InvalidText
    if act.kind in ("resolve", "cancel_stage"):
        if stage is None:
            return StageNotFound
        if StageStatus(stage.status).is_final:
            return StageNotPending  # Pendente → Resolvida | Cancelada, both final
        if act.kind == "resolve":
            return InvalidText if act.text and not valid(checked_note, act.text) else None
        return None if valid(checked_reason, act.text) else InvalidText
    if act.kind == "mark_a_retornar":
        if status is not TicketStatus.ABERTO:
            return InvalidTransition
        return StagesStillPending if pending(ticket) else None
    if act.kind == "close":
        if act.text and ticket.stages and not valid(checked_note, act.text):
            return InvalidText  # the closing observation is written first
        return StagesStillPending if pending(ticket) else None
    if act.kind in ("cancel", "cancel_customer"):
        if status is not TicketStatus.ABERTO:
            return InvalidTransition
        if resolved_any(ticket):
            return CancelAfterResolution  # only while no stage has been resolved
        return None if valid(checked_reason, act.text) else InvalidText
    raise AssertionError(act)


def template_done(ticket: Ticket, subject: Subject) -> bool:
    """Nothing left to create from the template (a cancelled template stage ends it)."""
    templated = [s for s in ticket.stages if s.template_position is not None]
    if not templated:
        return bool(ticket.stages) or not subject.stages
    last = max(templated, key=lambda s: s.template_position)
    status = StageStatus(last.status)
    if status is StageStatus.CANCELADA:
        return True
    return status is StageStatus.RESOLVIDA and subject.template_after(last.template_position) is None


def next_template(before: Ticket, position: int, subject: Subject) -> StageTemplate | None:
    """The template stage that resolving stage `position` must create."""
    stage = find(before, position)
    templated = [s.template_position for s in before.stages if s.template_position is not None]
    if stage.template_position is None or stage.template_position != max(templated):
        return None
    return subject.template_after(stage.template_position)


@dataclass
class Diff:
    new_stages: list[int]
    stage_status: dict[int, StageStatus]
    new_notes: dict[int, int]
    status: TicketStatus | None


def diff(before: Ticket, after: Ticket) -> Diff:
    """What changed; and an assertion that nothing changed that may never change."""
    for name in ("id", "number", "customer_id", "type_id", "subject_id", "description", "unit_id",
                 "empreendimento_id", "obra_id", "return_call", "origin", "created_at"):
        assert getattr(after, name) == getattr(before, name), name
    old = {s.position: s for s in before.stages}
    new = {s.position: s for s in after.stages}
    assert set(old) <= set(new), "a stage disappeared"
    stage_status, new_notes = {}, {}
    for position, was in old.items():
        now = new[position]
        for name in ("id", "description", "responsible_id", "created_at", "due_at", "template_position"):
            assert getattr(now, name) == getattr(was, name), (position, name)
        if StageStatus(now.status) is not StageStatus(was.status):
            assert StageStatus(was.status) is StageStatus.PENDENTE, "a stage left a final status"
            stage_status[position] = StageStatus(now.status)
        else:
            assert now.completed_at == was.completed_at
        assert [row_state(n) for n in now.notes[: len(was.notes)]] == [row_state(n) for n in was.notes]
        if len(now.notes) > len(was.notes):
            new_notes[position] = len(now.notes) - len(was.notes)
    created = sorted(set(new) - set(old))
    for position in created:
        if new[position].notes:
            new_notes[position] = len(new[position].notes)
    status = TicketStatus(after.status) if TicketStatus(after.status) is not TicketStatus(before.status) else None
    if status is not TicketStatus.CANCELADO:
        assert after.cancel_reason == before.cancel_reason
    return Diff(created, stage_status, new_notes, status)


def expect_effect(
    before: Ticket, after: Ticket, act: Act, subject: Subject, fallback: int | None, now: datetime,
    *, author: str = "",
) -> Diff:
    """`act` was allowed: it changed exactly what SPEC.md says, at `now`."""
    d = diff(before, after)
    n = max((s.position for s in before.stages), default=0)
    expected_status: TicketStatus | None = None
    expected_new: list[int] = []
    expected_stage_status: dict[int, StageStatus] = {}
    expected_notes: dict[int, int] = {}
    if act.kind == "add_stage":
        expected_new = [n + 1]
        stage = find(after, n + 1)
        assert stage.description == checked_stage_description(act.text)
        assert (stage.responsible_id, stage.template_position, stage.due_at) == (act.responsible, None, None)
    elif act.kind == "add_note":
        expected_notes = {act.position: 1}
        note = find(after, act.position).notes[-1]
        assert (note.text, note.created_at, note.author) == (checked_note(act.text), now, author)
    elif act.kind in ("resolve", "cancel_stage"):
        resolving = act.kind == "resolve"
        expected_stage_status = {act.position: StageStatus.RESOLVIDA if resolving else StageStatus.CANCELADA}
        if not resolving or act.text:
            expected_notes = {act.position: 1}
            note = find(after, act.position).notes[-1]
            wanted = checked_note(act.text) if resolving else checked_reason(act.text)
            assert (note.text, note.created_at) == (wanted, now)
        template = next_template(before, act.position, subject) if resolving else None
        if template is not None:
            expected_new = [n + 1]
            stage = find(after, n + 1)
            assert (stage.description, stage.template_position) == (template.description, template.position)
            assert stage.responsible_id == (template.responsible_id or fallback)
            assert stage.due_at == (now + timedelta(days=template.due_days) if template.due_days else None)
        # The atendimento moves by itself once the work is done (see domain/tickets.py for the exact rule).
        work_done = not pending(after) and template_done(after, subject) and resolved_any(after)
        if TicketStatus(before.status) is TicketStatus.ABERTO and work_done:
            expected_status = TicketStatus.A_RETORNAR if before.return_call else TicketStatus.ENCERRADO
    elif act.kind == "mark_a_retornar":
        expected_status = TicketStatus.A_RETORNAR
    elif act.kind == "close":
        expected_status = TicketStatus.ENCERRADO
        if act.text and before.stages:
            expected_notes = {n: 1}  # on the last stage
    elif act.kind in ("cancel", "cancel_customer"):
        expected_status = TicketStatus.CANCELADO
        expected_stage_status = {s.position: StageStatus.CANCELADA for s in pending(before)}
        assert after.cancel_reason == checked_reason(act.text)
    assert d.new_stages == expected_new, (d, act)
    assert d.stage_status == expected_stage_status, (d, act)
    assert d.new_notes == expected_notes, (d, act)
    assert d.status == expected_status, (d, act)
    for position in expected_new:
        stage = find(after, position)
        assert StageStatus(stage.status) is StageStatus.PENDENTE and stage.completed_at is None
        assert stage.created_at == now
    for position in d.stage_status:
        assert find(after, position).completed_at == now  # Conclusão: exactly when it left Pendente
    if d.status is not None and d.status.is_final:
        assert after.closed_at == now  # Data Término: exactly when it became final
    else:
        assert after.closed_at == before.closed_at
    assert after.updated_at == now
    return d


def check_events(events: list, after: Ticket, d: Diff) -> None:
    """Every event recorded matches a real change, and every change recorded its event."""
    created = [e.stage.position for e in events if isinstance(e, StageCreated)]
    assert created == d.new_stages
    assert all(e.stage is find(after, e.stage.position) for e in events if isinstance(e, StageCreated))
    statuses = {e.stage.position: StageStatus(e.status) for e in events if isinstance(e, StageStatusChanged)}
    assert len(statuses) == sum(isinstance(e, StageStatusChanged) for e in events)
    assert statuses == d.stage_status
    notes = Counter(e.stage.position for e in events if isinstance(e, NoteAdded))
    assert dict(notes) == d.new_notes
    for e in events:
        if isinstance(e, NoteAdded):
            assert any(note is e.note for note in find(after, e.stage.position).notes)
    ticket_statuses = [TicketStatus(e.status) for e in events if isinstance(e, TicketStatusChanged)]
    assert ticket_statuses == ([d.status] if d.status is not None else [])


# --- invariants -----------------------------------------------------------------------------------------------------
ALLOWED_MOVES = {
    (TicketStatus.ABERTO, TicketStatus.A_RETORNAR),
    (TicketStatus.ABERTO, TicketStatus.ENCERRADO),
    (TicketStatus.ABERTO, TicketStatus.CANCELADO),
    (TicketStatus.A_RETORNAR, TicketStatus.ENCERRADO),
}


def check_invariants(ticket: Ticket, subject: Subject) -> None:
    status = TicketStatus(ticket.status)
    stages = sorted(ticket.stages, key=lambda s: s.position)
    assert [s.position for s in stages] == list(range(1, len(stages) + 1)), "positions are 1..n"
    assert (ticket.closed_at is not None) == status.is_final, "Data Término set iff final"
    for s in stages:
        assert (s.completed_at is not None) == StageStatus(s.status).is_final, "Conclusão set iff not Pendente"
        assert s.completed_at is None or s.completed_at >= s.created_at
    if status.is_final:
        assert not pending(ticket), f"{status} with a pending stage"
    # (A Retornar is entered only with every stage done, but staff may still add a stage while calling back.)
    if status is TicketStatus.CANCELADO:
        assert not resolved_any(ticket), "cancelled after a resolution"
        assert ticket.cancel_reason
    if status is TicketStatus.ABERTO:
        # The work is done: it must have moved by itself.
        assert pending(ticket) or not template_done(ticket, subject) or not resolved_any(ticket)
    # Template stages: created in template order, each only after the one before it was resolved, never twice.
    templated = [s for s in stages if s.template_position is not None]
    positions = [s.template_position for s in templated]
    assert positions == [t.position for t in subject.stages[: len(templated)]], "template order"
    assert bool(templated) == bool(subject.stages), "the first template stage comes with the atendimento"
    for earlier, later in zip(templated, templated[1:]):
        assert StageStatus(earlier.status) is StageStatus.RESOLVIDA
        assert later.created_at == earlier.completed_at  # created when the one before it was resolved
    if templated and StageStatus(templated[-1].status) is StageStatus.RESOLVIDA:
        assert len(templated) == len(subject.stages), "a resolved template stage created no successor"


class History:
    """What may never change once it happened, checked between steps."""

    def __init__(self) -> None:
        self.status: TicketStatus | None = None
        self.final_picture = None
        self.closed_at = None
        self.stage_ends: dict[int, tuple[StageStatus, datetime]] = {}
        self.stage_count = 0
        self.reached: list[TicketStatus] = []

    def check(self, ticket: Ticket) -> None:
        status = TicketStatus(ticket.status)
        if self.final_picture is not None:
            assert row_state(ticket) == self.final_picture, "a final atendimento changed"
        if self.status is not None and status is not self.status:
            assert (self.status, status) in ALLOWED_MOVES, (self.status, status)
        if self.closed_at is not None:
            assert ticket.closed_at == self.closed_at, "Data Término changed"
        for position, end in self.stage_ends.items():
            stage = next(s for s in ticket.stages if s.position == position)
            assert (StageStatus(stage.status), stage.completed_at) == end, "a stage left its final status"
        assert len(ticket.stages) >= self.stage_count
        self.stage_count = len(ticket.stages)
        for stage in ticket.stages:
            if StageStatus(stage.status).is_final:
                self.stage_ends.setdefault(stage.position, (StageStatus(stage.status), stage.completed_at))
        if status is not self.status:
            self.reached.append(status)
        self.status = status
        self.closed_at = ticket.closed_at
        if status.is_final and self.final_picture is None:
            self.final_picture = row_state(ticket)


def open_like_the_service(number: int, subject: Subject, now: datetime) -> Ticket:
    ticket = Ticket(number, 1, 1, subject.id, "Mancha de umidade no teto", now, return_call=subject.return_call)
    first = subject.template_after(None)
    fallback = subject.responsible_id or CONFIG_RESPONSIBLE
    if first is not None:
        ticket.add_template_stage(first, fallback, now)
    else:
        ticket.add_stage(subject.name, fallback, now)
    ticket.take_events()
    return ticket


ANY_ACT = st.one_of(
    st.builds(Act, st.just("add_stage"), text=STAGE_TEXTS, responsible=RESPONSIBLES),
    st.builds(Act, st.just("add_note"), position=POSITIONS, text=NOTE_TEXTS),
    st.builds(Act, st.just("resolve"), position=POSITIONS, text=st.none() | NOTE_TEXTS),
    st.builds(Act, st.just("cancel_stage"), position=POSITIONS, text=REASONS),
    st.builds(Act, st.just("mark_a_retornar")),
    st.builds(Act, st.just("close")),
    st.builds(Act, st.just("cancel"), text=REASONS),
    st.builds(Act, st.just("cancel_customer"), text=REASONS),
)


# --- machine 1: the entities ----------------------------------------------------------------------------------------
class TicketEntityMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.tickets: list[Ticket] = []
        self.subjects: list[Subject] = []
        self.histories: list[History] = []

    @initialize(data=st.data(), count=st.integers(1, 3))
    def open_tickets(self, data, count):
        for i in range(count):
            subject = data.draw(subjects(10 + i), label=f"subject of ticket {i + 1}")
            self.tickets.append(open_like_the_service(i + 1, subject, self.now))
            self.subjects.append(subject)
            self.histories.append(History())

    def attempt(self, i: int, act: Act) -> None:
        ticket, subject = self.tickets[i], self.subjects[i]
        self.now += STEP
        expected_error = refusal(ticket, act)
        event(f"{act.kind} on {TicketStatus(ticket.status)}: {expected_error.__name__ if expected_error else 'done'}")
        before, picture = copy.deepcopy(ticket), row_state(ticket)
        try:
            self.perform(ticket, subject, act)
        except DomainError as error:
            assert expected_error is not None, f"{act} refused on ticket {ticket.number}: {error!r}"
            assert isinstance(error, expected_error), f"{act}: {error!r}, expected {expected_error.__name__}"
            assert row_state(ticket) == picture, f"refused {act} changed the ticket"
            assert ticket.events == [], f"refused {act} recorded events"
            return
        assert expected_error is None, f"{act} on ticket {ticket.number} should be refused: {expected_error.__name__}"
        events = ticket.take_events()
        d = expect_effect(before, ticket, act, subject, subject.responsible_id or CONFIG_RESPONSIBLE, self.now,
                          author="Staff")
        check_events(events, ticket, d)

    def perform(self, ticket: Ticket, subject: Subject, act: Act) -> None:
        now, fallback = self.now, subject.responsible_id or CONFIG_RESPONSIBLE
        match act.kind:
            case "add_stage":
                ticket.add_stage(act.text, act.responsible, now)
            case "add_note":
                ticket.add_note(act.position, act.text, "Staff", now)
            case "resolve":
                ticket.resolve_stage(act.position, now, subject, fallback, note=act.text, author="Staff")
            case "cancel_stage":
                ticket.cancel_stage(act.position, act.text, now, subject, author="Staff")
            case "mark_a_retornar":
                ticket.mark_a_retornar(now)
            case "close":
                ticket.close(now)
            case "cancel" | "cancel_customer":
                ticket.cancel(act.text, now)

    def pick(self, data) -> int:
        return data.draw(st.integers(0, len(self.tickets) - 1), label="ticket")

    @rule(data=st.data(), text=STAGE_TEXTS, responsible=RESPONSIBLES)
    def add_stage(self, data, text, responsible):
        self.attempt(self.pick(data), Act("add_stage", text=text, responsible=responsible))

    @rule(data=st.data(), text=NOTE_TEXTS)
    def add_note(self, data, text):
        i = self.pick(data)
        self.attempt(i, Act("add_note", draw_position(data, self.tickets[i]), text))

    @rule(data=st.data(), note=st.none() | NOTE_TEXTS)
    def resolve_stage(self, data, note):
        i = self.pick(data)
        self.attempt(i, Act("resolve", draw_position(data, self.tickets[i]), note))

    @rule(data=st.data(), reason=REASONS)
    def cancel_stage(self, data, reason):
        i = self.pick(data)
        self.attempt(i, Act("cancel_stage", draw_position(data, self.tickets[i]), reason))

    @rule(data=st.data())
    def mark_a_retornar(self, data):
        self.attempt(self.pick(data), Act("mark_a_retornar"))

    @rule(data=st.data())
    def close(self, data):
        self.attempt(self.pick(data), Act("close"))

    @rule(data=st.data())
    def cancel_by_staff(self, data):
        self.attempt(self.pick(data), Act("cancel", text=cancel_reason(data)))

    @rule(data=st.data())
    def cancel_by_customer(self, data):
        self.attempt(self.pick(data), Act("cancel_customer", text=cancel_reason(data)))

    @precondition(lambda self: any(not s.is_pending for t in self.tickets for s in t.stages))
    @rule(data=st.data())
    def resolve_a_stage_twice(self, data):
        done = [(i, s.position) for i, t in enumerate(self.tickets) for s in t.stages if not s.is_pending]
        i, position = data.draw(st.sampled_from(done), label="stage no longer pending")
        self.attempt(i, Act(data.draw(st.sampled_from(["resolve", "cancel_stage"])), position, "Outra vez"))

    @precondition(lambda self: any(t.is_final for t in self.tickets))
    @rule(data=st.data())
    def act_on_a_final_ticket(self, data):
        final = [i for i, t in enumerate(self.tickets) if t.is_final]
        self.attempt(data.draw(st.sampled_from(final), label="final ticket"), data.draw(ANY_ACT, label="act"))

    @invariant()
    def every_invariant_of_spec_holds(self):
        for ticket, subject, history in zip(self.tickets, self.subjects, self.histories):
            check_invariants(ticket, subject)
            history.check(ticket)


TicketEntityMachine.TestCase.settings = settings(
    max_examples=100, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestTicketEntities = TicketEntityMachine.TestCase
