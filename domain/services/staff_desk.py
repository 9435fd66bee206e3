"""What staff read besides an atendimento: the open pendências (capped, with their count), and the people /diag
checks the e-mail settings of."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.catalogue import ServiceConfig, StaffUser, Subject
from domain.ports import UnitOfWorkFactory
from domain.views import PendenciaView

PENDENCIAS_SHOWN = 25


@dataclass(frozen=True, slots=True)
class PendenciaList:
    items: tuple[PendenciaView, ...]  # the first ones, nearest due date first
    total: int  # every open pendência (of this staff user, when asked for theirs)


@dataclass(frozen=True, slots=True)
class EmailSetup:
    send_external_email: bool
    responsibles: tuple[StaffUser, ...]  # active staff who may get a pendência, by name


def responsible_ids(config: ServiceConfig, subjects: Sequence[Subject]) -> set[int]:
    """Everybody a pendência can be raised for: the configured responsible, each subject's, each template stage's."""
    ids = {config.responsible_id} if config.responsible_id is not None else set()
    for subject in subjects:
        if subject.responsible_id is not None:
            ids.add(subject.responsible_id)
        ids.update(t.responsible_id for t in subject.stages if t.responsible_id is not None)
    return ids


class StaffDesk:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    async def open_pendencias(self, only_for: StaffUser | None = None, shown: int = PENDENCIAS_SHOWN) -> PendenciaList:
        staff_id = only_for.id if only_for is not None else None
        async with self.uow_factory() as uow:
            items = await uow.pendencias.open(staff_id, limit=shown)
            total = await uow.pendencias.count_open(staff_id) if len(items) >= shown else len(items)
            return PendenciaList(tuple(items), total)

    async def email_setup(self) -> EmailSetup:
        async with self.uow_factory() as uow:
            config = await uow.catalogue.config()
            wanted = responsible_ids(config, await uow.catalogue.subjects())
            staff = [s for s in await uow.catalogue.all_staff() if s.id in wanted and s.active]
            return EmailSetup(config.send_external_email, tuple(sorted(staff, key=lambda s: s.name.casefold())))
