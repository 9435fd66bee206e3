"""The e-mail job against a real SMTP server (aiosmtpd on 127.0.0.1), on SQLite and PostgreSQL, with a frozen clock
moved past each retry delay: a transient refusal is retried and delivered; a permanent one is parked and the config
user told through an internal message (in the staff group and in private), without the password.

Ana opens an atendimento about a leak; João, its responsible, is e-mailed through his own SMTP account.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.delivery.email_delivery import EmailDelivery
from bot.delivery.render import render_row
from bot.services import Services
from bot.settings import load_settings
from storage import tables as t
from storage.delivery_queue import OutboxRow
from tests.support.builders import build_catalogue
from tests.support.catalogue import TEST_SECRETS
from tests.support.smtp_server import smtp_ca, smtp_client_tls, smtp_servers  # noqa: F401 - fixtures

PASSWORD = "S3nha-do-Joao"


async def setup(db, clock, database_url, server):
    cat = await build_catalogue(db, send_external_email=True)
    async with db.engine.begin() as connection:
        await connection.execute(update(t.staff_users).where(t.staff_users.c.login == "joao").values(
            smtp_host="127.0.0.1", smtp_port=server.port, smtp_sender="joao@construtora.example",
            smtp_starttls=False, smtp_username=None, smtp_password=TEST_SECRETS.seal(PASSWORD)))
    services = Services.build(load_settings(database_url=database_url), db, clock)
    await services.tickets.open_ticket(cat.ana, cat.request())
    return cat, services


async def rows(db) -> dict[str, tuple]:
    o = t.outbox
    async with db.engine.connect() as connection:
        found = await connection.execute(select(o).order_by(o.c.id))
        return {r.key: r for r in found}


async def test_a_transient_refusal_is_retried_then_delivered(db, clock, database_url, smtp_servers):
    server = await smtp_servers.start("plain", replies={"RCPT": "451 4.3.0 Caixa ocupada, tente mais tarde"})
    cat, services = await setup(db, clock, database_url, server)
    job = EmailDelivery(services, "w1", timeout=2.0, retry_delays=(15.0, 60.0, 240.0))

    assert await job.run_once() == 0
    [email] = [r for k, r in (await rows(db)).items() if k.startswith("e:")]
    assert (email.state, email.attempts, email.available_at) == ("pending", 1, clock.now() + timedelta(seconds=15))
    assert "server_busy" in email.last_error
    clock.advance(seconds=14)
    assert await job.run_once() == 0  # not before its time
    assert server.received == []

    del server.replies["RCPT"]  # the server recovers
    clock.advance(seconds=2)
    assert await job.run_once() == 1
    [mail] = server.received
    assert mail.rcpt_tos == ["joao@construtora.example"]
    email = (await rows(db))[email.key]
    assert (email.state, email.attempts) == ("delivered", 1)
    assert await job.run_once() == 0  # once


async def test_a_permanent_refusal_is_parked_and_the_config_user_told(db, clock, database_url, smtp_servers):
    server = await smtp_servers.start("plain", replies={"RCPT": "550 5.1.1 No such user here"})
    cat, services = await setup(db, clock, database_url, server)
    job = EmailDelivery(services, "w1", timeout=2.0)

    assert await job.run_once() == 0
    found = await rows(db)
    [email] = [r for k, r in found.items() if k.startswith("e:")]
    assert (email.state, email.attempts) == ("parked", 1)
    [group_post] = [r for k, r in found.items() if k.startswith("g:message:")]
    [private] = [r for k, r in found.items() if k.startswith(f"u:{cat.staff['admin']}:message:")]
    assert group_post.state == private.state == "pending"
    text = render_row(OutboxRow(group_post.id, group_post.key, group_post.audience, group_post.kind,
                                group_post.queue, group_post.recipient_id, group_post.ticket_id, group_post.payload,
                                group_post.attempts, group_post.created_at), services.zone)
    assert text.startswith("📧 ") and "joao@construtora.example" in text
    assert PASSWORD not in text and PASSWORD not in (email.last_error or "")

    clock.advance(hours=1)
    assert await job.run_once() == 0 and server.received == []  # parked: no retry loop


async def test_a_server_that_stays_busy_is_parked_after_the_last_attempt(db, clock, database_url, smtp_servers):
    server = await smtp_servers.start("plain", replies={"RCPT": "421 4.7.0 Service not available"})
    _, services = await setup(db, clock, database_url, server)
    job = EmailDelivery(services, "w1", timeout=2.0, max_attempts=3, retry_delays=(10.0, 20.0))

    for wait in (10, 20):
        assert await job.run_once() == 0
        clock.advance(seconds=wait + 1)
    assert await job.run_once() == 0

    found = await rows(db)
    [email] = [r for k, r in found.items() if k.startswith("e:")]
    assert (email.state, email.attempts) == ("parked", 3)
    assert any(k.startswith("g:message:") for k in found)
