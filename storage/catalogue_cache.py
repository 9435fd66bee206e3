"""The catalogue kept in memory, as of a version of it.

Every step of /novo needs what the customer may choose (CustomerOptions): the tipos, the assuntos with their tipos,
empreendimentos and stage templates, the empreendimentos with their obras, the customer's units with their items —
nine queries, the same answer every time until the catalogue changes. Triggers move `counters.catalogue_version` on
every write to those tables, whoever writes (migration 0006), so one query per unit of work says whether what is kept
here is still the catalogue; when it is not, it is read again. Nothing is ever served from an older version.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from domain.catalogue import Empreendimento, Subject, TicketType, Unit

VERSION_COUNTER = "catalogue_version"
CUSTOMERS_KEPT = 20_000  # units of this many customers, the most recently asked for


@dataclass
class CatalogueSnapshot:
    version: int
    ticket_types: tuple[TicketType, ...]
    subjects: tuple[Subject, ...]
    empreendimentos: tuple[Empreendimento, ...]
    units_by_customer: OrderedDict[int, tuple[Unit, ...]] = field(default_factory=OrderedDict)

    def __post_init__(self) -> None:
        self.subject_by_id = {s.id: s for s in self.subjects}

    def units_of(self, customer_id: int) -> tuple[Unit, ...] | None:
        units = self.units_by_customer.get(customer_id)
        if units is not None:
            self.units_by_customer.move_to_end(customer_id)
        return units

    def keep_units(self, customer_id: int, units: tuple[Unit, ...]) -> None:
        self.units_by_customer[customer_id] = units
        while len(self.units_by_customer) > CUSTOMERS_KEPT:
            self.units_by_customer.popitem(last=False)


class CatalogueCache:
    """One per unit-of-work factory (one per process in the bot): the newest snapshot read."""

    def __init__(self) -> None:
        self.snapshot: CatalogueSnapshot | None = None

    def at(self, version: int) -> CatalogueSnapshot | None:
        snapshot = self.snapshot
        return snapshot if snapshot is not None and snapshot.version == version else None

    def keep(self, snapshot: CatalogueSnapshot) -> None:
        self.snapshot = snapshot
