"""getUpdates (offset, limit, long-polling timeout, allowed_updates) and the webhook methods."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.emulator import errors
from sandbox.emulator.methods.registry import api_method
from sandbox.emulator.params import Params

if TYPE_CHECKING:
    from sandbox.emulator.server import FakeTelegram

MAX_POLL_TIMEOUT = 50  # Telegram caps long polling too


def _allowed_updates(p: Params) -> list[str] | None:
    allowed = p.json("allowed_updates")
    if allowed is not None and (not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed)):
        raise errors.bad_request("can't parse allowed_updates JSON object")
    return allowed


@api_method("getUpdates")
async def get_updates(tg: FakeTelegram, p: Params) -> list[dict[str, Any]]:
    bot = tg.bot
    if bot.webhook is not None:
        raise errors.getupdates_while_webhook()
    queue = bot.updates
    queue.interrupt_pollers()
    offset = p.int("offset")
    limit = min(max(p.int("limit", 100) or 100, 1), 100)
    timeout = min(max(p.int("timeout", 0) or 0, 0), MAX_POLL_TIMEOUT)
    queue.set_allowed(_allowed_updates(p))
    if offset:
        queue.confirm(offset)
    updates = queue.take(limit)
    if updates or timeout <= 0:
        return updates
    reason = await queue.wait(timeout)
    if reason == "conflict":
        raise errors.terminated_by_other_getupdates()
    if bot.webhook is not None:
        raise errors.getupdates_while_webhook()
    return queue.take(limit)


@api_method("setWebhook")
async def set_webhook(tg: FakeTelegram, p: Params) -> bool:
    url = (p.str("url") or "").strip()
    if not url:
        await tg.remove_webhook(drop_pending_updates=p.bool("drop_pending_updates"))
        return True
    if not url.startswith(("http://", "https://")):
        raise errors.bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    secret = p.str("secret_token")
    if secret is not None and (not 1 <= len(secret) <= 256 or not all(c.isalnum() or c in "_-" for c in secret)):
        raise errors.bad_request("bad webhook: secret token contains unallowed characters")
    max_connections = p.int("max_connections", 40) or 40
    if not 1 <= max_connections <= 100:
        raise errors.bad_request("bad webhook: invalid max_connections specified")
    tg.bot.updates.set_allowed(_allowed_updates(p))
    await tg.install_webhook(url, secret_token=secret, max_connections=max_connections,
                             ip_address=p.str("ip_address"), has_certificate="certificate" in p,
                             drop_pending_updates=p.bool("drop_pending_updates"))
    return True


@api_method("deleteWebhook")
async def delete_webhook(tg: FakeTelegram, p: Params) -> bool:
    await tg.remove_webhook(drop_pending_updates=p.bool("drop_pending_updates"))
    return True


@api_method("getWebhookInfo")
def get_webhook_info(tg: FakeTelegram, p: Params) -> dict[str, Any]:
    webhook = tg.bot.webhook
    info: dict[str, Any] = {"url": "", "has_custom_certificate": False,
                            "pending_update_count": tg.bot.updates.pending_count}
    if webhook is None:
        return info
    info.update(url=webhook.url, has_custom_certificate=webhook.has_custom_certificate,
                max_connections=webhook.max_connections)
    if webhook.ip_address:
        info["ip_address"] = webhook.ip_address
    if tg.bot.updates.allowed:
        info["allowed_updates"] = tg.bot.updates.allowed
    if webhook.last_error_date:
        info["last_error_date"] = webhook.last_error_date
        info["last_error_message"] = webhook.last_error_message
    return info
