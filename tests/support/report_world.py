"""A construtora's last month, written straight into the tables, with the report's figures computed by hand.

Now is Friday 04/12/2026 15:00 in São Paulo; `/relatorio` (30 days) covers 05/11 to 04/12, in five week buckets:
05/11 (Thursday, a partial week), 09/11, 16/11, 23/11, 30/11.

  nº  subject      created (local)     status      closed (local)     hours  rating (when)
  1   Infiltração  20/10 10:00         Encerrado   06/11 10:00        408    5 (06/11)
  2   Infiltração  10/11 09:00         Encerrado   12/11 09:00         48    4 (12/11)
  3   Infiltração  17/11 08:00         Encerrado   20/11 21:00         85    2 (21/11)
  4   Elétrica     18/11 10:00         Encerrado   19/11 10:00         24    5 (19/11)
  5   Elétrica     24/11 10:00         Cancelado   25/11 10:00          —    — (a pending stage of Maria's, due
                                                                                 26/11: not overdue, the ticket is final)
  6   Infiltração  30/11 09:00         Aberto      —                    —    — (stage 1 resolved; stage 2 João's,
                                                                                 due 03/12 09:00: overdue)
  7   Elétrica     01/12 09:00         A Retornar  —
  8   Elétrica     04/12 14:00         Aberto      —                              (Maria's stage due 10/12: not yet)
  9   Infiltração  01/09 10:00         Aberto      —                              (a stage of nobody's, due 04/09:
                                                                                 overdue)
  10  Infiltração  05/11 00:00         Encerrado   04/12 14:59        710    1 (04/12 14:59)
  11  Elétrica     04/11 23:59         Aberto      —                              (a minute before the period)
  12  Infiltração  01/08 10:00         Encerrado   05/08 10:00          —    3 (06/08: before the period)

Opened per week 1, 1, 2, 1, 3 (8); closed 1, 1, 2, 0, 1 (5); cancelled 1. Open now: Aberto 4 (6, 8, 9, 11),
A Retornar 1 (7); Elétrica 3, Infiltração 2. Overdue pendências: João 1, nobody 1. Median hours to close:
Infiltração 48, 85, 408, 710 → 246.5 h = 10.3 days; Elétrica 24 h = 1.0 day; all 85 h = 3.5 days. Ratings in the
period 5, 4, 2, 5, 1: average 3.4, CSAT 60 %, distribution 1:1 2:1 3:0 4:1 5:2.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from storage import tables as t
from storage.database import Database
from tests.support.builders import Catalogue, build_catalogue

ZONE = ZoneInfo("America/Sao_Paulo")


def local(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=ZONE).astimezone(UTC)


NOW = local(12, 4, 15)

EXPECTED = {
    "weeks": [("2026-11-05", 1, 1), ("2026-11-09", 1, 1), ("2026-11-16", 2, 2), ("2026-11-23", 1, 0),
              ("2026-11-30", 3, 1)],
    "cancelled": 1,
    "open_by_status": [("Aberto", 4), ("A Retornar", 1)],
    "open_by_subject": [("Elétrica", 3), ("Infiltração", 2)],
    "overdue_by_responsible": [("João Silva", 1), (None, 1)],
    "days_to_close": [("Infiltração", 10.3, 4), ("Elétrica", 1.0, 1)],
    "median_days_overall": 3.5,
    "ratings": 5, "average": 3.4, "csat": 0.6, "distribution": {1: 1, 2: 1, 3: 0, 4: 1, 5: 2},
}

# number: (subject, created, status, closed, rating, rated_at)
TICKETS = {
    1: ("infiltracao", local(10, 20, 10), "Encerrado", local(11, 6, 10), 5, local(11, 6, 11)),
    2: ("infiltracao", local(11, 10, 9), "Encerrado", local(11, 12, 9), 4, local(11, 12, 10)),
    3: ("infiltracao", local(11, 17, 8), "Encerrado", local(11, 20, 21), 2, local(11, 21, 9)),
    4: ("eletrica", local(11, 18, 10), "Encerrado", local(11, 19, 10), 5, local(11, 19, 12)),
    5: ("eletrica", local(11, 24, 10), "Cancelado", local(11, 25, 10), None, None),
    6: ("infiltracao", local(11, 30, 9), "Aberto", None, None, None),
    7: ("eletrica", local(12, 1, 9), "A Retornar", None, None, None),
    8: ("eletrica", local(12, 4, 14), "Aberto", None, None, None),
    9: ("infiltracao", local(9, 1, 10), "Aberto", None, None, None),
    10: ("infiltracao", local(11, 5, 0), "Encerrado", local(12, 4, 14, 59), 1, local(12, 4, 14, 59)),
    11: ("eletrica", local(11, 4, 23, 59), "Aberto", None, None, None),
    12: ("infiltracao", datetime(2026, 8, 1, 13, tzinfo=UTC), "Encerrado", datetime(2026, 8, 5, 13, tzinfo=UTC), 3,
         datetime(2026, 8, 6, 13, tzinfo=UTC)),
}

# number: [(position, responsible login or None, status, due)], each with its pendência
STAGES = {
    5: [(1, "maria", "Pendente", local(11, 26, 10))],
    6: [(1, "joao", "Resolvida", local(12, 1, 9)), (2, "joao", "Pendente", local(12, 3, 9))],
    8: [(1, "maria", "Pendente", local(12, 10, 14))],
    9: [(1, None, "Pendente", local(9, 4, 10))],
}


async def seed_report_world(db: Database) -> Catalogue:
    cat = await build_catalogue(db)
    subjects = {"infiltracao": cat.infiltracao, "eletrica": cat.eletrica}
    async with db.engine.begin() as c:
        ids = {}
        for number, (subject, created, status, closed, _, _) in TICKETS.items():
            ids[number] = (await c.execute(insert(t.tickets).values(
                number=number, customer_id=cat.ana, type_id=cat.assistencia, subject_id=subjects[subject],
                description=f"Atendimento {number}", status=status, origin="balcao", created_at=created,
                closed_at=closed, updated_at=closed or created).returning(t.tickets.c.id))).scalar_one()
        for number, stages in STAGES.items():
            for position, login, status, due in stages:
                created = TICKETS[number][1] + timedelta(minutes=position)
                stage_id = (await c.execute(insert(t.stages).values(
                    ticket_id=ids[number], position=position, description=f"Etapa {position}",
                    responsible_id=cat.staff[login] if login else None, status=status, created_at=created,
                    completed_at=None if status == "Pendente" else due, due_at=due).returning(t.stages.c.id)
                )).scalar_one()
                await c.execute(insert(t.pendencias).values(
                    kind="etapa", staff_id=cat.staff[login] if login else None, ticket_id=ids[number],
                    stage_id=stage_id, created_at=created, due_at=due))
        for number, (_, _, _, _, rating, rated_at) in TICKETS.items():
            if rating is not None:
                await c.execute(insert(t.ticket_ratings).values(ticket_id=ids[number], rating=rating,
                                                                 rated_at=rated_at))
    return cat
