"""What the construtora's catalogue holds: read-only for the bot, written by `atendimento import`."""
from __future__ import annotations

from dataclasses import dataclass, field

from domain.statuses import ServiceMode, Visibility


@dataclass(frozen=True, slots=True)
class TicketType:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Obra:
    id: int
    empreendimento_id: int
    name: str


@dataclass(frozen=True, slots=True)
class Empreendimento:
    id: int
    name: str
    obras: tuple[Obra, ...] = ()


@dataclass(frozen=True, slots=True)
class Unit:
    id: int
    empreendimento_id: int
    obra_id: int | None
    label: str
    items: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StageTemplate:
    position: int  # 1, 2, 3… within the subject
    description: str
    responsible_id: int | None
    due_days: int | None


@dataclass(frozen=True, slots=True)
class Subject:
    id: int
    name: str
    enabled: bool  # offered by the bot (the portal's "assunto web")
    responsible_id: int | None
    return_call: bool
    type_ids: frozenset[int] = frozenset()
    empreendimento_ids: frozenset[int] = frozenset()
    stages: tuple[StageTemplate, ...] = ()

    def template_after(self, position: int | None) -> StageTemplate | None:
        """The template stage that follows `position` (None: the first)."""
        after = 0 if position is None else position
        following = [t for t in self.stages if t.position > after]
        return min(following, key=lambda t: t.position) if following else None


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a repr, so never in a log
    starttls: bool = True
    implicit_tls: bool = False


@dataclass(frozen=True, slots=True)
class StaffUser:
    id: int
    login: str
    name: str
    telegram_user_id: int | None = None
    email: str | None = None
    smtp: SmtpSettings | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class Customer:
    id: int
    name: str
    document: str  # CPF or CNPJ, digits (and letters, for an alphanumeric CNPJ) only
    email: str | None = None
    telegram_user_id: int | None = None
    unreachable: bool = False  # the customer blocked the bot: stop trying until they write again


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """Configuração de Atendimento: one per installation."""

    visibility: Visibility = Visibility.WEB_SUBJECTS
    mode: ServiceMode = ServiceMode.REGISTER_AND_FOLLOW
    responsible_id: int | None = None
    config_user_id: int | None = None
    send_external_email: bool = False
    staff_chat_id: int | None = None
    staff_thread_id: int | None = None  # a forum topic of the staff group, when it uses topics
    demo_mode: bool = False

    @property
    def follows(self) -> bool:
        return self.mode is ServiceMode.REGISTER_AND_FOLLOW
