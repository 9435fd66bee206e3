"""Settings from the environment or `.env` (see `.env.example`). A bad setting stops start-up with one sentence."""
from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.database import DatabaseUrlError, async_url

TELEGRAM_API = "https://api.telegram.org"
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_BOT_TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")


class SettingsError(Exception):
    """One sentence, in Portuguese, that tells the operator what to fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = TELEGRAM_API
    telegram_bot_username: str | None = None  # only for invitation links when the bot cannot be asked (getMe)
    database_url: str | None = None
    timezone: str = "America/Sao_Paulo"
    company_name: str = Field(default="Construtora", min_length=1, max_length=80)  # how the bot names the company
    log_level: str = "INFO"

    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret_token: SecretStr | None = None

    conversation_timeout_minutes: int = Field(default=30, ge=1, le=24 * 60)
    invitation_ttl_hours: int = Field(default=72, ge=1, le=24 * 90)
    delivery_interval_seconds: float = Field(default=1.0, gt=0, le=600)
    change_feed_interval_seconds: float = Field(default=10.0, gt=0, le=3600)
    # Delivery (bot/delivery): messages a second all workers together may send (Telegram allows 30; the rest is
    # headroom for the bot's answers in conversations), the first retry delay after a 5xx or network error (doubles
    # on each attempt, with jitter), and how long a worker's claim on a notification lasts if it dies.
    delivery_messages_per_second: int = Field(default=25, ge=1, le=1000)
    delivery_retry_base_seconds: float = Field(default=2.0, gt=0, le=300)
    delivery_lease_seconds: float = Field(default=60.0, ge=1, le=3600)
    reminder_time: time = time(8, 0)
    demo_mode: bool = True  # `false` forbids demo mode even on a database loaded by `atendimento demo`
    # Seals the SMTP passwords stored in the database (storage/secrets.py); `make run` writes one into .env.
    atendimento_secret_key: SecretStr | None = None
    # Attachments' bytes (storage/file_store.py), named by their SHA-256: nothing a user sends becomes a path.
    attachments_dir: Path = Path("data/anexos")
    # LGPD: delete the files of atendimentos final for longer than this many days (unset: keep them).
    attachment_retention_days: int | None = Field(default=None, ge=1, le=36500)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"fuso horário desconhecido: {value!r} (exemplo: America/Sao_Paulo)") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("use DEBUG, INFO, WARNING, ERROR ou CRITICAL")
        return level

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        try:
            async_url(value)
        except DatabaseUrlError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("telegram_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value.strip()):
            raise ValueError("precisa começar com http:// ou https://")
        return value.strip()

    @field_validator("webhook_secret_token")
    @classmethod
    def _secret_charset(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET_TOKEN.match(value.get_secret_value()):
            raise ValueError("use de 1 a 256 caracteres entre A-Z, a-z, 0-9, _ e -")
        return value

    @field_validator("atendimento_secret_key")
    @classmethod
    def _fernet_key(cls, value: SecretStr | None) -> SecretStr | None:
        from storage.secrets import key_problem

        if value is None or not value.get_secret_value().strip():
            return None
        problem = key_problem(value.get_secret_value())
        if problem is not None:
            raise ValueError(problem)
        return value

    # --- derived --------------------------------------------------------------------------------------------------
    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def bot_api_base_url(self) -> str:
        """What python-telegram-bot's `base_url` wants: the server, then `/bot` (the token follows)."""
        root = self.telegram_base_url.rstrip("/")
        return root if root.endswith("/bot") else root + "/bot"

    @property
    def bot_api_file_url(self) -> str:
        root = self.bot_api_base_url.removesuffix("/bot")
        return root + "/file/bot"

    def secret_box(self):
        """The SecretBox that seals and opens stored SMTP passwords, or None without ATENDIMENTO_SECRET_KEY."""
        from storage.secrets import SecretBox

        if self.atendimento_secret_key is None:
            return None
        return SecretBox(self.atendimento_secret_key.get_secret_value())

    def token(self) -> str:
        if self.telegram_bot_token is None or not self.telegram_bot_token.get_secret_value().strip():
            raise SettingsError(
                "Falta o token do bot: converse com @BotFather no Telegram, crie um bot com /newbot e coloque o "
                "token em TELEGRAM_BOT_TOKEN no arquivo .env (veja .env.example)."
            )
        token = self.telegram_bot_token.get_secret_value().strip()
        if not _BOT_TOKEN.match(token):
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN não parece um token do @BotFather (formato 123456789:ABC…); confira o .env."
            )
        return token

    def webhook(self) -> tuple[str, str]:
        if not self.webhook_url:
            raise SettingsError("O modo webhook precisa de WEBHOOK_URL (o endereço https público do bot) no .env.")
        if self.webhook_secret_token is None:
            raise SettingsError(
                "O modo webhook precisa de WEBHOOK_SECRET_TOKEN no .env (1 a 256 caracteres A-Z, a-z, 0-9, _ ou -)."
            )
        return self.webhook_url, self.webhook_secret_token.get_secret_value()


_PYDANTIC_MESSAGES = {
    "int_parsing": "precisa ser um número inteiro",
    "int_from_float": "precisa ser um número inteiro",
    "float_parsing": "precisa ser um número",
    "bool_parsing": "precisa ser true ou false",
    "time_parsing": "precisa ser uma hora no formato HH:MM",
    "time_type": "precisa ser uma hora no formato HH:MM",
    "greater_than": "precisa ser maior que {gt}",
    "greater_than_equal": "precisa ser pelo menos {ge}",
    "less_than_equal": "precisa ser no máximo {le}",
    "string_type": "precisa ser um texto",
}


def load_settings(**overrides) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]).upper() if first.get("loc") else "configuração"
        template = _PYDANTIC_MESSAGES.get(first.get("type", ""))
        if template is not None:
            message = template.format(**(first.get("ctx") or {}))
        else:
            message = str(first.get("msg", "valor inválido")).removeprefix("Value error, ")
        raise SettingsError(f"Configuração inválida em {field}: {message.rstrip('.')}.") from None
