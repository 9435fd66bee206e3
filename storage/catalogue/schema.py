"""The catalogue file (SPEC.md, "Catalogue file"), as pydantic models.

These models check each value on its own (types, formats, CPF/CNPJ, phones, statuses); what involves several
entries — repeated ids, references, a ticket's status rules — is checked in `checks.py`, where the database is known.
Unknown fields are refused everywhere, so that a typo (`nome:`) is never silently ignored.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from domain.statuses import StageStatus, TicketOrigin, TicketStatus
from storage.catalogue.fields import (
    ChatId,
    DueDays,
    Document,
    Email,
    Flag,
    FreeText,
    Id,
    IdSet,
    Label,
    Login,
    Name,
    Password,
    Phone,
    Port,
    Position,
    Section,
    TelegramUserId,
    Timestamp,
    WeeklyReport,
    _none_as_empty,
    _unique,
)

# History imported from an ERP may hold longer texts than the bot lets people type.
HISTORY_TEXT_MAX = 20_000


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Smtp(Model):
    host: Name(254)
    port: Port
    username: Name(254) | None = None
    password: Password | None = None
    sender: Email
    starttls: Flag = True
    implicit_tls: Flag = False


class Staff(Model):
    login: Login
    name: Name()
    telegram_user_id: TelegramUserId | None = None
    email: Email | None = None
    smtp: Smtp | None = None
    active: Flag = True


class Config(Model):
    visibility: Literal["web_subjects", "all"] = "web_subjects"
    mode: Literal["register_and_follow", "register_only"] = "register_and_follow"
    responsible: Login | None = None
    config_user: Login | None = None
    send_external_email: Flag = False
    staff_chat_id: ChatId | None = None
    staff_thread_id: ChatId | None = None
    weekly_report: WeeklyReport | None = None  # "mon 08:00": the weekly report to the staff group (absent: none)


class TicketType(Model):
    id: Id
    name: Name(120)


class StageTemplate(Model):
    description: Name(200)
    responsible: Login | None = None
    due_days: DueDays | None = None


class Subject(Model):
    id: Id
    name: Name()
    types: IdSet()
    enabled: Flag = True
    responsible: Login | None = None
    empreendimentos: IdSet() = []  # none listed: every empreendimento
    return_call: Flag = False
    stages: Section(StageTemplate) = []


class Obra(Model):
    id: Id
    name: Name()


class Empreendimento(Model):
    id: Id
    name: Name()
    obras: Section(Obra) = []


class Unit(Model):
    id: Id
    empreendimento: Id
    obra: Id | None = None
    label: Label()
    items: Annotated[list[Name()], BeforeValidator(_none_as_empty)] = []


class Customer(Model):
    id: Id
    name: Name()
    cpf: Document
    phones: Annotated[list[Phone], BeforeValidator(_none_as_empty), AfterValidator(_unique)] = []
    email: Email | None = None
    units: IdSet() = []


class HistoryNote(Model):
    created_at: Timestamp
    author: Name()
    text: FreeText(HISTORY_TEXT_MAX)


class HistoryStage(Model):
    description: Name(200)
    responsible: Login | None = None
    status: StageStatus
    created_at: Timestamp
    completed_at: Timestamp | None = None
    due_at: Timestamp | None = None
    template_position: Position | None = None
    notes: Section(HistoryNote) = []


class Ticket(Model):
    number: Id
    customer: Id
    type: Id
    subject: Id
    unit: Id | None = None
    description: FreeText(HISTORY_TEXT_MAX)
    status: TicketStatus
    origin: TicketOrigin = TicketOrigin.IMPORT
    created_at: Timestamp
    closed_at: Timestamp | None = None
    cancel_reason: FreeText(HISTORY_TEXT_MAX) | None = None
    stages: Section(HistoryStage) = []


class Catalogue(Model):
    config: Config | None = None
    staff: Section(Staff) = []
    ticket_types: Section(TicketType) = []
    subjects: Section(Subject) = []
    empreendimentos: Section(Empreendimento) = []
    units: Section(Unit) = []
    customers: Section(Customer) = []
    tickets: Section(Ticket) = []


SECTIONS = tuple(Catalogue.model_fields)


def fields_at(loc: tuple[str | int, ...]) -> tuple[str, ...] | None:
    """The field names the model at `loc` accepts (for "unknown field" messages), or None if not a model."""
    model: type[BaseModel] = Catalogue
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        model = _model_in(field.annotation)
        if model is None:
            return None
    return tuple(model.model_fields)


def _model_in(annotation) -> type[BaseModel] | None:
    from typing import get_args

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
