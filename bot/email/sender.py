"""Sending an e-mail through a staff user's own SMTP settings, every failure turned into one EmailError.

TLS is never optional once configured: with `starttls` a server that does not offer STARTTLS is a failure, not a
reason to go on in plain text. The password is stored sealed (storage/secrets.py) and opened here, with the
installation's key, just before logging in; it reaches aiosmtplib only; what comes out (EmailError's detail) is the
server's code and text or the network error, with the password masked should a server ever echo it.
"""
from __future__ import annotations

import ssl
from email.message import EmailMessage

import aiosmtplib
from aiosmtplib import (
    SMTPAuthenticationError,
    SMTPDataError,
    SMTPRecipientRefused,
    SMTPRecipientsRefused,
    SMTPResponseException,
    SMTPSenderRefused,
    SMTPServerDisconnected,
)

from bot.email.errors import EmailError, FailureReason
from bot.texts import email as T
from domain.catalogue import SmtpSettings
from storage.secrets import SecretBox, SecretUnreadable

DETAIL_MAX_CHARS = 300
# Replies that mean "log in first" or "your credentials are wrong", whichever command they answer.
_AUTH_CODES = frozenset({530, 534, 535, 538})


async def send_email(
    message: EmailMessage,
    smtp: SmtpSettings | None,
    *,
    timeout: float = 20,
    tls_context: ssl.SSLContext | None = None,
    secrets: SecretBox | None,
) -> None:
    """Connect, secure, log in, send `message` (envelope sender: smtp.sender; recipients: its To/Cc) and quit.

    `timeout` bounds each network step (connecting, the TLS handshake, each reply). `tls_context` None means the
    system's trusted CAs with host name checking. `secrets` opens the stored password (None: no key set, which
    fails a user with a password). Returns once the server accepted the message; raises EmailError.
    """
    if smtp is not None and not (smtp.sender or "").strip():
        raise EmailError(FailureReason.NO_SMTP, detail=T.DETAIL_NO_SMTP)
    password = _password(smtp, secrets)
    client = await _open(smtp, timeout, tls_context, password)
    try:
        try:
            await client.send_message(message, sender=smtp.sender.strip())
        except EmailError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure becomes an EmailError
            raise _classify(exc, "send", password) from None
    finally:
        await _close(client, timeout)


async def check_smtp(
    smtp: SmtpSettings | None,
    timeout: float = 10,
    tls_context: ssl.SSLContext | None = None,
    *,
    secrets: SecretBox | None,
) -> None:
    """For /diag: connect, secure, log in, NOOP and quit. Returns None when all of it works; raises EmailError."""
    password = _password(smtp, secrets)
    client = await _open(smtp, timeout, tls_context, password)
    try:
        try:
            await client.noop()
        except Exception as exc:  # noqa: BLE001
            raise _classify(exc, "send", password) from None
    finally:
        await _close(client, timeout)


def opened_password(smtp: SmtpSettings, secrets: SecretBox | None) -> str:
    """The stored (sealed) password, opened; EmailError(SECRET) saying why when it cannot be."""
    if not smtp.password:
        return ""
    if secrets is None:
        raise EmailError(FailureReason.SECRET, detail=T.DETAIL_SECRET["no_key"])
    try:
        return secrets.open(smtp.password)
    except SecretUnreadable as exc:
        raise EmailError(FailureReason.SECRET, detail=T.DETAIL_SECRET[exc.reason]) from None


def _password(smtp: SmtpSettings | None, secrets: SecretBox | None) -> str:
    if smtp is None or not (smtp.host or "").strip():
        raise EmailError(FailureReason.NO_SMTP, detail=T.DETAIL_NO_SMTP)
    return opened_password(smtp, secrets) if smtp.username else ""


async def _open(smtp: SmtpSettings, timeout: float, tls_context: ssl.SSLContext | None,
                password: str) -> aiosmtplib.SMTP:
    """A connected, secured (as configured) and logged-in client."""
    try:
        client = aiosmtplib.SMTP(
            hostname=smtp.host.strip(),
            port=smtp.port,
            timeout=timeout,
            use_tls=smtp.implicit_tls,
            start_tls=False,  # done by hand below: a missing STARTTLS is an error, never a plain-text session
            tls_context=tls_context,
        )
    except ValueError as exc:  # settings aiosmtplib refuses (a host name with a line break…)
        raise _classify(exc, "connect", password) from None
    phase = "connect"
    try:
        try:
            await client.connect()
            if smtp.starttls and not smtp.implicit_tls:
                phase = "tls"
                if client.is_ehlo_or_helo_needed:
                    await client.ehlo()
                if not client.supports_extension("starttls"):
                    raise EmailError(FailureReason.TLS, detail="STARTTLS not offered by the server")
                await client.starttls()
            if smtp.username:
                phase = "auth"
                if client.is_ehlo_or_helo_needed:
                    await client.ehlo()
                if not client.supports_extension("auth"):
                    raise EmailError(FailureReason.AUTH, detail="AUTH not offered by the server")
                await client.login(smtp.username, password)
        except EmailError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure becomes an EmailError
            raise _classify(exc, phase, password) from None
    except BaseException:  # a failure, or the caller's cancellation: never leave the socket open
        client.close()
        raise
    return client


async def _close(client: aiosmtplib.SMTP, timeout: float) -> None:
    """QUIT politely; once the message was accepted, nothing that happens here is a failure."""
    try:
        if client.is_connected:
            await client.quit(timeout=min(timeout, 5))
    except Exception:  # noqa: BLE001
        pass
    finally:
        client.close()


def _classify(exc: BaseException, phase: str, password: str) -> EmailError:
    reason = _reason(exc, phase)
    return EmailError(reason, detail=_detail(exc, password))


def _reason(exc: BaseException, phase: str) -> FailureReason:
    if isinstance(exc, TimeoutError):  # aiosmtplib's timeouts are TimeoutErrors too
        return FailureReason.TIMEOUT
    if _ssl_error_in(exc):
        return FailureReason.TLS
    if isinstance(exc, SMTPRecipientsRefused):
        codes = [e.code for e in exc.recipients]
        if codes and all(400 <= c < 500 for c in codes):
            return FailureReason.SERVER_BUSY
        return FailureReason.RECIPIENT_REFUSED
    if isinstance(exc, SMTPResponseException):
        if 400 <= exc.code < 500:
            return FailureReason.SERVER_BUSY
        if exc.code in _AUTH_CODES or isinstance(exc, SMTPAuthenticationError):
            return FailureReason.AUTH
        if isinstance(exc, SMTPSenderRefused):
            return FailureReason.SENDER_REFUSED
        if isinstance(exc, SMTPRecipientRefused):
            return FailureReason.RECIPIENT_REFUSED
        if isinstance(exc, SMTPDataError):
            return FailureReason.REJECTED
        return FailureReason.TLS if phase == "tls" else FailureReason.OTHER
    if isinstance(exc, SMTPServerDisconnected) and phase == "tls":
        return FailureReason.TLS  # the server hung up on the handshake
    if isinstance(exc, OSError):  # SMTPConnectError, SMTPServerDisconnected, refused, unreachable, DNS
        return FailureReason.CONNECTION
    return FailureReason.OTHER


def _ssl_error_in(exc: BaseException) -> bool:
    """aiosmtplib wraps an implicit-TLS handshake failure in SMTPConnectError; STARTTLS lets ssl.SSLError through."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError | ssl.CertificateError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _detail(exc: BaseException, password: str) -> str:
    if isinstance(exc, SMTPRecipientsRefused) and exc.recipients:
        exc = exc.recipients[0]
    if isinstance(exc, SMTPResponseException):
        text = f"{exc.code} {exc.message}"
    else:
        text = str(exc) or type(exc).__name__
    text = " ".join(text.split())
    if password:
        text = text.replace(password, "***")
    if len(text) > DETAIL_MAX_CHARS:
        text = text[: DETAIL_MAX_CHARS - 1] + "…"
    return text
