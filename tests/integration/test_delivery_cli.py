"""`atendimento outbox stats | list | retry` as the operator runs them (subprocesses, on SQLite and PostgreSQL): the
state of the installation's notifications in Portuguese, the parked ones with why, and sending them again."""
from __future__ import annotations

from datetime import timedelta

from domain.clock import SystemClock
from storage.delivery_queue import DeliveryQueue
from tests.support.delivery import cli_env, run_cli, seed_customers, seed_notes


async def outbox(database_url, tmp_path, *args: str) -> str:
    code, out, err = await run_cli("outbox", *args, env=cli_env(None, database_url), cwd=tmp_path)
    assert code == 0, err
    return out


async def test_an_operator_sees_the_outbox_and_sends_parked_notifications_again(db, database_url, tmp_path):
    empty = await outbox(database_url, tmp_path, "stats")
    assert empty.splitlines()[0] == "Notificações:"
    assert "Mais antiga ainda não entregue: nenhuma, a fila está vazia." in empty

    ana, bruno = await seed_customers(db, 2)
    await seed_notes(db, [ana.id, bruno.id], 3)  # avisos 1, 3, 5 to Ana; 2, 4, 6 to Bruno
    queue = DeliveryQueue(db, SystemClock())
    for batch in await queue.claim("w", fold=1):
        if batch.queue == f"c:{ana.id}":
            await queue.delivered(batch, "w", chat_id=ana.telegram_user_id, spacing=timedelta(0))
        else:
            await queue.park(batch.ids, "w", "403 Forbidden: bot was blocked by the user",
                             chat_id=bruno.telegram_user_id, refused=True)
    [bruno_next] = [b for b in await queue.claim("w", fold=1) if b.queue == f"c:{bruno.id}"]
    await queue.park(bruno_next.ids, "w", "400 Bad Request: can't parse entities: unclosed tag at byte offset 12")
    await queue.release("w")

    stats = await outbox(database_url, tmp_path, "stats")
    assert "pendentes:   3" in stats  # Ana's 3 and 5, Bruno's 6
    assert "entregues:   1" in stats
    assert "retidas:     2  → veja com `atendimento outbox list`" in stats
    assert "Mais antiga ainda não entregue: há " in stats

    listing = (await outbox(database_url, tmp_path, "list")).splitlines()
    assert listing[0] == "id\tcriada em\tdestino\ttipo\ttentativas\tmotivo"
    blocked, broken = [line.split("\t") for line in listing[1:]]
    assert blocked[2:] == [f"cliente {bruno.id}", "observação (atendimento nº 900002)", "1",
                           "403 Forbidden: bot was blocked by the user"]
    assert broken[2:4] == [f"cliente {bruno.id}", "observação (atendimento nº 900004)"]
    assert broken[5].startswith("400 Bad Request: can't parse entities")

    assert (await outbox(database_url, tmp_path, "retry", broken[0])).strip() == \
        "1 notificação devolvida à fila; a entrega a envia em seguida."
    assert (await outbox(database_url, tmp_path, "retry")).strip() == \
        "1 notificação devolvida à fila; a entrega a envia em seguida."
    assert (await outbox(database_url, tmp_path, "retry")).strip() == "Nenhuma notificação retida para reenviar."
    assert (await outbox(database_url, tmp_path, "list")).strip() == "Nenhuma notificação retida."
    assert "pendentes:   5" in await outbox(database_url, tmp_path, "stats")

