"""Logging: one line per event, `key=value` fields, and no secret ever printed.

httpx logs every request URL at INFO, and Telegram's URLs carry the bot token: the redacting filter removes any
secret registered here (token, SMTP passwords, webhook secret) from every record, and httpx is kept at WARNING.
"""
from __future__ import annotations

import logging
import re
import sys

_secrets: set[str] = set()
_TOKEN_IN_URL = re.compile(r"/bot\d{3,20}:[A-Za-z0-9_-]{20,}")


def register_secret(value: str | None) -> None:
    if value and len(value) >= 4:
        _secrets.add(value)


def redact(text: str) -> str:
    text = _TOKEN_IN_URL.sub("/bot<token>", text)
    for secret in _secrets:
        text = text.replace(secret, "<segredo>")
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler.executors.default", "aiosqlite", "alembic", "apscheduler.scheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def fields(**values: object) -> str:
    """`event=delivered outbox_id=12 chat_id=5001` — ids only, never message bodies or personal data."""
    return " ".join(f"{k}={v}" for k, v in values.items())
