"""The e-mail job: a pendência e-mailed to its responsible through *that user's* SMTP settings.

It runs apart from Telegram delivery (an SMTP server that hangs must not hold up anyone's chat), after the
atendimento was committed. Transient failures (connection, timeout, 4xx) are retried with backoff a few times;
whatever still fails — or fails for good at once (no SMTP settings, authentication, a refused recipient) — is parked
and reported: an internal message to the configured `config_user`, posted to the staff group, saying which e-mail
failed and why (never a password).

A run claims up to ten mailboxes' heads and sends them one after another, each through an SMTP server that may take
its whole timeout: the claim is renewed before each message (so the batch's last message is not sent under a lease
that expired meanwhile), and a message whose claim another worker took is left to that worker.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from bot.email import EmailError, compose_pendencia_email, send_email
from bot.email.errors import FailureReason
from bot.logs import fields
from bot.services import Services
from domain.notifications import PayloadError, PendenciaNotice
from storage.delivery_queue import ClaimedBatch, DeliveryQueue
from storage.notification_payloads import encode_payload

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
RETRY_DELAYS = (15.0, 60.0, 240.0)  # seconds before attempts 2, 3 and 4


class EmailDelivery:
    def __init__(self, services: Services, worker: str, *, timeout: float = 20.0, max_attempts: int = MAX_ATTEMPTS,
                 retry_delays: tuple[float, ...] = RETRY_DELAYS) -> None:
        self.services = services
        self.worker = worker
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.retry_delays = retry_delays
        self.queue = DeliveryQueue(services.database, services.clock)

    @property
    def lease(self) -> timedelta:
        """Long enough for one message: connecting, the SMTP dialogue, and the timeout at each of its steps."""
        return timedelta(seconds=self.timeout * 4 + 30)

    async def run_once(self) -> int:
        batches = await self.queue.claim(self.worker, queues=10, fold=1, audiences=("email",), lease=self.lease)
        sent = 0
        for batch in batches:
            if not await self.queue.renew(batch, self.worker, self.lease):
                log.warning(fields(event="claim_lost", outbox_id=batch.head.id))
                continue
            sent += await self._deliver(batch)
        return sent

    async def stop(self) -> None:
        await self.queue.release(self.worker)

    async def _deliver(self, batch: ClaimedBatch) -> int:
        row = batch.head
        async with self.services.uow() as uow:
            staff = await uow.catalogue.staff_by_id(row.recipient_id)
        recipient = (staff.email if staff else None) or (staff.name if staff else f"#{row.recipient_id}")
        try:
            notice = row.notice()
            unreadable = f"not a pendência: {row.kind}"
        except PayloadError as exc:
            notice, unreadable = None, str(exc)
        pendencia = notice if isinstance(notice, PendenciaNotice) else None
        try:
            if staff is None:
                raise EmailError(FailureReason.NO_SMTP, detail="usuário não encontrado")
            if pendencia is None:
                raise EmailError(FailureReason.OTHER, detail=unreadable)
            message = compose_pendencia_email(encode_payload(pendencia), staff, self.services.zone)
            await send_email(message, staff.smtp, timeout=self.timeout, tls_context=self.services.smtp_tls_context,
                             secrets=self.services.settings.secret_box())
        except EmailError as error:
            attempts = row.attempts + 1
            if error.transient and attempts < self.max_attempts:
                delay = self.retry_delays[min(attempts - 1, len(self.retry_delays) - 1)]
                await self.queue.retry_later(batch.ids, self.worker, self.services.clock.now() + timedelta(seconds=delay),
                                             str(error))
                log.warning(fields(event="email_retry", outbox_id=row.id, reason=error.reason.value, attempts=attempts))
                return 0
            if not await self.queue.park(batch.ids, self.worker, str(error)):
                return 0  # another worker holds it now: its report, not ours
            await self.services.incidents.email_failed(
                {
                    "pendencia_id": pendencia.id if pendencia else None,
                    "ticket_number": pendencia.ticket_number if pendencia else None,
                    "recipient": recipient,
                    "attempts": attempts,
                    **error.as_params(),
                },
                row.ticket_id,
            )
            log.warning(fields(event="email_failed", outbox_id=row.id, reason=error.reason.value, attempts=attempts))
            return 0
        if not await self.queue.delivered(batch, self.worker, chat_id=None, spacing=timedelta(0)):
            log.warning(fields(event="claim_lost", outbox_id=row.id))
            return 0
        log.info(fields(event="email_sent", outbox_id=row.id))
        return 1
