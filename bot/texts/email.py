"""Every word of the external e-mail: the pendência e-mail itself, and why one could not be sent."""
from __future__ import annotations

from bot.texts.format import esc

# --- the pendência e-mail -------------------------------------------------------------------------------------------

SENDER_NAME = "Atendimento"
SUBJECT = "[Atendimento {number}] Nova pendência: {subject} — {stage}"
GREETING = "Olá, {name}."
INTRO = {
    "novo_atendimento": "Um novo atendimento foi aberto e a primeira etapa está com você.",
    "etapa": "Uma nova etapa do atendimento {number} está com você.",
}
INTRO_DEFAULT = "Há uma nova pendência para você no atendimento {number}."

# Labels of the summary, in the order shown.
LABEL_TICKET = "Atendimento"
LABEL_CUSTOMER = "Cliente"
LABEL_PLACE = "Empreendimento / Obra / Unidade"
LABEL_TYPE = "Tipo"
LABEL_SUBJECT = "Assunto"
LABEL_DESCRIPTION = "Descrição"
LABEL_STAGE = "Etapa"
LABEL_RESPONSIBLE = "Responsável"
LABEL_DUE = "Prazo"
LABEL_PENDENCIA = "Pendência"

TICKET_VALUE = "{number} ({status})"
STAGE_VALUE = "{position} — {description} ({status})"
RESPONSIBLE_VALUE = "{name} ({login})"
PENDENCIA_VALUE = "{id}, aberta em {created}"
NO_DUE = "sem prazo"
EMPTY = "—"

HOW_TO_ACT = (
    "No grupo da equipe no Telegram: /ver {number} mostra o atendimento; "
    "/resolver {number} {stage} resolve a etapa; /obs {number} {stage} <texto> registra uma observação."
)
AUTOMATIC = "Mensagem automática do Atendimento. Não responda a este e-mail."

# --- why an e-mail was not sent -------------------------------------------------------------------------------------

# The `detail` of a no_smtp failure (every other detail is the server's or the network's own words).
DETAIL_NO_ADDRESS = "sem endereço de e-mail cadastrado"
DETAIL_NO_SMTP = "sem configuração de SMTP cadastrada"
# The `detail` of a secret failure: why the stored password could not be opened (never the password itself).
DETAIL_SECRET = {
    "no_key": "ATENDIMENTO_SECRET_KEY não está definida; defina no .env a mesma chave usada na importação",
    "other_key": "ATENDIMENTO_SECRET_KEY não é a chave com que a senha foi gravada; use a mesma da importação ou "
                 "reimporte o catálogo",
    "plaintext": "a senha foi gravada sem criptografia por uma versão anterior; reimporte o catálogo com "
                 "ATENDIMENTO_SECRET_KEY definida",
}

REASONS = {
    "no_smtp": "o usuário não tem e-mail ou servidor SMTP configurado",
    "connection": "não foi possível conectar ao servidor de e-mail",
    "timeout": "o servidor de e-mail não respondeu a tempo",
    "tls": "a conexão segura (TLS) com o servidor de e-mail falhou",
    "auth": "o servidor recusou o usuário ou a senha",
    "secret": "a senha SMTP gravada não pôde ser aberta",
    "sender_refused": "o servidor recusou o remetente",
    "recipient_refused": "o servidor recusou o destinatário",
    "rejected": "o servidor recusou a mensagem",
    "server_busy": "o servidor de e-mail está temporariamente indisponível",
    "other": "ocorreu um erro inesperado no envio",
}

EMAIL_FAILED = (
    "Não foi possível enviar o e-mail da pendência {pendencia_id} (atendimento {ticket_number}) "
    "para {recipient}: {explanation}."
)
ATTEMPTS = " Foram feitas {attempts} tentativas."
SMTP_CHECK_OK = "SMTP de {name}: conexão e login funcionando."
SMTP_CHECK_FAILED = "SMTP de {name}: {explanation}."


def explain(reason: str, detail: str = "") -> str:
    """The pt-BR reason, with the technical detail in parentheses: "o servidor recusou … (535 5.7.8 …)"."""
    text = REASONS.get(str(reason), REASONS["other"])
    return f"{text} ({detail})" if detail else text


def email_failed(
    *,
    pendencia_id: int,
    ticket_number: int,
    recipient: str | None,
    reason: str,
    detail: str = "",
    attempts: int = 1,
) -> str:
    """The internal message to the config user, escaped for parse_mode=HTML.

    `recipient` is the address the e-mail was for, or the staff user's name when they have none.
    """
    text = EMAIL_FAILED.format(
        pendencia_id=pendencia_id,
        ticket_number=ticket_number,
        recipient=recipient or EMPTY,
        explanation=explain(reason, detail),
    )
    if attempts > 1:
        text += ATTEMPTS.format(attempts=attempts)
    return esc(text)


def smtp_check(name: str, reason: str | None = None, detail: str = "") -> str:
    """One line of /diag about a staff user's SMTP settings (None: they work), escaped for parse_mode=HTML."""
    if reason is None:
        return esc(SMTP_CHECK_OK.format(name=name))
    return esc(SMTP_CHECK_FAILED.format(name=name, explanation=explain(reason, detail)))
