"""Linking a Telegram account to a customer: invitation codes and the throttling of failed attempts."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

# Failed attempts (a code that does not work, a phone that matches nobody) are slowed down: after
# FREE_FAILURES inside FAILURE_WINDOW, each further attempt must wait, twice as long each time, up to MAX_WAIT.
FREE_FAILURES = 5
FAILURE_WINDOW = timedelta(hours=1)
FIRST_WAIT = timedelta(minutes=5)
MAX_WAIT = timedelta(hours=24)

INVITATION_CODE_BYTES = 18  # 24 URL-safe characters: fits a t.me deep link (64 characters at most)


def new_invitation_code() -> str:
    return secrets.token_urlsafe(INVITATION_CODE_BYTES)


def code_hash(code: str) -> str:
    """Only the hash is stored: a leaked database does not leak usable codes."""
    return hashlib.sha256(code.strip().encode("utf-8", "replace")).hexdigest()


def looks_like_code(text: str) -> bool:
    return 16 <= len(text) <= 64 and all(c.isascii() and (c.isalnum() or c in "-_") for c in text)


@dataclass(frozen=True, slots=True)
class AccountLink:
    """The customer a Telegram account speaks for, and since when."""

    customer_id: int
    telegram_user_id: int
    linked_at: datetime | None  # None: linked before the time of a link was recorded

    def unbroken_since(self, customer_id: int, moment: datetime) -> bool:
        """The account has spoken for this customer, without an unlink or a replacement in between, since `moment`.

        An unlink clears the link and a later link records a new time; a replacement moves the link to the other
        account: either way a draft begun before is no longer this link's to submit.
        """
        return self.customer_id == customer_id and (self.linked_at is None or self.linked_at <= moment)


@dataclass(frozen=True, slots=True)
class Invitation:
    customer_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at


@dataclass(frozen=True, slots=True)
class LinkAttempts:
    telegram_user_id: int
    failures: int
    window_started_at: datetime
    blocked_until: datetime | None

    def blocked(self, now: datetime) -> bool:
        return self.blocked_until is not None and now < self.blocked_until

    def after_failure(self, now: datetime) -> "LinkAttempts":
        if now - self.window_started_at > FAILURE_WINDOW and not self.blocked(now):
            return LinkAttempts(self.telegram_user_id, 1, now, None)
        failures = self.failures + 1
        blocked_until = None
        if failures >= FREE_FAILURES:
            wait = min(FIRST_WAIT * (2 ** (failures - FREE_FAILURES)), MAX_WAIT)
            blocked_until = now + wait
        return LinkAttempts(self.telegram_user_id, failures, self.window_started_at, blocked_until)

    @staticmethod
    def first(telegram_user_id: int, now: datetime) -> "LinkAttempts":
        return LinkAttempts(telegram_user_id, 1, now, None)
