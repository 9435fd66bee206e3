"""Everything the bot says to customers in their private chat (HTML parse mode: every value is escaped here)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.texts.details import description_lines, note_lines, place
from bot.texts.format import esc, fmt_datetime, shorten
from bot.texts.labels import STEP_NAMES, stage_status, ticket_status
from domain.views import TicketDetails, TicketPage

# --- the command menu of private chats (setMyCommands) --------------------------------------------------------------
COMMAND_MENU = [
    ("novo", "Abrir um atendimento"),
    ("meus", "Ver meus atendimentos"),
    ("detalhes", "Ver um atendimento: /detalhes número"),
    ("cancelar", "Sair da conversa em andamento"),
    ("ajuda", "Como funciona"),
    ("sair", "Desvincular esta conta"),
]
FOLLOWING_COMMANDS = {"meus", "detalhes"}  # not in the menu when the installation only registers (register_only)


def command_menu(follows: bool) -> list[tuple[str, str]]:
    return [(name, text) for name, text in COMMAND_MENU if follows or name not in FOLLOWING_COMMANDS]


# --- linking and help ---------------------------------------------------------------------------------------------
def welcome_unlinked(first_name: str, company: str) -> str:
    return (
        f"Olá, {esc(first_name) or 'tudo bem'}! 👋 Sou o assistente de atendimento da <b>{esc(company)}</b>.\n\n"
        "Por aqui você abre solicitações sobre o seu imóvel (assistência técnica, documentos, dúvidas) e "
        "acompanha cada etapa até a conclusão.\n\n"
        "Para começar, preciso confirmar que você é nosso cliente: toque em "
        "<b>📱 Compartilhar meu telefone</b> aqui embaixo. Se a construtora lhe enviou um link de convite, "
        "basta abri-lo."
    )


NEED_LINK = "Para usar o atendimento, primeiro vincule sua conta: envie /start e compartilhe seu telefone."


def linked(name: str, follows: bool = True) -> str:
    return (
        f"Pronto, <b>{esc(name)}</b>! Sua conta está vinculada. ✅\n\n"
        "• /novo — abrir um atendimento\n"
        + ("• /meus — ver seus atendimentos\n" if follows else "")
        + "• /ajuda — como funciona"
    )


DEMO_NOTICE = (
    "🧪 <b>Demonstração.</b> Seu telefone não está no cadastro, então vinculei você a um cliente fictício com "
    "várias unidades, para você experimentar tudo. Nada do que fizer aqui chega a um cliente de verdade."
)


def already_linked(name: str, follows: bool = True) -> str:
    commands = HELP_COMMANDS if follows else HELP_COMMANDS_REGISTER_ONLY
    return f"Olá, <b>{esc(name)}</b>! Sua conta já está vinculada.\n\n" + commands


HELP_COMMANDS = (
    "• /novo — abrir um atendimento\n"
    "• /meus — ver seus atendimentos\n"
    "• /detalhes <i>número</i> — ver um atendimento e suas etapas\n"
    "• /cancelar — sair da conversa em andamento\n"
    "• /sair — desvincular esta conta do Telegram\n"
    "• /ajuda — esta ajuda"
)
HELP_COMMANDS_REGISTER_ONLY = (
    "• /novo — abrir um atendimento\n"
    "• /cancelar — sair da conversa em andamento\n"
    "• /sair — desvincular esta conta do Telegram\n"
    "• /ajuda — esta ajuda\n\n"
    "O acompanhamento de atendimentos não é oferecido por este canal: para saber do andamento, fale com a "
    "construtora pelos canais de costume."
)


def help_text(company: str, linked_now: bool, follows: bool = True) -> str:
    intro = (
        f"Sou o assistente de atendimento da <b>{esc(company)}</b>. Você registra aqui uma solicitação sobre o seu "
        "imóvel — um vazamento, um documento, uma dúvida — e eu aviso você a cada etapa, até o atendimento ser "
        "concluído.\n\n"
    )
    if not linked_now:
        return intro + "Para começar, envie /start e compartilhe seu telefone para vincular sua conta."
    return intro + (HELP_COMMANDS if follows else HELP_COMMANDS_REGISTER_ONLY)


UNLINKED = "Sua conta do Telegram foi desvinculada do cadastro. Para voltar, envie /start. 👋"
NOT_LINKED = "Esta conta do Telegram não está vinculada a nenhum cadastro."
UNKNOWN_MESSAGE = "Não entendi. Use /novo para abrir um atendimento, /meus para ver os seus ou /ajuda."
NOTHING_TO_CANCEL = "Não há nada em andamento para cancelar."
APOLOGY = "😕 Desculpe, algo deu errado do nosso lado. A equipe já foi avisada; tente de novo em instantes."
BAD_BUTTON = "Este botão não é válido. Use os botões da mensagem mais recente."

# --- /novo ----------------------------------------------------------------------------------------------------------
STEP_QUESTIONS = {
    "tipo": "Qual é o <b>tipo</b> de atendimento?",
    "assunto": "Qual é o <b>assunto</b>?",
    "empreendimento": "Em qual <b>empreendimento</b>?",
    "unidade": "Qual <b>unidade</b>?",
}


def wizard_step(chosen: list[tuple[str, str]], auto: list[tuple[str, str]], step: str, page: int, pages: int) -> str:
    lines = ["📝 <b>Novo atendimento</b>"]
    automatic = {s for s, _ in auto}
    for s, label in chosen:
        note = " <i>(única opção, escolhida automaticamente)</i>" if s in automatic else ""
        lines.append(f"{STEP_NAMES[s]}: <b>{esc(label)}</b>{note}")
    lines.append("")
    if step == "descricao":
        lines.append(
            "Agora <b>descreva</b> o que aconteceu, com suas palavras, em uma mensagem de texto: onde é, desde "
            "quando, o que você já observou."
        )
    else:
        question = STEP_QUESTIONS[step]
        if pages > 1:
            question += f" <i>(página {page} de {pages})</i>"
        lines.append(question)
    return "\n".join(lines)


def option_label(label: str, detail: str) -> str:
    """A button's text (plain, no HTML): Telegram shows what fits."""
    return f"{label} — {detail}" if detail else label


def wizard_summary(chosen: list[tuple[str, str]], description: str) -> str:
    lines = ["📋 <b>Confira o seu atendimento</b>", ""]
    for step, label in chosen:
        lines.append(f"{STEP_NAMES[step]}: <b>{esc(label)}</b>")
    lines.append("Descrição:")
    lines.extend(esc(line) for line in description.split("\n"))
    lines += ["", "Está tudo certo? Toque em <b>Enviar</b> para registrar."]
    return "\n".join(lines)


CORRECT_WHAT = "O que você quer corrigir?"
DESCRIPTION_NOT_TEXT = (
    "Preciso da descrição em <b>texto</b>. Fotos, figurinhas, áudios e arquivos não são aceitos aqui — "
    "escreva o que aconteceu, por favor."
)
USE_THE_BUTTONS = "Escolha uma das opções nos botões acima, ou /cancelar para sair."
WIZARD_CANCELLED = "Abertura de atendimento cancelada. Nada foi registrado."
WIZARD_LEFT = "Você saiu da abertura de atendimento. Nada foi registrado; use /novo quando quiser."


def wizard_expired(minutes: int) -> str:
    return (
        f"⌛ Sua abertura de atendimento ficou parada por mais de {minutes} minutos e foi encerrada. "
        "Nada foi registrado. Use /novo para começar de novo."
    )


def ticket_opened(number: int, first_stage: str | None, due: str | None) -> str:
    lines = [f"✅ Atendimento <b>nº {number}</b> registrado!"]
    if first_stage:
        stage = f"Primeira etapa: <b>{esc(first_stage)}</b>"
        if due:
            stage += f" (prazo {esc(due)})"
        lines.append(stage + ".")
    lines.append("Vou avisar você aqui a cada mudança. Para acompanhar, use /meus.")
    return "\n".join(lines)


# --- /meus and /detalhes ----------------------------------------------------------------------------------------
NO_TICKETS = "Você ainda não tem atendimentos por aqui. Use /novo para abrir um."
DETAILS_USAGE = "Envie /detalhes seguido do número do atendimento, por exemplo: <code>/detalhes 12</code>."


def ticket_list(page: TicketPage, zone: ZoneInfo) -> str:
    header = f"📂 <b>Seus atendimentos</b> — {page.total} no total"
    if page.page_count > 1:
        header += f" (página {page.page_number} de {page.page_count})"
    blocks = [header]
    for item in page.items:
        blocks.append(
            "\n".join(
                [
                    f"<b>Nº {item.number}</b> · {ticket_status(item.status)}",
                    f"Categoria: {esc(item.subject_name)}",
                    f"Descrição: {esc(shorten(item.description, 120))}",
                    f"Cadastro: {fmt_datetime(item.created_at, zone)} · Término: {fmt_datetime(item.closed_at, zone)}",
                ]
            )
        )
    return "\n\n".join(blocks)


def ticket_details(details: TicketDetails, zone: ZoneInfo) -> str:
    """Header then every stage with its notes; each line carries its own tags, so it can be split at any line."""
    lines = [
        f"📄 <b>Atendimento nº {details.number}</b>",
        f"Status: <b>{ticket_status(details.status)}</b>",
        f"Data cadastro: {fmt_datetime(details.created_at, zone)}",
    ]
    if details.closed_at is not None:
        lines.append(f"Data término: {fmt_datetime(details.closed_at, zone)}")
    lines.append(f"Tipo: {esc(details.type_name)}")
    lines.append(f"Assunto: {esc(details.subject_name)}")
    unit = place(details)
    if unit:
        lines.append(f"Unidade: {unit}")
    lines += description_lines(details)
    lines.append("")
    if not details.stages:
        lines.append("<i>Nenhuma etapa registrada ainda.</i>")
    for stage in details.stages:
        lines.append(f"<b>Etapa {stage.position} — {esc(stage.description)}</b>")
        lines.append(f"Status: {stage_status(stage.status)}")
        lines.append(f"Criação: {fmt_datetime(stage.created_at, zone)} · Conclusão: {fmt_datetime(stage.completed_at, zone)}")
        lines += note_lines(stage.notes, zone)
        lines.append("")
    return "\n".join(lines).rstrip()


# --- the customer cancels their own atendimento -----------------------------------------------------------------
def ask_cancel_reason(number: int) -> str:
    return (
        f"Por que você quer cancelar o atendimento <b>nº {number}</b>? Escreva o motivo em uma mensagem "
        "(ou /cancelar para desistir)."
    )


def cancelled_by_customer(number: int) -> str:
    return f"Atendimento <b>nº {number}</b> cancelado. A equipe foi avisada. Obrigado por nos contar o motivo."


CANCEL_KEPT = "Tudo bem, o atendimento continua aberto."
CANCEL_REASON_NOT_TEXT = "Preciso do motivo em <b>texto</b>: fotos, figurinhas, áudios e arquivos não servem aqui."
