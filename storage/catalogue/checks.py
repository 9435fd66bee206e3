"""What pydantic cannot see entry by entry: repeated ids, references (to the file or to rows already in the
database), values another row already holds, and the status rules of SPEC.md for the history's tickets."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from domain.statuses import StageStatus, TicketStatus
from storage.catalogue.known import Known
from storage.catalogue.lines import LineMap
from storage.catalogue.problems import Loc, Problem
from storage.catalogue.schema import Catalogue


class _Collector:
    def __init__(self, lines: LineMap) -> None:
        self.lines = lines
        self.problems: list[Problem] = []

    def add(self, code: str, loc: Loc, **params: Any) -> None:
        self.problems.append(Problem(code, loc, self.lines.line_of(loc), params))


def check(catalogue: Catalogue, known: Known, lines: LineMap) -> list[Problem]:
    found = _Collector(lines)
    _duplicates(catalogue, found)
    _references(catalogue, known, found)
    _taken(catalogue, known, found)
    _smtp(catalogue, found)
    _history(catalogue, found)
    return found.problems


# --- repeated values ----------------------------------------------------------------------------------------------
def _unique(found: _Collector, entries: Iterable[tuple[Loc, Any]], what: str) -> None:
    first: dict[Any, Loc] = {}
    for loc, value in entries:
        if value is None:
            continue
        if value in first:
            found.add("duplicate", loc, what=what, value=value, first_line=found.lines.line_of(first[value]))
        else:
            first[value] = loc


def _duplicates(c: Catalogue, found: _Collector) -> None:
    _unique(found, ((("staff", i, "login"), s.login) for i, s in enumerate(c.staff)), "login")
    _unique(found, ((("staff", i, "telegram_user_id"), s.telegram_user_id) for i, s in enumerate(c.staff)),
            "telegram_user_id")
    _unique(found, ((("ticket_types", i, "id"), x.id) for i, x in enumerate(c.ticket_types)), "id")
    _unique(found, ((("subjects", i, "id"), x.id) for i, x in enumerate(c.subjects)), "id")
    _unique(found, ((("empreendimentos", i, "id"), x.id) for i, x in enumerate(c.empreendimentos)), "id")
    _unique(found, ((("empreendimentos", i, "obras", j, "id"), o.id)
                    for i, e in enumerate(c.empreendimentos) for j, o in enumerate(e.obras)), "id")
    _unique(found, ((("units", i, "id"), x.id) for i, x in enumerate(c.units)), "id")
    _unique(found, ((("customers", i, "id"), x.id) for i, x in enumerate(c.customers)), "id")
    _unique(found, ((("customers", i, "cpf"), x.cpf) for i, x in enumerate(c.customers)), "cpf")
    _unique(found, ((("tickets", i, "number"), x.number) for i, x in enumerate(c.tickets)), "number")


# --- references ---------------------------------------------------------------------------------------------------
def _references(c: Catalogue, known: Known, found: _Collector) -> None:
    logins = {s.login for s in c.staff} | set(known.staff)
    types = {x.id for x in c.ticket_types} | known.ticket_types
    emps = {x.id for x in c.empreendimentos} | known.empreendimentos
    obras = dict(known.obras) | {o.id: e.id for e in c.empreendimentos for o in e.obras}
    units = set(known.units) | {u.id for u in c.units}
    subjects = {s.id for s in c.subjects} | set(known.subjects)
    customers = {x.id for x in c.customers} | known.customers

    def ref(loc: Loc, value: Any, pool: Any, entity: str) -> bool:
        if value is not None and value not in pool:
            found.add("unknown_reference", loc, entity=entity, value=value)
            return False
        return True

    if c.config is not None:
        ref(("config", "responsible"), c.config.responsible, logins, "staff")
        ref(("config", "config_user"), c.config.config_user, logins, "staff")
    for i, s in enumerate(c.subjects):
        for j, type_id in enumerate(s.types):
            ref(("subjects", i, "types", j), type_id, types, "ticket_type")
        for j, emp_id in enumerate(s.empreendimentos):
            ref(("subjects", i, "empreendimentos", j), emp_id, emps, "empreendimento")
        ref(("subjects", i, "responsible"), s.responsible, logins, "staff")
        for j, stage in enumerate(s.stages):
            ref(("subjects", i, "stages", j, "responsible"), stage.responsible, logins, "staff")
    for i, u in enumerate(c.units):
        ref(("units", i, "empreendimento"), u.empreendimento, emps, "empreendimento")
        if ref(("units", i, "obra"), u.obra, obras, "obra") and u.obra is not None \
                and obras[u.obra] != u.empreendimento:
            found.add("obra_elsewhere", ("units", i, "obra"), obra=u.obra, empreendimento=u.empreendimento,
                      owner=obras[u.obra])
    for i, x in enumerate(c.customers):
        for j, unit_id in enumerate(x.units):
            ref(("customers", i, "units", j), unit_id, units, "unit")
    for i, x in enumerate(c.tickets):
        ref(("tickets", i, "customer"), x.customer, customers, "customer")
        ref(("tickets", i, "type"), x.type, types, "ticket_type")
        ref(("tickets", i, "subject"), x.subject, subjects, "subject")
        ref(("tickets", i, "unit"), x.unit, units, "unit")
        for j, stage in enumerate(x.stages):
            ref(("tickets", i, "stages", j, "responsible"), stage.responsible, logins, "staff")


# --- values another row holds ---------------------------------------------------------------------------------------
def _taken(c: Catalogue, known: Known, found: _Collector) -> None:
    in_file = {x.id for x in c.customers}
    for i, x in enumerate(c.customers):
        owner = known.document_owners.get(x.cpf)
        # A customer of the file may hand its document over (a swap); one outside it keeps it.
        if owner is not None and owner != x.id and owner not in in_file:
            found.add("document_taken", ("customers", i, "cpf"), owner=owner)
    staff_in_file = {s.login for s in c.staff}
    holders = {row.telegram_user_id: login for login, row in known.staff.items()
               if row.telegram_user_id is not None and login not in staff_in_file}
    for i, s in enumerate(c.staff):
        holder = holders.get(s.telegram_user_id)
        if holder is not None:
            found.add("telegram_taken", ("staff", i, "telegram_user_id"), login=holder)


def _smtp(c: Catalogue, found: _Collector) -> None:
    for i, s in enumerate(c.staff):
        if s.smtp is None:
            continue
        if s.smtp.starttls and s.smtp.implicit_tls:
            found.add("smtp_tls_conflict", ("staff", i, "smtp", "implicit_tls"))
        if (s.smtp.username is None) != (s.smtp.password is None):
            missing = "password" if s.smtp.password is None else "username"
            found.add("smtp_credentials", ("staff", i, "smtp", missing))


# --- the history's status rules (SPEC.md, "Statuses and transitions") --------------------------------------------
def _history(c: Catalogue, found: _Collector) -> None:
    for i, x in enumerate(c.tickets):
        here: Callable[..., Loc] = lambda *rest, i=i: ("tickets", i, *rest)  # noqa: E731
        status = TicketStatus(x.status)
        if status.is_final and x.closed_at is None:
            found.add("closed_at_required", here("closed_at"), status=status.value)
        if not status.is_final and x.closed_at is not None:
            found.add("closed_at_forbidden", here("closed_at"), status=status.value)
        if x.cancel_reason is not None and status is not TicketStatus.CANCELADO:
            found.add("cancel_reason_forbidden", here("cancel_reason"), status=status.value)
        if x.closed_at is not None and x.closed_at < x.created_at:
            found.add("earlier_than", here("closed_at"), other="created_at")
        for j, stage in enumerate(x.stages):
            stage_status = StageStatus(stage.status)
            if stage_status.is_final and stage.completed_at is None:
                found.add("completed_at_required", here("stages", j, "completed_at"), status=stage_status.value)
            if not stage_status.is_final and stage.completed_at is not None:
                found.add("completed_at_forbidden", here("stages", j, "completed_at"), status=stage_status.value)
            if status is TicketStatus.CANCELADO and stage_status is StageStatus.RESOLVIDA:
                found.add("resolved_stage_in_cancelled_ticket", here("stages", j, "status"))
            # A Retornar may hold a pending stage: staff can add one after the work was done.
            if status.is_final and stage_status is StageStatus.PENDENTE:
                found.add("pending_stage_in_final_ticket", here("stages", j, "status"), status=status.value)
            if stage.created_at < x.created_at:
                found.add("earlier_than", here("stages", j, "created_at"), other=f"tickets[{i}].created_at")
            if stage.completed_at is not None and stage.completed_at < stage.created_at:
                found.add("earlier_than", here("stages", j, "completed_at"), other="created_at")
