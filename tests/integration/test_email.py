"""The pendência e-mail against real SMTP servers on 127.0.0.1 (aiosmtpd): what arrives, and how each failure reads.

João is the responsible for Ana's leak in Torre A 101; the bot e-mails him through his own SMTP account.
"""
from __future__ import annotations

import traceback
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.email import EmailError, FailureReason, check_smtp, compose_pendencia_email, send_email
from bot.texts import email as texts
from domain.catalogue import SmtpSettings, StaffUser
from domain.statuses import StageStatus, TicketStatus
from domain.views import PendenciaView
from tests.support.catalogue import TEST_SECRETS
from tests.support.smtp_server import (  # noqa: F401 - fixtures
    closed_port,
    smtp_ca,
    smtp_client_tls,
    smtp_servers,
)

ZONE = ZoneInfo("America/Sao_Paulo")
USER = "joao"
PASSWORD = "S3nha-Secreta-do-Joao!"
SENDER = "joao@construtora.example"
FAST = 2.0  # seconds per network step: plenty on 127.0.0.1


def pendencia(**changes) -> dict:
    view = PendenciaView(
        id=12,
        kind="novo_atendimento",
        created_at=datetime(2025, 3, 10, 13, 30, tzinfo=UTC),
        due_at=datetime(2025, 3, 13, 12, 0, tzinfo=UTC),
        ticket_id=7,
        ticket_number=123,
        ticket_status=TicketStatus.ABERTO,
        description="Há uma infiltração na parede da sala, perto da janela, que piora quando chove.",
        stage_position=1,
        stage_description="Vistoria técnica",
        stage_status=StageStatus.PENDENTE,
        customer_name="Ana Souza",
        type_name="Assistência técnica",
        subject_name="Infiltração",
        empreendimento_name="Residencial Jardins",
        obra_name="Torre A",
        unit_label="Torre A - Apto 101",
        responsible_id=1,
        responsible_login="joao",
        responsible_name="João Silva",
    )
    return replace(view, **changes).as_payload()


def joao(smtp: SmtpSettings | None, email: str | None = SENDER) -> StaffUser:
    return StaffUser(id=1, login="joao", name="João Silva", email=email, smtp=smtp)


def message_for(smtp: SmtpSettings, **changes):
    return compose_pendencia_email(pendencia(**changes), joao(smtp), ZONE)


def assert_no_password(error: EmailError) -> None:
    shown = [str(error), repr(error), error.detail, "".join(traceback.format_exception(error)), str(error.args)]
    for text in shown:
        assert PASSWORD not in text


async def failure(smtp: SmtpSettings | None, *, tls=None, timeout: float = FAST) -> EmailError:
    message = compose_pendencia_email(pendencia(), joao(smtp or SmtpSettings(host="x", port=1, sender=SENDER)), ZONE)
    with pytest.raises(EmailError) as caught:
        await send_email(message, smtp, timeout=timeout, tls_context=tls, secrets=TEST_SECRETS)
    assert_no_password(caught.value)
    return caught.value


def parts(message) -> tuple[str, str]:
    return (
        message.get_body(preferencelist=("plain",)).get_content(),
        message.get_body(preferencelist=("html",)).get_content(),
    )


# --- what arrives ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["starttls", "tls"])
async def test_joao_receives_the_pendencia_through_his_own_account(smtp_servers, smtp_client_tls, mode):
    server = await smtp_servers.start(mode, username=USER, password=PASSWORD)
    smtp = server.settings()

    await send_email(message_for(smtp), smtp, timeout=FAST, tls_context=smtp_client_tls, secrets=TEST_SECRETS)

    [mail] = server.received
    assert mail.mail_from == SENDER
    assert mail.rcpt_tos == [SENDER]
    assert mail.auth_login == USER
    assert mail.encrypted
    received = mail.message
    assert received["From"].addresses[0].addr_spec == SENDER
    assert received["To"].addresses[0].addr_spec == SENDER
    assert received["To"].addresses[0].display_name == "João Silva"
    assert received["Subject"] == "[Atendimento 123] Nova pendência: Infiltração — Vistoria técnica"
    assert received["X-Atendimento-Pendencia"] == "12"
    assert received["Message-ID"] == "<atendimento.pendencia.12.20250310133000@construtora.example>"
    assert received["Date"].datetime is not None
    plain, html = parts(received)
    for text in (plain, html):
        assert "Olá, João Silva." in text
        assert "123 (Aberto)" in text
        assert "Ana Souza" in text
        assert "Residencial Jardins / Torre A / Torre A - Apto 101" in text
        assert "Assistência técnica" in text
        assert "Infiltração" in text
        assert "infiltração na parede da sala" in text
        assert "1 — Vistoria técnica (Pendente)" in text
        assert "João Silva (joao)" in text
        assert "13/03/2025 09:00" in text  # 12:00 UTC is 09:00 in São Paulo
        assert "10/03/2025 10:30" in text
        assert "/ver 123" in text


async def test_customer_text_is_escaped_in_the_html_part(smtp_servers):
    server = await smtp_servers.start("plain")
    smtp = server.settings(starttls=False, username=None, password=None)
    tricky = 'Vazamento <b>grave</b> & "urgente" no box d\'água'
    message = message_for(smtp, description=tricky, customer_name="Ana <Souza> & Cia")

    await send_email(message, smtp, timeout=FAST, secrets=TEST_SECRETS)

    [mail] = server.received
    assert mail.auth_login is None and not mail.encrypted
    plain, html = parts(mail.message)
    assert tricky in plain
    assert "Ana <Souza> & Cia" in plain
    assert "<b>grave</b>" not in html and "<Souza>" not in html
    assert "Vazamento &lt;b&gt;grave&lt;/b&gt; &amp; &quot;urgente&quot; no box d&#x27;água" in html
    assert "Ana &lt;Souza&gt; &amp; Cia" in html


def test_a_long_description_is_shortened_and_a_missing_due_date_said():
    smtp = SmtpSettings(host="smtp.construtora.example", port=587, sender=SENDER)
    message = compose_pendencia_email(
        pendencia(kind="etapa", description="palavra " * 400, due_at=None), joao(smtp), ZONE
    )
    plain, _ = parts(message)
    assert "Uma nova etapa do atendimento 123 está com você." in plain
    description = next(line for line in plain.splitlines() if line.startswith("Descrição: "))
    assert description.endswith("…") and len(description) < 700
    assert "Prazo: sem prazo" in plain


# --- each failure, and why ------------------------------------------------------------------------------------------

async def test_nobody_listening_is_a_transient_connection_failure():
    smtp = SmtpSettings(host="127.0.0.1", port=closed_port(), sender=SENDER, username=USER,
                        password=TEST_SECRETS.seal(PASSWORD))
    error = await failure(smtp)
    assert (error.reason, error.transient) == (FailureReason.CONNECTION, True)


async def test_a_server_that_never_answers_is_a_transient_timeout(smtp_servers):
    silent = await smtp_servers.silent()
    smtp = SmtpSettings(host="127.0.0.1", port=silent.port, sender=SENDER, username=USER,
                        password=TEST_SECRETS.seal(PASSWORD))
    error = await failure(smtp, timeout=0.8)
    assert (error.reason, error.transient) == (FailureReason.TIMEOUT, True)


async def test_a_wrong_password_is_an_auth_failure(smtp_servers, smtp_client_tls):
    server = await smtp_servers.start("starttls", username=USER, password="a-senha-certa")
    error = await failure(server.settings(password=PASSWORD), tls=smtp_client_tls)
    assert (error.reason, error.transient) == (FailureReason.AUTH, False)
    assert error.detail.startswith("535")
    assert server.received == []


async def test_starttls_required_but_not_offered_never_goes_on_in_plain_text(smtp_servers):
    server = await smtp_servers.start("plain")
    error = await failure(server.settings(starttls=True, username=USER, password=PASSWORD))
    assert (error.reason, error.transient) == (FailureReason.TLS, False)
    assert server.received == [] and server.auth_attempts == 0


async def test_credentials_for_a_server_that_offers_no_login_are_an_auth_failure(smtp_servers):
    server = await smtp_servers.start("plain")
    error = await failure(server.settings(starttls=False, username=USER, password=PASSWORD))
    assert (error.reason, error.transient) == (FailureReason.AUTH, False)
    assert server.received == []


@pytest.mark.parametrize("mode", ["starttls", "tls"])
async def test_an_untrusted_certificate_is_a_tls_failure(smtp_servers, mode):
    server = await smtp_servers.start(mode, username=USER, password=PASSWORD)
    error = await failure(server.settings())  # the system's CAs do not know the test CA
    assert (error.reason, error.transient) == (FailureReason.TLS, False)
    assert "certificate" in error.detail.lower()
    assert server.auth_attempts == 0


@pytest.mark.parametrize(
    ("command", "reply", "reason", "transient"),
    [
        ("MAIL", "553 5.7.1 Sender address rejected: not owned by user", FailureReason.SENDER_REFUSED, False),
        ("RCPT", "550 5.1.1 <joao@construtora.example>: Recipient address rejected", FailureReason.RECIPIENT_REFUSED,
         False),
        ("DATA", "554 5.6.0 Message rejected as spam", FailureReason.REJECTED, False),
        ("MAIL", "421 4.7.0 Too many connections, try again later", FailureReason.SERVER_BUSY, True),
        ("RCPT", "451 4.3.0 Mailbox temporarily unavailable", FailureReason.SERVER_BUSY, True),
        ("DATA", "451 4.3.0 Try again later", FailureReason.SERVER_BUSY, True),
    ],
)
async def test_a_refusal_by_the_server_says_which_and_whether_to_retry(
    smtp_servers, smtp_client_tls, command, reply, reason, transient
):
    server = await smtp_servers.start("tls", username=USER, password=PASSWORD, replies={command: reply})
    error = await failure(server.settings(), tls=smtp_client_tls)
    assert (error.reason, error.transient) == (reason, transient)
    assert error.detail == reply
    assert server.received == []


async def test_a_server_demanding_login_from_a_user_without_credentials_is_an_auth_failure(
    smtp_servers, smtp_client_tls
):
    server = await smtp_servers.start("tls", username=USER, password=PASSWORD)
    smtp = server.settings(username=None, password=None)
    with pytest.raises(EmailError) as caught:
        await send_email(message_for(smtp), smtp, timeout=FAST, tls_context=smtp_client_tls, secrets=TEST_SECRETS)
    assert (caught.value.reason, caught.value.transient) == (FailureReason.AUTH, False)
    assert caught.value.detail.startswith("530")


def test_a_user_without_smtp_settings_or_address_cannot_be_emailed():
    smtp = SmtpSettings(host="smtp.construtora.example", port=587, sender=SENDER, password=TEST_SECRETS.seal(PASSWORD))
    for user, detail in [
        (joao(None), texts.DETAIL_NO_SMTP),
        (joao(smtp, email=None), texts.DETAIL_NO_ADDRESS),
        (joao(smtp, email="  "), texts.DETAIL_NO_ADDRESS),
        (joao(replace(smtp, sender="")), texts.DETAIL_NO_SMTP),
    ]:
        with pytest.raises(EmailError) as caught:
            compose_pendencia_email(pendencia(), user, ZONE)
        assert (caught.value.reason, caught.value.transient, caught.value.detail) == (
            FailureReason.NO_SMTP, False, detail)
        assert_no_password(caught.value)


async def test_sending_without_smtp_settings_is_no_smtp():
    error = await failure(None)
    assert (error.reason, error.transient) == (FailureReason.NO_SMTP, False)


# --- /diag ----------------------------------------------------------------------------------------------------------

async def test_check_smtp_logs_in_and_sends_nothing(smtp_servers, smtp_client_tls):
    server = await smtp_servers.start("starttls", username=USER, password=PASSWORD)
    assert await check_smtp(server.settings(), FAST, tls_context=smtp_client_tls, secrets=TEST_SECRETS) is None
    assert server.auth_attempts == 1
    assert server.received == []


async def test_check_smtp_says_what_is_wrong(smtp_servers, smtp_client_tls):
    good = await smtp_servers.start("starttls", username=USER, password="a-senha-certa")
    plain = await smtp_servers.start("plain")
    busy = await smtp_servers.start(
        "tls", username=USER, password=PASSWORD, replies={"NOOP": "421 4.3.2 Shutting down"}
    )
    cases = [
        (good.settings(password=PASSWORD), FailureReason.AUTH),
        (plain.settings(starttls=True, username=USER, password=PASSWORD), FailureReason.TLS),
        (busy.settings(), FailureReason.SERVER_BUSY),
        (SmtpSettings(host="127.0.0.1", port=closed_port(), sender=SENDER, password=TEST_SECRETS.seal(PASSWORD)),
         FailureReason.CONNECTION),
        (None, FailureReason.NO_SMTP),
    ]
    for smtp, reason in cases:
        with pytest.raises(EmailError) as caught:
            await check_smtp(smtp, FAST, tls_context=smtp_client_tls, secrets=TEST_SECRETS)
        assert caught.value.reason is reason, (smtp, caught.value)
        assert_no_password(caught.value)


# --- what the config user reads -------------------------------------------------------------------------------------

def test_the_config_user_is_told_which_email_failed_and_why():
    error = EmailError("auth", detail="535 5.7.8 Authentication credentials invalid")
    text = texts.email_failed(
        pendencia_id=12, ticket_number=45, recipient="joao@construtora.example",
        reason=error.reason, detail=error.detail,
    )
    assert text == (
        "Não foi possível enviar o e-mail da pendência 12 (atendimento 45) para joao@construtora.example: "
        "o servidor recusou o usuário ou a senha (535 5.7.8 Authentication credentials invalid)."
    )


def test_every_reason_has_a_portuguese_explanation_and_server_text_is_escaped():
    for reason in FailureReason:
        assert texts.REASONS[reason.value]
    text = texts.email_failed(pendencia_id=1, ticket_number=2, recipient=None, reason="recipient_refused",
                              detail="550 <joao@construtora.example>: unknown", attempts=3)
    assert "&lt;joao@construtora.example&gt;" in text
    assert text.endswith("Foram feitas 3 tentativas.")
    assert texts.smtp_check("João Silva") == "SMTP de João Silva: conexão e login funcionando."
    assert texts.smtp_check("João Silva", "timeout").startswith("SMTP de João Silva: o servidor de e-mail não")


# --- the password at rest -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("stored", "secrets", "why"), [
    ("sealed", None, "no_key"),
    ("sealed", "other", "other_key"),
    ("plain", "tests", "plaintext"),
], ids=["no-key", "another-key", "plaintext-from-before"])
async def test_a_password_that_cannot_be_opened_is_never_sent(smtp_servers, smtp_client_tls, stored, secrets, why):
    from storage.secrets import SecretBox, new_key

    server = await smtp_servers.start("starttls", username=USER, password=PASSWORD)
    smtp = server.settings() if stored == "sealed" else replace(server.settings(), password=PASSWORD)
    box = {None: None, "other": SecretBox(new_key()), "tests": TEST_SECRETS}[secrets]
    message = message_for(smtp)

    with pytest.raises(EmailError) as caught:
        await send_email(message, smtp, timeout=FAST, tls_context=smtp_client_tls, secrets=box)

    assert caught.value.reason is FailureReason.SECRET and not caught.value.transient
    assert caught.value.detail == texts.DETAIL_SECRET[why]
    assert server.auth_attempts == 0 and server.received == []
    assert_no_password(caught.value)


async def test_the_server_receives_the_opened_password_never_the_sealed_one(smtp_servers, smtp_client_tls):
    server = await smtp_servers.start("starttls", username=USER, password=PASSWORD)
    smtp = server.settings()
    assert smtp.password != PASSWORD and TEST_SECRETS.open(smtp.password) == PASSWORD

    await send_email(message_for(smtp), smtp, timeout=FAST, tls_context=smtp_client_tls, secrets=TEST_SECRETS)

    [mail] = server.received
    assert mail.auth_login == USER
