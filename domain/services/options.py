"""What a customer may choose at each step of opening an atendimento.

Pure rules over the catalogue: every step offers only what leads somewhere (a tipo with no possible assunto for this
customer is not offered, nor an assunto with no empreendimento where they own a unit), and every choice that comes
back from Telegram is checked again here.
A subject related to no empreendimento in the catalogue is related to all of them.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.catalogue import Empreendimento, Subject, TicketType, Unit
from domain.errors import ChoiceNotAllowed


@dataclass(frozen=True)
class CustomerOptions:
    types: tuple[TicketType, ...]
    subjects: tuple[Subject, ...]  # enabled for the bot
    units: tuple[Unit, ...]  # the customer's own
    empreendimentos: tuple[Empreendimento, ...]  # those where the customer owns a unit

    @classmethod
    def build(
        cls,
        types: Sequence[TicketType],
        subjects: Sequence[Subject],
        units: Sequence[Unit],
        empreendimentos: Sequence[Empreendimento],
    ) -> "CustomerOptions":
        owned = {u.empreendimento_id for u in units}
        return cls(
            types=tuple(sorted(types, key=lambda t: (t.name.casefold(), t.id))),
            subjects=tuple(sorted((s for s in subjects if s.enabled), key=lambda s: (s.name.casefold(), s.id))),
            units=tuple(sorted(units, key=lambda u: (u.label.casefold(), u.id))),
            empreendimentos=tuple(
                sorted((e for e in empreendimentos if e.id in owned), key=lambda e: (e.name.casefold(), e.id))
            ),
        )

    # --- what is offered ------------------------------------------------------------------------------------------
    def _empreendimentos_for(self, subject: Subject) -> tuple[Empreendimento, ...]:
        if not subject.empreendimento_ids:
            return self.empreendimentos
        return tuple(e for e in self.empreendimentos if e.id in subject.empreendimento_ids)

    def subjects_for(self, type_id: int) -> tuple[Subject, ...]:
        return tuple(s for s in self.subjects if type_id in s.type_ids and self._empreendimentos_for(s))

    def types_offered(self) -> tuple[TicketType, ...]:
        return tuple(t for t in self.types if self.subjects_for(t.id))

    def empreendimentos_for(self, type_id: int, subject_id: int) -> tuple[Empreendimento, ...]:
        return self._empreendimentos_for(self.subject(type_id, subject_id))

    def units_for(self, type_id: int, subject_id: int, empreendimento_id: int) -> tuple[Unit, ...]:
        self.empreendimento(type_id, subject_id, empreendimento_id)
        return tuple(u for u in self.units if u.empreendimento_id == empreendimento_id)

    # --- checking a choice ------------------------------------------------------------------------------------------
    def ticket_type(self, type_id: int) -> TicketType:
        for t in self.types_offered():
            if t.id == type_id:
                return t
        raise ChoiceNotAllowed(step="tipo", value=type_id)

    def subject(self, type_id: int, subject_id: int) -> Subject:
        self.ticket_type(type_id)
        for s in self.subjects_for(type_id):
            if s.id == subject_id:
                return s
        raise ChoiceNotAllowed(step="assunto", value=subject_id)

    def empreendimento(self, type_id: int, subject_id: int, empreendimento_id: int) -> Empreendimento:
        for e in self._empreendimentos_for(self.subject(type_id, subject_id)):
            if e.id == empreendimento_id:
                return e
        raise ChoiceNotAllowed(step="empreendimento", value=empreendimento_id)

    def unit(self, type_id: int, subject_id: int, empreendimento_id: int, unit_id: int) -> Unit:
        for u in self.units_for(type_id, subject_id, empreendimento_id):
            if u.id == unit_id:
                return u
        raise ChoiceNotAllowed(step="unidade", value=unit_id)

    @property
    def can_open_any(self) -> bool:
        return bool(self.types_offered())
