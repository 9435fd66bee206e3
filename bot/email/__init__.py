"""External e-mail: the pendência e-mail sent through the responsible staff user's own SMTP settings.

`compose_pendencia_email` builds it, `send_email` sends it, `check_smtp` tests a user's settings for /diag; every
failure is an `EmailError` whose `reason` says what happened and whether a retry may help (`transient`).
"""
from bot.email.compose import PENDENCIA_HEADER, compose_pendencia_email
from bot.email.errors import EmailError, FailureReason
from bot.email.sender import check_smtp, send_email

__all__ = [
    "PENDENCIA_HEADER",
    "EmailError",
    "FailureReason",
    "check_smtp",
    "compose_pendencia_email",
    "send_email",
]
