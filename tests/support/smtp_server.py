"""Real SMTP servers on 127.0.0.1 for the e-mail tests: aiosmtpd in the test's own event loop.

A server speaks plain SMTP, STARTTLS or implicit TLS (certificates from a throwaway trustme CA), may require AUTH,
keeps every message it accepted, and can be told to answer a command with a given reply ("550 …", "421 …").
`SilentServer` accepts connections and never says a word (the timeout case); `closed_port()` refuses them.

Use the fixtures from a test module:  from tests.support.smtp_server import smtp_ca, smtp_client_tls, smtp_servers
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import warnings
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Literal

import pytest
import trustme
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from domain.catalogue import SmtpSettings

HOST = "127.0.0.1"
Mode = Literal["plain", "starttls", "tls"]


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    auth_login: str | None  # who logged in for this session (None: nobody)
    encrypted: bool

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.content, policy=email.policy.default)


@dataclass
class SmtpServer:
    mode: Mode
    port: int = 0
    username: str | None = None
    password: str | None = None
    # Command ("MAIL", "RCPT", "DATA", "NOOP") → the reply the server gives instead of accepting it.
    replies: dict[str, str] = field(default_factory=dict)
    received: list[ReceivedMail] = field(default_factory=list)
    auth_attempts: int = 0

    def settings(self, **overrides) -> SmtpSettings:
        """SmtpSettings that reach this server (with its credentials, when it has some), the password sealed as the
        import stores it (open it with tests.support.catalogue.TEST_SECRETS)."""
        from tests.support.catalogue import TEST_SECRETS

        values = dict(
            host=HOST,
            port=self.port,
            sender="joao@construtora.example",
            username=self.username,
            password=self.password,
            starttls=self.mode == "starttls",
            implicit_tls=self.mode == "tls",
        )
        values.update(overrides)
        if values["password"] is not None:
            values["password"] = TEST_SECRETS.seal(values["password"])
        return SmtpSettings(**values)


class _Handler:
    """aiosmtpd hooks: answer as the test asked, else accept and keep the message."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_MAIL(self, smtp, session, envelope, address, mail_options):
        if "MAIL" in self.server.replies:
            return self.server.replies["MAIL"]
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
        if "RCPT" in self.server.replies:
            return self.server.replies["RCPT"]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):
        if "DATA" in self.server.replies:
            return self.server.replies["DATA"]
        auth = session.auth_data if session.authenticated else None
        self.server.received.append(ReceivedMail(
            mail_from=envelope.mail_from,
            rcpt_tos=list(envelope.rcpt_tos),
            content=bytes(envelope.original_content or b""),
            auth_login=auth.login.decode() if isinstance(auth, LoginPassword) else None,
            encrypted=smtp.transport.get_extra_info("sslcontext") is not None,
        ))
        return "250 2.0.0 Message accepted for delivery"

    async def handle_NOOP(self, smtp, session, envelope, arg):
        return self.server.replies.get("NOOP", "250 OK")

    def authenticate(self, smtp, session, envelope, mechanism, auth_data) -> AuthResult:
        self.server.auth_attempts += 1
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.server.username
            and auth_data.password.decode() == self.server.password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


class SilentServer:
    """Accepts a connection and never answers: a hung mail server."""

    def __init__(self) -> None:
        self.port = 0
        self._server: asyncio.AbstractServer | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> SilentServer:
        async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self._writers.append(writer)
            await reader.read()  # until the client gives up

        self._server = await asyncio.start_server(hold, HOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        for writer in self._writers:
            writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


def closed_port() -> int:
    """A port on 127.0.0.1 where nobody listens (bound by the OS, then let go)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class SmtpServers:
    """Starts servers in the running loop and stops them all at the end of the test."""

    def __init__(self, ca: trustme.CA) -> None:
        self._cert = ca.issue_cert(HOST, "localhost")
        self._running: list[tuple[asyncio.AbstractServer, list[SMTP]]] = []
        self._silent: list[SilentServer] = []

    def _server_tls(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._cert.configure_cert(context)
        return context

    async def start(
        self,
        mode: Mode = "plain",
        *,
        username: str | None = None,
        password: str | None = None,
        replies: dict[str, str] | None = None,
    ) -> SmtpServer:
        server = SmtpServer(mode=mode, username=username, password=password, replies=dict(replies or {}))
        handler = _Handler(server)
        loop = asyncio.get_running_loop()
        protocols: list[SMTP] = []

        def protocol() -> SMTP:
            with warnings.catch_warnings():
                # aiosmtpd cannot tell that an implicit-TLS session is encrypted, and warns about AUTH without TLS.
                warnings.simplefilter("ignore", UserWarning)
                smtp = SMTP(
                    handler,
                    hostname="smtp.test",
                    tls_context=self._server_tls() if mode == "starttls" else None,
                    authenticator=handler.authenticate if username else None,
                    auth_required=bool(username),
                    # AUTH is offered only once the session is encrypted (always, with implicit TLS), and
                    # only by a server that has credentials.
                    auth_require_tls=mode == "starttls" or not username,
                    loop=loop,
                )
            protocols.append(smtp)
            return smtp

        listener = await loop.create_server(
            protocol, HOST, 0, ssl=self._server_tls() if mode == "tls" else None
        )
        server.port = listener.sockets[0].getsockname()[1]
        self._running.append((listener, protocols))
        return server

    async def silent(self) -> SilentServer:
        server = await SilentServer().start()
        self._silent.append(server)
        return server

    async def stop_all(self) -> None:
        for listener, protocols in self._running:
            listener.close()
            for smtp in protocols:
                if smtp.transport is not None:
                    smtp.transport.close()
            await listener.wait_closed()
        for silent in self._silent:
            await silent.stop()
        await asyncio.sleep(0)  # let the closed sessions' tasks finish


@pytest.fixture(scope="session")
def smtp_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def smtp_client_tls(smtp_ca) -> ssl.SSLContext:
    """What a client passes as tls_context to trust the test servers' certificates."""
    context = ssl.create_default_context()
    smtp_ca.configure_trust(context)
    return context


@pytest.fixture
async def smtp_servers(smtp_ca):
    servers = SmtpServers(smtp_ca)
    yield servers
    await servers.stop_all()
