"""The bot as Telegram knows it: its user (getMe), its pending updates, webhook, command menus and profile texts."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from sandbox.emulator.update_queue import UpdateQueue
from sandbox.emulator.world import Account

TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


def make_token(bot_id: int = 8_000_000_001) -> str:
    return f"{bot_id}:AA{secrets.token_urlsafe(33)[:33]}"  # 35 characters after the colon, as @BotFather's


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    has_custom_certificate: bool = False
    last_error_date: int | None = None
    last_error_message: str | None = None
    deliveries: int = 0  # updates the webhook accepted


@dataclass
class BotAccount:
    token: str
    account: Account
    can_join_groups: bool = True
    can_read_all_group_messages: bool = False  # privacy mode on, as @BotFather sets it
    supports_inline_queries: bool = False
    can_connect_to_business: bool = False
    has_main_web_app: bool = False
    updates: UpdateQueue = field(default_factory=UpdateQueue)
    webhook: WebhookConfig | None = None
    # (scope key, language code) → commands; scope keys: ("default",), ("chat", id), ("chat_member", id, user)…
    commands: dict[tuple[tuple, str], list[dict[str, str]]] = field(default_factory=dict)
    profile: dict[tuple[str, str], str] = field(default_factory=dict)  # ("name"|"description"|…, language) → text
    logged_out: bool = False
    closed: bool = False

    @classmethod
    def create(cls, token: str | None, username: str, first_name: str, privacy_mode: bool) -> "BotAccount":
        token = token or make_token()
        if not TOKEN.match(token):
            raise ValueError(f"a bot token looks like 123456:ABC-def, not {token!r}")
        account = Account(id=int(token.split(":", 1)[0]), first_name=first_name, is_bot=True, username=username)
        return cls(token=token, account=account, can_read_all_group_messages=not privacy_mode)

    @property
    def id(self) -> int:
        return self.account.id

    @property
    def username(self) -> str:
        return self.account.username or ""

    def me(self) -> dict[str, Any]:
        user = dict(self.account.as_user())
        user.update(
            can_join_groups=self.can_join_groups,
            can_read_all_group_messages=self.can_read_all_group_messages,
            supports_inline_queries=self.supports_inline_queries,
            can_connect_to_business=self.can_connect_to_business,
            has_main_web_app=self.has_main_web_app,
        )
        return user
