"""The services the handlers and jobs use, built once at start-up and kept in `application.bot_data`."""
from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.settings import Settings
from domain.clock import Clock, SystemClock
from domain.services.change_feed import ChangeFeed
from domain.services.conversations import CustomerConversations
from domain.services.incidents import IncidentService
from domain.services.linking import LinkingService
from domain.services.queries import CustomerQueries, StaffQueries
from domain.services.reminders import ReminderService
from domain.services.staff_access import StaffAccess
from domain.services.staff_desk import StaffDesk
from domain.services.staff_questions import StaffQuestions
from domain.services.tickets import TicketService
from domain.services.wizard import WizardService
from storage.database import Database
from storage.uow import SqlUnitOfWorkFactory


@dataclass
class Services:
    settings: Settings
    database: Database
    clock: Clock
    uow: SqlUnitOfWorkFactory
    tickets: TicketService
    customers: CustomerQueries
    staff: StaffQueries
    linking: LinkingService
    wizard: WizardService
    incidents: IncidentService
    change_feed: ChangeFeed
    reminders: ReminderService
    conversations: CustomerConversations
    staff_access: StaffAccess
    staff_desk: StaffDesk
    staff_questions: StaffQuestions
    smtp_tls_context: ssl.SSLContext | None = None  # None: the system's trusted CAs (tests pass their own)

    @property
    def zone(self) -> ZoneInfo:
        return self.settings.zone

    @classmethod
    def build(cls, settings: Settings, database: Database, clock: Clock | None = None) -> "Services":
        clock = clock or SystemClock()
        uow = SqlUnitOfWorkFactory(database, clock)
        tickets = TicketService(uow, clock)
        wizard = WizardService(uow, clock, tickets, timedelta(minutes=settings.conversation_timeout_minutes))
        return cls(
            settings=settings,
            database=database,
            clock=clock,
            uow=uow,
            tickets=tickets,
            customers=CustomerQueries(uow),
            staff=StaffQueries(uow),
            linking=LinkingService(uow, clock, demo_allowed=settings.demo_mode),
            wizard=wizard,
            incidents=IncidentService(uow, clock),
            change_feed=ChangeFeed(uow, clock),
            reminders=ReminderService(uow, clock),
            conversations=CustomerConversations(uow, clock, tickets, wizard),
            staff_access=StaffAccess(uow, clock, demo_allowed=settings.demo_mode),
            staff_desk=StaffDesk(uow),
            staff_questions=StaffQuestions(uow, clock),
        )
