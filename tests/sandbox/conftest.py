"""The sandbox running in the test's event loop, as `atendimento sandbox` runs it (emulator, demo database of the
parametrised backend, run_bot, the page on a free port), and Debian's Chromium driven by Playwright."""
from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from bot.settings import load_settings
from sandbox.page import SandboxPage
from sandbox.run import run_sandbox
from tests.support.databases import IN_CI

CHROMIUM = Path(os.environ.get("SANDBOX_CHROMIUM", "/usr/bin/chromium"))
START_TIMEOUT = 60.0


@pytest.fixture
async def sandbox(database_url):
    """The running sandbox's page (its `.url`, `.world`, `.tg`); stopped and checked at the end."""
    settings = load_settings(delivery_interval_seconds=0.2, change_feed_interval_seconds=0.5)
    stop = asyncio.Event()
    ready: asyncio.Future[SandboxPage] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run_sandbox(settings, port=0, database_url=database_url, stop=stop,
                                           on_ready=ready.set_result))
    done, _ = await asyncio.wait((ready, task), timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # it failed: say why
    assert ready.done(), f"the sandbox did not start within {START_TIMEOUT} s"
    page = ready.result()
    try:
        yield page
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
    assert not page.tg.internal_errors, page.tg.internal_errors


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        message = f"sem Chromium em {CHROMIUM} (apt-get install chromium): os testes no navegador não rodam"
        if IN_CI:
            pytest.fail("CI=true exige os testes no navegador: " + message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture
async def browser_page(chromium_path):
    """A Chromium tab (Playwright's own browser download is never used)."""
    from playwright.async_api import async_playwright

    errors: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(chromium_path), args=["--no-sandbox"])
        try:
            context = await browser.new_context(viewport={"width": 1400, "height": 860}, locale="pt-BR",
                                                timezone_id="America/Sao_Paulo")
            tab = await context.new_page()
            tab.set_default_timeout(20_000)
            tab.on("pageerror", lambda error: errors.append(str(error)))
            yield tab
        finally:
            await browser.close()
    assert not errors, f"JavaScript errors in the page: {errors}"
