"""Every change records its notifications in the same transaction, one row per key; a repeat changes nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from domain.notifications import Audience, Notification, StageStatusNotice
from storage.notification_payloads import decode_payload
from domain.services.tickets import TicketService
from storage import tables as t
from tests.support.builders import build_catalogue, insert_ticket, staff_user


async def outbox_rows(db) -> dict[str, tuple[str, str | None]]:
    """key → (state, why it is not sent)."""
    async with db.engine.connect() as connection:
        rows = await connection.execute(select(t.outbox.c.key, t.outbox.c.state, t.outbox.c.last_error))
        return {r.key: (r.state, r.last_error) for r in rows}


async def ids(db, table, **where) -> list[int]:
    async with db.engine.connect() as connection:
        query = select(table.c.id).where(*(table.c[k] == v for k, v in where.items())).order_by(table.c.id)
        return list((await connection.execute(query)).scalars())


async def test_opening_and_working_a_ticket_records_the_expected_keys(db, uow_factory, clock):
    cat = await build_catalogue(db, send_external_email=True)
    service = TicketService(uow_factory, clock)
    joao = cat.staff["joao"]
    number = (await service.open_ticket(cat.ana, cat.request())).ticket_number
    [stage_1] = await ids(db, t.stages)
    [pendencia_1] = await ids(db, t.pendencias)

    assert await outbox_rows(db) == {
        f"c:stage:{stage_1}:new": ("skipped", "covered_by_confirmation"),  # Ana was told in the confirmation
        f"g:pendencia:{pendencia_1}": ("pending", None),
        f"u:{joao}:pendencia:{pendencia_1}": ("pending", None),
        f"e:pendencia:{pendencia_1}": ("pending", None),
    }

    before = set(await outbox_rows(db))
    await service.resolve_stage(await staff_user(db, "joao"), number, 1, "Vistoria feita.")
    stage_2 = (await ids(db, t.stages))[-1]
    pendencia_2 = (await ids(db, t.pendencias))[-1]
    [note] = await ids(db, t.notes)
    added = {k: v for k, v in (await outbox_rows(db)).items() if k not in before}
    assert added == {
        f"c:note:{note}": ("pending", None),
        f"c:stage:{stage_1}:resolvida": ("pending", None),
        f"c:stage:{stage_2}:new": ("pending", None),
        f"g:pendencia:{pendencia_2}": ("pending", None),
        f"u:{joao}:pendencia:{pendencia_2}": ("pending", None),
        f"e:pendencia:{pendencia_2}": ("pending", None),
    }


async def test_a_customer_cancellation_tells_the_responsible_and_not_the_customer(db, uow_factory, clock):
    cat = await build_catalogue(db)
    number = (await TicketService(uow_factory, clock).open_ticket(cat.ana, cat.request())).ticket_number
    before = set(await outbox_rows(db))

    await TicketService(uow_factory, clock).cancel_by_customer(cat.ana, number, "Já foi resolvido.")

    [stage] = await ids(db, t.stages)
    [ticket] = await ids(db, t.tickets)
    [message] = await ids(db, t.internal_messages, kind="cancelado_pelo_cliente")
    joao = cat.staff["joao"]
    added = {k: v for k, v in (await outbox_rows(db)).items() if k not in before}
    assert added == {
        f"c:stage:{stage}:cancelada": ("skipped", "covered_by_confirmation"),
        f"c:ticket:{ticket}:cancelado": ("skipped", "covered_by_confirmation"),
        f"g:message:{message}": ("pending", None),
        f"u:{joao}:message:{message}": ("pending", None),
    }


async def test_changes_to_a_ticket_the_customer_does_not_see_are_recorded_as_skipped(db, uow_factory, clock):
    cat = await build_catalogue(db)  # web_subjects: Financeiro is not shown to customers
    await insert_ticket(db, number=50, customer_id=cat.ana, subject_id=cat.financeiro, type_id=cat.solicitacao,
                        created_at=clock.now())

    await TicketService(uow_factory, clock).add_stage(await staff_user(db, "maria"), 50, "Conferir boletos")

    [stage] = await ids(db, t.stages)
    assert (await outbox_rows(db))[f"c:stage:{stage}:new"] == ("skipped", "subject_not_visible")


async def test_a_repeated_key_is_a_no_op(db, uow_factory, clock):
    await build_catalogue(db)
    first = Notification("c:stage:1:resolvida", Audience.CUSTOMER, StageStatusNotice(7, 1, "Vistoria", "Resolvida"), 1)
    again = Notification("c:stage:1:resolvida", Audience.CUSTOMER, StageStatusNotice(7, 1, "Vistoria", "outro"), 1)

    async with uow_factory() as uow:
        assert await uow.outbox.add(first) is True
        assert await uow.outbox.add(again) is False  # in the same transaction
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.outbox.add(again) is False  # and in a later one
        await uow.commit()

    async with db.engine.connect() as connection:
        rows = (await connection.execute(select(t.outbox.c.key, t.outbox.c.kind, t.outbox.c.payload))).all()
        count = (await connection.execute(select(func.count()).select_from(t.outbox))).scalar_one()
    assert count == 1
    assert [(r.key, decode_payload(r.kind, r.payload)) for r in rows] == [("c:stage:1:resolvida", first.payload)]
    assert rows[0].payload["v"] == StageStatusNotice.VERSION  # the version the payload was written in
