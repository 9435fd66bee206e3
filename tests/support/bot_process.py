"""`atendimento` as a separate process against the fake Telegram server: started with asyncio (so the fake, in this
event loop, keeps serving), killed with SIGKILL like a crash, and always killed when the test ends.

    async with bot_process(tg, database_url, tmp_path) as process:
        await process.start("run", "--no-jobs")
        ...
        await process.kill()          # SIGKILL
        await process.start("run", "--no-jobs")
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from contextlib import asynccontextmanager
from pathlib import Path

from sandbox.emulator import FakeTelegram

PROGRAM = Path(sys.executable).with_name("atendimento")  # .venv/bin/atendimento
STARTUP_TIMEOUT = 30.0


def program_env(tg: FakeTelegram | None, database_url: str | None, **settings: str) -> dict[str, str]:
    """The environment without any setting of the developer's shell, plus the fake server's and `settings`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "DATABASE_", "WEBHOOK_", "DEMO_", "TIMEZONE", "LOG_"))}
    if tg is not None:
        env.update(TELEGRAM_BOT_TOKEN=tg.token, TELEGRAM_BASE_URL=tg.base_url)
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    env["LOG_LEVEL"] = "WARNING"
    env.update(settings)
    return env


async def run_program(*args: str, env: dict[str, str], cwd: Path, timeout: float = 30.0) -> tuple[int, str, str]:
    """Runs `atendimento args…` to its end: (exit code, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        str(PROGRAM), *args, cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return process.returncode, out.decode(), err.decode()


class BotProcess:
    def __init__(self, tg: FakeTelegram, env: dict[str, str], cwd: Path) -> None:
        self.tg = tg
        self.env = env
        self.cwd = cwd
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self, *args: str) -> None:
        """Starts the program and waits until it is about to poll (python-telegram-bot deletes any webhook first;
        a getUpdates is logged only when it returns, which a long poll does late)."""
        polls = self.tg.count("deleteWebhook")
        self.starts += 1
        log = open(self.cwd / f"atendimento-{self.starts}.log", "wb")  # noqa: SIM115 - closed with the process
        self.process = await asyncio.create_subprocess_exec(
            str(PROGRAM), *args, cwd=self.cwd, env=self.env, stdout=log, stderr=log
        )
        log.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STARTUP_TIMEOUT
        while self.tg.count("deleteWebhook") <= polls:
            if self.process.returncode is not None or loop.time() > deadline:
                raise AssertionError(f"atendimento {' '.join(args)} did not start polling:\n{self.output()}")
            await asyncio.sleep(0.02)

    async def kill(self) -> None:
        """SIGKILL: nothing is flushed, nothing is said goodbye."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        self.process = None

    def output(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in sorted(self.cwd.glob("atendimento-*.log")))


@asynccontextmanager
async def bot_process(tg: FakeTelegram, database_url: str, cwd: Path, **settings: str):
    process = BotProcess(tg, program_env(tg, database_url, **settings), cwd)
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            await process.kill()
