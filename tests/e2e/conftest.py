import pytest

from tests.support.bot_harness import running_bot
from sandbox.emulator import FakeTelegram


@pytest.fixture
async def tg():
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(tg, database_url):
    async with running_bot(tg, database_url) as running:
        yield running
