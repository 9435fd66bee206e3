"""The unit of work: one transaction; entities and the notifications they record are committed together or not at all."""
from __future__ import annotations

from typing import Self

from sqlalchemy.orm.exc import StaleDataError

from domain.clock import Clock, SystemClock
from domain.errors import ConcurrentChange
from storage.catalogue_cache import CatalogueCache
from storage.database import Database
from storage.repositories.audit import SqlAuditLog
from storage.repositories.catalogue import SqlCatalogueRepository
from storage.repositories.changes import SqlChangeJournal
from storage.repositories.customers import SqlCustomerRepository
from storage.repositories.conversations import SqlConversationRepository
from storage.repositories.links import SqlLinkRepository
from storage.repositories.messages import SqlTicketMessageRepository
from storage.repositories.outbox import SqlOutbox
from storage.repositories.pendencias import SqlMessageRepository, SqlPendenciaRepository
from storage.repositories.tickets import SqlTicketRepository


class SqlUnitOfWork:
    def __init__(self, database: Database, clock: Clock | None = None,
                 catalogue_cache: CatalogueCache | None = None) -> None:
        self.database = database
        self.clock = clock or SystemClock()
        self.catalogue_cache = catalogue_cache
        self._committed = False

    async def __aenter__(self) -> Self:
        self.session = self.database.sessions()
        self.tickets = SqlTicketRepository(self.session)
        self.catalogue = SqlCatalogueRepository(self.session, self.catalogue_cache)
        self.customers = SqlCustomerRepository(self.session)
        self.pendencias = SqlPendenciaRepository(self.session)
        self.messages = SqlMessageRepository(self.session)
        self.ticket_messages = SqlTicketMessageRepository(self.session)
        self.audit = SqlAuditLog(self.session)
        self.outbox = SqlOutbox(self.session, self.clock)
        self.conversations = SqlConversationRepository(self.session)
        self.links = SqlLinkRepository(self.session)
        self.changes = SqlChangeJournal(self.session)
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        try:
            await self.session.rollback()
        finally:
            await self.session.close()
        if isinstance(exc, StaleDataError):
            raise ConcurrentChange() from exc

    async def flush(self) -> None:
        try:
            await self.session.flush()
        except StaleDataError as exc:
            raise ConcurrentChange() from exc

    async def commit(self) -> None:
        try:
            await self.session.commit()
        except StaleDataError as exc:
            raise ConcurrentChange() from exc

    async def rollback(self) -> None:
        await self.session.rollback()


class SqlUnitOfWorkFactory:
    def __init__(self, database: Database, clock: Clock | None = None) -> None:
        self.database = database
        self.clock = clock or SystemClock()
        # The catalogue in memory, shared by this factory's units of work while its version holds.
        self.catalogue_cache = CatalogueCache()

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.database, self.clock, self.catalogue_cache)
