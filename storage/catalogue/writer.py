"""Writes a checked catalogue: upsert by id (staff by login), association sets replaced for the entities in the file,
nothing deleted, a customer's Telegram link never touched. Runs inside the importer's one transaction."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage.catalogue.bulk import Count, replace_children, upsert
from storage.catalogue.history import insert_history
from storage.catalogue.known import Known, rows_where_in
from storage.catalogue.schema import Catalogue


@dataclass
class ImportSummary:
    source: str
    staff: Count = field(default_factory=Count)
    ticket_types: Count = field(default_factory=Count)
    empreendimentos: Count = field(default_factory=Count)
    obras: Count = field(default_factory=Count)
    units: Count = field(default_factory=Count)
    subjects: Count = field(default_factory=Count)
    customers: Count = field(default_factory=Count)
    tickets_inserted: int = 0
    tickets_existing: int = 0  # in the file, already in the database: left as they are
    config_changed: bool = False
    was_demo: bool = False  # the database held the demo catalogue before this import


async def write(connection: AsyncConnection, c: Catalogue, known: Known, summary: ImportSummary,
                *, demo_mode: bool) -> None:
    staff_ids = await _staff(connection, c, known, summary)
    summary.ticket_types = (await upsert(connection, t.ticket_types, [
        {"id": x.id, "name": x.name} for x in c.ticket_types
    ])).count(len(c.ticket_types))
    summary.empreendimentos = (await upsert(connection, t.empreendimentos, [
        {"id": x.id, "name": x.name} for x in c.empreendimentos
    ])).count(len(c.empreendimentos))
    obras = [{"id": o.id, "empreendimento_id": e.id, "name": o.name} for e in c.empreendimentos for o in e.obras]
    summary.obras = (await upsert(connection, t.obras, obras)).count(len(obras))

    units = await upsert(connection, t.units, [
        {"id": u.id, "empreendimento_id": u.empreendimento, "obra_id": u.obra, "label": u.label} for u in c.units
    ])
    items_changed = await replace_children(
        connection, t.unit_items, "unit_id", ("position", "name"),
        {u.id: [(n, name) for n, name in enumerate(u.items, start=1)] for u in c.units}, units.existing,
    )
    summary.units = units.count(len(c.units), items_changed)

    subjects = await upsert(connection, t.subjects, [
        {"id": s.id, "name": s.name, "enabled": s.enabled, "responsible_id": staff_ids.get(s.responsible),
         "return_call": s.return_call}
        for s in c.subjects
    ])
    changed = await replace_children(connection, t.subject_types, "subject_id", ("type_id",),
                                     {s.id: [(i,) for i in s.types] for s in c.subjects}, subjects.existing)
    changed |= await replace_children(connection, t.subject_empreendimentos, "subject_id", ("empreendimento_id",),
                                      {s.id: [(i,) for i in s.empreendimentos] for s in c.subjects},
                                      subjects.existing)
    changed |= await replace_children(
        connection, t.subject_stages, "subject_id", ("position", "description", "responsible_id", "due_days"),
        {s.id: [(n, st.description, staff_ids.get(st.responsible), st.due_days)
                for n, st in enumerate(s.stages, start=1)] for s in c.subjects},
        subjects.existing,
    )
    summary.subjects = subjects.count(len(c.subjects), changed)

    await _free_documents(connection, c, known)
    customers = await upsert(connection, t.customers, [
        {"id": x.id, "name": x.name, "document": x.cpf, "email": x.email} for x in c.customers
    ])
    changed = await replace_children(connection, t.customer_phones, "customer_id", ("phone",),
                                     {x.id: [(p,) for p in x.phones] for x in c.customers}, customers.existing)
    changed |= await replace_children(connection, t.customer_units, "customer_id", ("unit_id",),
                                      {x.id: [(u,) for u in x.units] for x in c.customers}, customers.existing)
    summary.customers = customers.count(len(c.customers), changed)

    summary.config_changed, summary.was_demo = await _config(connection, c, staff_ids, demo_mode)
    summary.tickets_inserted, summary.tickets_existing = await insert_history(connection, c, known, staff_ids)


async def _staff(connection: AsyncConnection, c: Catalogue, known: Known, summary: ImportSummary) -> dict[str, int]:
    # A Telegram id handed from one staff user to another (both in the file) must leave the first before it reaches
    # the second: the column is unique.
    moving = [s.login for s in c.staff
              if s.login in known.staff and known.staff[s.login].telegram_user_id not in (None, s.telegram_user_id)]
    if moving:
        await connection.execute(
            update(t.staff_users).where(t.staff_users.c.login.in_(moving)).values(telegram_user_id=None)
        )
    rows = []
    for s in c.staff:
        smtp = s.smtp
        rows.append({
            "login": s.login, "name": s.name, "telegram_user_id": s.telegram_user_id, "email": s.email,
            "smtp_host": smtp.host if smtp else None, "smtp_port": smtp.port if smtp else None,
            "smtp_username": smtp.username if smtp else None, "smtp_password": smtp.password if smtp else None,
            "smtp_sender": smtp.sender if smtp else None, "smtp_starttls": smtp.starttls if smtp else True,
            "smtp_implicit_tls": smtp.implicit_tls if smtp else False, "active": s.active,
        })
    upserted = await upsert(connection, t.staff_users, rows, key="login")
    summary.staff = upserted.count(len(rows), set(moving))
    ids = {login: row.id for login, row in known.staff.items()}
    if upserted.inserted:
        ids.update({r.login: r.id for r in await rows_where_in(
            connection, [t.staff_users.c.login, t.staff_users.c.id], t.staff_users.c.login, upserted.inserted)})
    return ids


def _placeholder(customer_id: int) -> str:
    """A value no real document has (documents are [0-9A-Z]), unique per customer, within the column's 14 chars."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text, n = "", customer_id
    while True:
        n, r = divmod(n, 36)
        text = digits[r] + text
        if n == 0:
            return "~" + text


async def _free_documents(connection: AsyncConnection, c: Catalogue, known: Known) -> None:
    # Two customers of the file trading documents (a correction) would collide on the unique column halfway:
    # park the current holders' documents first.
    holders = {owner for x in c.customers if (owner := known.document_owners.get(x.cpf)) not in (None, x.id)}
    if holders:
        await connection.execute(
            update(t.customers).where(t.customers.c.id == bindparam("b_id")).values(document=bindparam("b_doc")),
            [{"b_id": customer_id, "b_doc": _placeholder(customer_id)} for customer_id in sorted(holders)],
        )


async def _config(connection: AsyncConnection, c: Catalogue, staff_ids: dict[str, int],
                  demo_mode: bool) -> tuple[bool, bool]:
    row = (await connection.execute(select(t.service_config).where(t.service_config.c.id == 1))).one_or_none()
    if row is None:  # migrations create it; a database someone emptied by hand gets it back
        await connection.execute(t.service_config.insert().values(id=1))
        row = (await connection.execute(select(t.service_config).where(t.service_config.c.id == 1))).one()
    values: dict[str, object] = {"demo_mode": demo_mode}
    if c.config is not None:
        given = c.config.model_fields_set
        plain = ("visibility", "mode", "send_external_email", "staff_chat_id", "staff_thread_id", "weekly_report")
        values.update({name: getattr(c.config, name) for name in plain if name in given})
        if "responsible" in given:
            values["responsible_id"] = staff_ids.get(c.config.responsible)
        if "config_user" in given:
            values["config_user_id"] = staff_ids.get(c.config.config_user)
    changed = any(getattr(row, name) != value for name, value in values.items() if name != "demo_mode")
    await connection.execute(update(t.service_config).where(t.service_config.c.id == 1).values(values))
    return changed, bool(row.demo_mode)
