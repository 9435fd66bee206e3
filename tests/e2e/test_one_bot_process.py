"""One bot process (SPEC.md "One bot process"), with the real program: a second `atendimento run` against the same
database exits non-zero with one sentence naming the first one's host, pid and start time, while the first goes on
serving and a worker runs beside it; after a crash (SIGKILL) a restart on the same machine takes the lease at once; a clean stop releases it."""
from __future__ import annotations

import re
import signal
import socket

from sqlalchemy import func, select

from storage import tables as t
from storage.database import connect
from tests.support.bot_harness import ANA_PHONE, E2E_CATALOGUE
from tests.support.bot_process import bot_process, program_env, run_program
from tests.support.catalogue import load_catalogue
from tests.support.delivery import WorkerProcess, cli_env
from tests.support.dialog import says, share_contact, verify_dialog

REFUSAL = "Outro processo do bot já está rodando com este banco de dados"


async def lease_rows(database) -> int:
    async with database.engine.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(t.bot_lease))).scalar_one()


async def test_a_second_run_on_the_same_database_is_refused_and_the_first_keeps_serving(tg, database_url, tmp_path):
    database = connect(database_url)
    try:
        await load_catalogue(database, E2E_CATALOGUE)
        async with bot_process(tg, database_url, tmp_path) as first:
            await first.start("run", "--no-jobs")
            code, _, err = await run_program("run", "--no-jobs", env=program_env(tg, database_url), cwd=tmp_path)
            assert code != 0, err
            [line] = [text for text in err.splitlines() if text.strip()]
            assert line.startswith(f"atendimento: {REFUSAL}"), err
            assert f"máquina {socket.gethostname()}" in line and f"pid {first.process.pid}," in line, line
            assert re.search(r"iniciado em \d{2}/\d{2}/\d{4} \d{2}:\d{2}\)", line), line

            worker = await WorkerProcess.start(cli_env(tg, database_url), tmp_path, "worker")
            try:  # workers take no lease: one runs beside the bot process
                await worker.wait_started()
                assert await worker.terminate() == 0, worker.log()
            finally:
                await worker.ensure_stopped()

            ana = tg.user("Ana", phone=ANA_PHONE)
            await verify_dialog(ana, [("/start", says("Compartilhar meu telefone")),
                                      (share_contact(), says("Pronto, Ana Souza"))])
            await tg.wait_until_confirmed()

            await first.kill()  # a crash: the lease stays behind, its process is gone
            assert await lease_rows(database) == 1
            await first.start("run", "--no-jobs")  # same machine: no minute to wait
            await verify_dialog(ana, [("/meus", says("Seus atendimentos"))])

            first.process.send_signal(signal.SIGTERM)  # a clean stop
            assert await first.process.wait() == 0, first.output()
            assert await lease_rows(database) == 0
    finally:
        await database.dispose()
    tg.assert_no_client_errors()
