"""A second (and third) process for the numbering tests: opens COUNT atendimentos as fast as it can.

    python -m tests.support.open_tickets DATABASE_URL COUNT CUSTOMER_ID REQUEST_JSON

It connects, prints "ready", waits for one line on stdin (so that every process starts at once), opens the
atendimentos one after another through TicketService, and prints their numbers as one JSON list.
"""
from __future__ import annotations

import asyncio
import json
import sys


async def main(url: str, count: int, customer_id: int, request: dict) -> list[int]:
    from domain.clock import SystemClock
    from domain.services.tickets import NewTicketRequest, TicketService
    from storage.database import connect
    from storage.uow import SqlUnitOfWorkFactory

    database = connect(url)
    try:
        async with database.engine.connect() as connection:  # the connection is made before the start signal
            await connection.exec_driver_sql("SELECT 1")
        service = TicketService(SqlUnitOfWorkFactory(database), SystemClock())
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        return [(await service.open_ticket(customer_id, NewTicketRequest(**request))).ticket_number
                for _ in range(count)]
    finally:
        await database.dispose()


if __name__ == "__main__":
    url, count, customer_id, request = sys.argv[1:5]
    print(json.dumps(asyncio.run(main(url, int(count), int(customer_id), json.loads(request)))), flush=True)
