"""Linking a Telegram account to a customer record (SPEC.md "Linking").

Nothing here reveals whether a phone number or a CPF exists: every failure a person can cause is the same
`LinkRefused`, and failures are counted and slowed down (`domain/linking.py`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from domain.brazil import normalise_contact_phone, normalise_document
from domain.catalogue import Customer
from domain.clock import Clock
from domain.errors import CustomerNotFound, InvalidDocument, LinkRefused, TooManyAttempts
from domain.linking import LinkAttempts, code_hash, looks_like_code, new_invitation_code
from domain.ports import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class LinkResult:
    customer: Customer
    demo: bool = False  # linked to a demonstration customer (demo mode only)


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    code: str
    customer: Customer
    expires_at: object


class LinkingService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, *, demo_allowed: bool = False) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.demo_allowed = demo_allowed

    async def customer_for(self, telegram_user_id: int) -> Customer | None:
        async with self.uow_factory() as uow:
            return await uow.customers.by_telegram(telegram_user_id)

    async def _check_not_blocked(self, uow: UnitOfWork, telegram_user_id: int) -> None:
        attempts = await uow.links.attempts(telegram_user_id)
        now = self.clock.now()
        if attempts is not None and attempts.blocked(now):
            minutes = max(1, math.ceil((attempts.blocked_until - now).total_seconds() / 60))
            raise TooManyAttempts(minutes=minutes)

    async def _fail(self, telegram_user_id: int, reason: str) -> LinkRefused:
        """Counts a failure in its own transaction (the caller's is rolled back) and returns the error to raise."""
        async with self.uow_factory() as uow:
            now = self.clock.now()
            previous = await uow.links.attempts(telegram_user_id)
            attempts = previous.after_failure(now) if previous else LinkAttempts.first(telegram_user_id, now)
            await uow.links.save_attempts(attempts)
            await uow.commit()
        return LinkRefused(reason=reason)

    async def link_by_contact(
        self, telegram_user_id: int, contact_user_id: int | None, phone: str | None, first_name: str = ""
    ) -> LinkResult:
        """The contact must be the sender's own; its number must belong to exactly one customer."""
        async with self.uow_factory() as uow:
            await self._check_not_blocked(uow, telegram_user_id)
        if contact_user_id != telegram_user_id:
            raise await self._fail(telegram_user_id, "not_own_contact")
        normalised = normalise_contact_phone(phone)
        if normalised is None:
            raise await self._fail(telegram_user_id, "no_match")
        async with self.uow_factory() as uow:
            now = self.clock.now()
            ids = await uow.customers.ids_by_phone(normalised)
            demo = False
            if len(ids) == 1:
                customer_id = ids[0]
                await uow.customers.link(customer_id, telegram_user_id, now)
            else:
                config = await uow.catalogue.config()
                template = await uow.customers.demo_template() if not ids else None
                if not (self.demo_allowed and config.demo_mode and template is not None):
                    customer_id = None
                else:
                    customer_id = await uow.customers.create_demo_visitor(
                        template.id, first_name, normalised, telegram_user_id, now
                    )
                    demo = True
            if customer_id is not None:
                await uow.links.clear_attempts(telegram_user_id)
                customer = await uow.customers.get(customer_id)
                await uow.commit()
                return LinkResult(customer, demo=demo)
        raise await self._fail(telegram_user_id, "no_match")

    async def redeem_invitation(self, telegram_user_id: int, code: str) -> LinkResult:
        async with self.uow_factory() as uow:
            await self._check_not_blocked(uow, telegram_user_id)
            if looks_like_code(code):
                now = self.clock.now()
                hashed = code_hash(code)
                invitation = await uow.links.invitation(hashed)
                if invitation is not None and invitation.usable(now):
                    if await uow.links.use_invitation(hashed, telegram_user_id, now):
                        await uow.customers.link(invitation.customer_id, telegram_user_id, now)
                        await uow.links.clear_attempts(telegram_user_id)
                        customer = await uow.customers.get(invitation.customer_id)
                        await uow.commit()
                        return LinkResult(customer)
        raise await self._fail(telegram_user_id, "bad_code")

    async def unlink(self, telegram_user_id: int) -> bool:
        async with self.uow_factory() as uow:
            done = await uow.customers.unlink(telegram_user_id)
            await uow.commit()
            return done

    async def issue_invitation(self, document: str, ttl: timedelta) -> IssuedInvitation:
        """For operators (`atendimento invite <cpf>`): they may know whether a CPF exists."""
        normalised = normalise_document(document)
        if normalised is None:
            raise InvalidDocument(document=document)
        async with self.uow_factory() as uow:
            customer = await uow.customers.by_document(normalised)
            if customer is None:
                raise CustomerNotFound(document=normalised)
            now = self.clock.now()
            code = new_invitation_code()
            await uow.links.add_invitation(code_hash(code), customer.id, now, now + ttl)
            await uow.commit()
            return IssuedInvitation(code, customer, now + ttl)
