"""Writes a checked catalogue: upsert by id (staff by login), association sets replaced for the entities in the file.
Runs inside the importer's one transaction.

Each section present in the file is the whole truth for that section (SPEC.md "Catalogue file"): staff users missing
from a present `staff:` are deactivated; customers missing from a present `customers:` lose their units, phones,
unused invitations and Telegram link (their atendimentos stay). Sections absent from the file are left alone.
SMTP passwords are stored sealed (storage/secrets.py)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage.catalogue.bulk import Count, replace_children, upsert
from storage.catalogue.go_live import DemoRemoved
from storage.catalogue.history import insert_history
from storage.catalogue.known import Known, StaffRow, chunked, rows_where_in
from storage.catalogue.schema import Catalogue
from storage.secrets import SecretBox


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
    demo_removed: DemoRemoved | None = None  # what going live removed of the demo
    # (login, name): missing from a present `staff:` section / `active: false` in the file; active before
    staff_deactivated_missing: list[tuple[str, str]] = field(default_factory=list)
    staff_deactivated_explicitly: list[tuple[str, str]] = field(default_factory=list)
    # (id, name): missing from a present `customers:` section, and had units, phones or a Telegram link until now
    customers_unlinked: list[tuple[int, str]] = field(default_factory=list)


async def write(connection: AsyncConnection, c: Catalogue, known: Known, summary: ImportSummary,
                *, demo_mode: bool, secrets: SecretBox | None = None) -> None:
    staff_ids = await _staff(connection, c, known, summary, secrets, whole_truth=not demo_mode)
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
    if "customers" in c.model_fields_set and not demo_mode:  # the demo's visitors are not in the demo file
        summary.customers_unlinked = await _unlink_missing_customers(connection, {x.id for x in c.customers})

    summary.config_changed, was_demo = await _config(connection, c, staff_ids, demo_mode)
    summary.was_demo = summary.was_demo or was_demo
    summary.tickets_inserted, summary.tickets_existing = await insert_history(connection, c, known, staff_ids)


async def _staff(connection: AsyncConnection, c: Catalogue, known: Known, summary: ImportSummary,
                 secrets: SecretBox | None, *, whole_truth: bool) -> dict[str, int]:
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
            "smtp_username": smtp.username if smtp else None,
            "smtp_password": _sealed(smtp.password if smtp else None, known.staff.get(s.login), secrets),
            "smtp_sender": smtp.sender if smtp else None, "smtp_starttls": smtp.starttls if smtp else True,
            "smtp_implicit_tls": smtp.implicit_tls if smtp else False, "active": s.active,
        })
    upserted = await upsert(connection, t.staff_users, rows, key="login")
    summary.staff = upserted.count(len(rows), set(moving))
    summary.staff_deactivated_explicitly = [
        (s.login, s.name) for s in c.staff if not s.active and s.login in known.staff and known.staff[s.login].active
    ]
    if "staff" in c.model_fields_set and whole_truth:  # (the demo's: people who joined its group are not in it)
        in_file = {s.login for s in c.staff}
        missing = sorted(login for login, row in known.staff.items() if login not in in_file and row.active)
        if missing:
            await connection.execute(
                update(t.staff_users).where(t.staff_users.c.login.in_(missing)).values(active=False)
            )
        summary.staff_deactivated_missing = [(login, known.staff[login].name) for login in missing]
    ids = {login: row.id for login, row in known.staff.items()}
    if upserted.inserted:
        ids.update({r.login: r.id for r in await rows_where_in(
            connection, [t.staff_users.c.login, t.staff_users.c.id], t.staff_users.c.login, upserted.inserted)})
    return ids


def _sealed(password: str | None, stored: StaffRow | None, secrets: SecretBox | None) -> str | None:
    """The password as stored: the row's own sealed value when it already holds this password (a re-import of an
    unchanged file writes nothing), else freshly sealed. The importer refuses passwords without a key."""
    if password is None:
        return None
    if secrets is None:
        raise RuntimeError("an SMTP password reached the writer without a secret key")  # the importer refuses first
    if stored is not None and secrets.holds(stored.smtp_password, password):
        return stored.smtp_password
    return secrets.seal(password)


async def _unlink_missing_customers(connection: AsyncConnection, in_file: set[int]) -> list[tuple[int, str]]:
    """Customers missing from a present `customers:` section lose units, phones (so sharing a contact cannot link
    them again), unused invitations and their Telegram link; their atendimentos stay. Returns those who had any."""
    holding = (
        select(t.customers.c.id, t.customers.c.name)
        .where(
            t.customers.c.telegram_user_id.is_not(None)
            | t.customers.c.id.in_(select(t.customer_units.c.customer_id))
            | t.customers.c.id.in_(select(t.customer_phones.c.customer_id))
            | t.customers.c.id.in_(select(t.invitations.c.customer_id).where(t.invitations.c.used_at.is_(None)))
        )
        .order_by(t.customers.c.id)
    )
    gone = [(row.id, row.name) for row in await connection.execute(holding) if row.id not in in_file]
    for batch in chunked([customer_id for customer_id, _ in gone]):
        await connection.execute(delete(t.customer_units).where(t.customer_units.c.customer_id.in_(batch)))
        await connection.execute(delete(t.customer_phones).where(t.customer_phones.c.customer_id.in_(batch)))
        await connection.execute(delete(t.invitations).where(t.invitations.c.customer_id.in_(batch),
                                                             t.invitations.c.used_at.is_(None)))
        await connection.execute(update(t.customers).where(t.customers.c.id.in_(batch))
                                 .values(telegram_user_id=None, linked_at=None))
    return gone


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
