"""Why an e-mail could not be sent: one exception with a reason the delivery job can act on."""
from __future__ import annotations

from enum import StrEnum


class FailureReason(StrEnum):
    """What went wrong, in words the delivery job and the text catalogue key on (a str, so JSON-safe)."""

    NO_SMTP = "no_smtp"  # the staff user has no SMTP settings or no e-mail address
    CONNECTION = "connection"  # refused, unreachable, DNS, dropped mid-session
    TIMEOUT = "timeout"
    TLS = "tls"  # handshake or certificate failure, STARTTLS required but not offered
    AUTH = "auth"  # bad credentials, or the server offers no AUTH
    SECRET = "secret"  # the stored password cannot be opened: no ATENDIMENTO_SECRET_KEY, another key, plain text
    SENDER_REFUSED = "sender_refused"  # 5xx on MAIL FROM
    RECIPIENT_REFUSED = "recipient_refused"  # 5xx on RCPT TO
    REJECTED = "rejected"  # 5xx on DATA
    SERVER_BUSY = "server_busy"  # any 4xx reply
    OTHER = "other"

    @property
    def transient(self) -> bool:
        """True only for what trying again later may fix."""
        return self in _TRANSIENT


_TRANSIENT = frozenset({FailureReason.CONNECTION, FailureReason.TIMEOUT, FailureReason.SERVER_BUSY})


class EmailError(Exception):
    """An e-mail was not sent.

    `transient` defaults to what the reason implies. `detail` is short and technical (the server's code and text,
    or the network error); it never holds the password nor the message, so the exception may be logged, stored in
    an outbox row and shown to the config user as is.
    """

    def __init__(self, reason: FailureReason | str, transient: bool | None = None, detail: str = "") -> None:
        self.reason = FailureReason(reason)
        self.transient = self.reason.transient if transient is None else transient
        self.detail = detail
        super().__init__(self.reason.value, self.transient, detail)

    def __str__(self) -> str:
        return f"{self.reason.value}: {self.detail}" if self.detail else self.reason.value

    def __repr__(self) -> str:
        return f"EmailError(reason={self.reason.value!r}, transient={self.transient!r}, detail={self.detail!r})"

    def as_params(self) -> dict[str, object]:
        """JSON-safe facts for an internal message or an outbox row."""
        return {"reason": self.reason.value, "transient": self.transient, "detail": self.detail}
