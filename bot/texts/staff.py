"""Everything the bot says to staff: in the staff group and in a staff user's private chat (HTML, values escaped)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.texts.details import description_lines, note_lines, place
from bot.texts.format import esc, fmt_datetime, shorten
from bot.texts.labels import stage_status, ticket_status
from domain.statuses import StageStatus, TicketStatus
from domain.views import PendenciaView, StageView, TicketDetails

BUTTON_VIEW = "🔎 Ver"
BUTTON_RESOLVE = "✅ Resolver etapa {stage}"
BUTTON_NOTE = "💬 Nova observação"


def customer_cancelled(params: dict) -> str:
    return (
        f"❌ O cliente cancelou o atendimento <b>nº {params.get('ticket_number')}</b>.\n"
        f"Motivo: {esc(params.get('reason'))}"
    )


def delivery_parked(p: dict) -> str:
    return (
        f"⚠️ Uma notificação não pôde ser entregue e ficou retida ({esc(p.get('where'))}): "
        f"{esc(p.get('error'))}. Veja com <code>atendimento outbox list</code>."
    )


def error_report(kind: str, escaped_trace: str) -> str:
    return f"⚠️ <b>Erro no bot</b> ({esc(kind)}). Detalhes técnicos:\n<pre>{escaped_trace}</pre>"


def internal_message_post(kind: str, params: dict) -> str:
    from bot.texts import email as email_texts

    if kind == "email_falhou":
        return "📧 " + email_texts.email_failed(
            pendencia_id=params.get("pendencia_id"),
            ticket_number=params.get("ticket_number"),
            recipient=params.get("recipient", ""),
            reason=params.get("reason", "other"),
            detail=params.get("detail", ""),
            attempts=params.get("attempts", 1),
        )
    if kind == "cancelado_pelo_cliente":
        return customer_cancelled(params)
    if kind == "entrega_falhou":
        return delivery_parked(params)
    return f"📨 Mensagem interna: {esc(kind)}"


# --- the staff command menu (setMyCommands for the staff group) -----------------------------------------------------
COMMAND_MENU = [
    ("pendencias", "Pendências abertas (/pendencias minhas)"),
    ("ver", "Ver um atendimento: /ver número"),
    ("etapa", "Nova etapa: /etapa número descrição"),
    ("obs", "Observação: /obs número etapa texto"),
    ("resolver", "Resolver etapa: /resolver número etapa"),
    ("cancelar_etapa", "Cancelar etapa: /cancelar_etapa número etapa motivo"),
    ("retornar", "Marcar A Retornar: /retornar número"),
    ("encerrar", "Encerrar: /encerrar número"),
    ("cancelar_atendimento", "Cancelar: /cancelar_atendimento número motivo"),
    ("diag", "Diagnóstico do bot"),
    ("relatorio", "Relatório em gráficos: /relatorio [dias]"),
]

# --- who may use the staff commands ---------------------------------------------------------------------------------
WRONG_PLACE = (
    "Os comandos da equipe funcionam só no grupo da equipe ou no seu chat privado com o bot."
)

# --- usage of each command (wrong or missing arguments) -------------------------------------------------------------
USAGE = {
    "pendencias": "Uso: <code>/pendencias</code> (todas as pendências abertas) ou <code>/pendencias minhas</code> "
                  "(só as suas).",
    "ver": "Uso: <code>/ver número</code> — por exemplo <code>/ver 12</code>.",
    "etapa": "Uso: <code>/etapa número descrição</code> (a etapa fica com você) ou "
             "<code>/etapa número @login descrição</code> — por exemplo "
             "<code>/etapa 12 @maria Trocar o rejunte do box</code>.",
    "obs": "Uso: <code>/obs número etapa texto</code> — por exemplo "
           "<code>/obs 12 1 Vistoria agendada para sexta às 9h</code>.",
    "resolver": "Uso: <code>/resolver número etapa [observação]</code> — por exemplo "
                "<code>/resolver 12 1 Vedação da janela refeita</code>.",
    "cancelar_etapa": "Uso: <code>/cancelar_etapa número etapa motivo</code> — por exemplo "
                      "<code>/cancelar_etapa 12 2 Cliente fará o reparo por conta própria</code>.",
    "retornar": "Uso: <code>/retornar número</code> — por exemplo <code>/retornar 12</code>.",
    "encerrar": "Uso: <code>/encerrar número [observação]</code> — por exemplo "
                "<code>/encerrar 12 Cliente confirmou o reparo</code>.",
    "cancelar_atendimento": "Uso: <code>/cancelar_atendimento número motivo</code> — por exemplo "
                            "<code>/cancelar_atendimento 12 Aberto em duplicidade</code>.",
}

# --- domain errors as staff read them (everything not here comes from bot/texts/errors.py) --------------------------
STAFF_ERRORS = {
    "ticket_not_found": "Atendimento nº {ticket} não encontrado.",
    "stage_not_pending": "A etapa {stage} do atendimento nº {ticket} já está {status}: nada foi alterado.",
    "concurrent_change": (
        "Outra pessoa alterou o atendimento nº {ticket} neste mesmo instante e a sua alteração não foi gravada. "
        "Confira com /ver {ticket} e, se ainda fizer sentido, tente de novo."
    ),
}


def staff_error(code: str, ticket: object, params: dict) -> str | None:
    """The staff wording of a domain error, plain text; None: use the shared catalogue."""
    template = STAFF_ERRORS.get(code)
    if template is None:
        return None
    values = {"stage": "?", "status": "", **params, "ticket": ticket}
    return template.format(**values)


# --- what a change did --------------------------------------------------------------------------------------------
def _due_text(due: datetime | None, zone: ZoneInfo) -> str:
    return f"prazo {fmt_datetime(due, zone)}" if due is not None else "sem prazo"


def created_stage(position: int, description: str, responsible: str | None, due: datetime | None,
                  zone: ZoneInfo) -> str:
    who = esc(responsible) if responsible else "sem responsável"
    return f"etapa {position} — {esc(description)} ({who}, {_due_text(due, zone)})"


def status_now(number: int, status: TicketStatus | str) -> str:
    return f"Atendimento nº {number} agora está <b>{ticket_status(status)}</b>."


def note_added(number: int, position: int) -> str:
    return f"💬 Observação registrada na etapa {position} do atendimento nº {number}."


def stage_resolved(number: int, position: int, created: list[str]) -> str:
    text = f"✅ Etapa {position} do atendimento nº {number} resolvida"
    if created:
        text += "; criada a " + "; ".join(created)
    return text + "."


def stage_cancelled(number: int, position: int) -> str:
    return f"❌ Etapa {position} do atendimento nº {number} cancelada."


def stage_added(number: int, created: list[str]) -> str:
    return f"📌 Atendimento nº {number}: criada a " + "; ".join(created) + "."


def ticket_changed(number: int, status: TicketStatus | str) -> str:
    return status_now(number, status)


# --- /ver -----------------------------------------------------------------------------------------------------------
ORIGIN = {"bot": "Telegram", "portal": "Portal", "telefone": "Telefone", "balcao": "Balcão", "importacao": "Importação"}


def _stage_lines(stage: StageView, zone: ZoneInfo, now: datetime) -> list[str]:
    due = fmt_datetime(stage.due_at, zone, empty="sem prazo")
    if stage.status is StageStatus.PENDENTE and stage.due_at is not None and stage.due_at < now:
        due += " ⚠️ <b>atrasada</b>"
    return [
        f"<b>Etapa {stage.position} — {esc(stage.description)}</b> · {stage_status(stage.status)}",
        f"Responsável: {esc(stage.responsible_name) if stage.responsible_name else '<i>ninguém</i>'} · Prazo: {due}",
        f"Criação: {fmt_datetime(stage.created_at, zone)} · Conclusão: {fmt_datetime(stage.completed_at, zone)}",
        *note_lines(stage.notes, zone),
    ]


def ticket_for_staff(details: TicketDetails, zone: ZoneInfo, now: datetime) -> str:
    """Everything about one atendimento; every line carries its own tags, so it may be split at any line."""
    lines = [
        f"📄 <b>Atendimento nº {details.number}</b> · {ticket_status(details.status)}",
        f"Cliente: <b>{esc(details.customer_name)}</b>",
    ]
    unit = place(details)
    if unit:
        items = f" ({esc(', '.join(details.unit_items))})" if details.unit_items else ""
        lines.append(f"Unidade: {unit}{items}")
    lines += [
        f"Tipo: {esc(details.type_name)} · Assunto: {esc(details.subject_name)}",
        f"Origem: {esc(ORIGIN.get(details.origin, details.origin))}",
        f"Cadastro: {fmt_datetime(details.created_at, zone)} · Término: {fmt_datetime(details.closed_at, zone)}",
        *description_lines(details),
        "",
    ]
    if not details.stages:
        lines.append("<i>Nenhuma etapa registrada.</i>")
    for stage in details.stages:
        lines += _stage_lines(stage, zone, now)
        lines.append("")
    return "\n".join(lines).rstrip()


BUTTON_NOTE_STAGE = "💬 Observação na etapa {stage}"


# --- /pendencias ----------------------------------------------------------------------------------------------------
def pendencia_list(items: list[PendenciaView], total: int, zone: ZoneInfo, now: datetime, *, mine: bool) -> str:
    if not items:
        return "Você não tem pendências abertas. 🎉" if mine else "Nenhuma pendência aberta. 🎉"
    title = "Suas pendências abertas" if mine else "Pendências abertas"
    lines = [f"📋 <b>{title}</b> ({total})"]
    for p in items:
        who = esc(p.responsible_name) if p.responsible_name else "<i>sem responsável</i>"
        late = " ⚠️ <b>atrasada</b>" if p.is_overdue(now) else ""
        lines.append(
            f"• <b>nº {p.ticket_number}</b> · etapa {p.stage_position} — {esc(shorten(p.stage_description, 60))} · "
            f"{esc(shorten(p.customer_name, 40))} · {who} · {_due_text(p.due_at, zone)}{late}"
        )
    if total > len(items):
        lines.append("")
        lines.append(f"Mostrando as {len(items)} de prazo mais próximo, de {total}. Use /ver número para cada uma.")
    return "\n".join(lines)


# --- buttons of a pendência that need text: a ForceReply addressed to whoever pressed -------------------------------
def mention(telegram_user_id: int, name: str) -> str:
    return f'<a href="tg://user?id={telegram_user_id}">{esc(name) or "você"}</a>'


def ask_note(who: str, number: int, position: int) -> str:
    return (
        f"💬 {who}, escreva a observação para a <b>etapa {position}</b> do atendimento <b>nº {number}</b> "
        "respondendo a esta mensagem."
    )


def ask_resolution(who: str, number: int, position: int, description: str) -> str:
    return (
        f"✅ {who}, para resolver a <b>etapa {position} — {esc(description)}</b> do atendimento <b>nº {number}</b>, "
        "responda a esta mensagem com a observação da resolução, ou com um hífen (<code>-</code>) para resolver "
        "sem observação."
    )


PLACEHOLDER_NOTE = "Observação da etapa {stage}"
PLACEHOLDER_RESOLUTION = "Como foi resolvida (ou -)"
TOAST_ASK_NOTE = "Escreva a observação respondendo à mensagem do bot."
TOAST_ASK_RESOLUTION = "Responda à mensagem do bot para confirmar."
NO_OBSERVATION = ("-", "—", "–")  # a reply that means "resolve without an observation"
REPLY_WITH_TEXT = "Responda com um texto, por favor."
BAD_STAFF_BUTTON = "Este botão não é válido. Use /ver número para ver o atendimento."


# --- the staff group's life: demo adoption, a new group, a migration ---------------------------------------------
DEMO_GROUP_ADOPTED = (
    "🧪 <b>Demonstração</b>: este grupo agora é o grupo da equipe. As pendências dos novos atendimentos aparecem "
    "aqui, com botões, e qualquer membro do grupo pode usar os comandos da equipe (/pendencias, /ver, /resolver…). "
    "Para fazer o papel do cliente, fale com o bot no privado e envie /start."
)


def group_not_configured(chat_id: int) -> str:
    return (
        "Olá! Ainda não há grupo da equipe configurado. Para que este grupo receba as pendências, coloque "
        f"<code>staff_chat_id: {chat_id}</code> na seção config do catálogo e rode <code>atendimento import</code>."
    )


GROUP_MOVED = (
    "ℹ️ Este grupo virou supergrupo e mudou de id; o cadastro do grupo da equipe já foi atualizado."
)

# --- /diag ----------------------------------------------------------------------------------------------------------
DIAG_TITLE = "🩺 <b>Diagnóstico do bot</b>"
OK, WARN = "✅", "⚠️"


def diag_group_missing(here: int | None) -> str:
    text = (
        f"{WARN} Grupo da equipe: não configurado. Adicione o bot ao grupo da equipe e coloque o id dele em "
        "<code>staff_chat_id</code> (seção config do catálogo); depois rode <code>atendimento import</code>."
    )
    if here is not None:
        text += f" O id deste grupo é <code>{here}</code>."
    return text


def diag_group_ok(title: str, chat_id: int) -> str:
    return f"{OK} Grupo da equipe: «{esc(title)}» (id <code>{chat_id}</code>)."


def diag_group_moved(old: int, new: int, title: str) -> str:
    return (
        f"{OK} Grupo da equipe: «{esc(title)}» virou supergrupo e mudou de id (<code>{old}</code> → "
        f"<code>{new}</code>); o novo id já foi gravado. Atualize também o staff_chat_id do catálogo, para que "
        "um novo <code>atendimento import</code> não volte ao id antigo."
    )


def diag_group_unreachable(chat_id: int, error: str) -> str:
    return (
        f"{WARN} Grupo da equipe: o bot não consegue acessar o grupo configurado (id <code>{chat_id}</code>: "
        f"{esc(error)}). Confira se o bot ainda está no grupo e se o staff_chat_id do catálogo está certo."
    )


def diag_admin(is_admin: bool, status: str) -> str:
    if is_admin:
        return f"{OK} O bot é administrador do grupo da equipe."
    return (
        f"{WARN} O bot não é administrador do grupo da equipe (situação: {esc(status)}). Promova-o a administrador "
        "nas configurações do grupo: assim ele recebe os comandos e as respostas da equipe sem depender do modo "
        "de privacidade."
    )


def diag_privacy(is_admin: bool, reads_all: bool, bot_username: str) -> str:
    if is_admin:
        return f"{OK} Modo de privacidade: como administrador, o bot recebe todas as mensagens do grupo."
    if reads_all:
        return f"{OK} Modo de privacidade desativado: o bot recebe todas as mensagens do grupo."
    return (
        f"{WARN} Modo de privacidade ativo e o bot não é administrador: comandos sem "
        f"<code>@{esc(bot_username)}</code> podem não chegar ao bot. Promova o bot a administrador do grupo ou, "
        "no @BotFather, use /setprivacy → Disable."
    )


def diag_email_off() -> str:
    return (
        f"{OK} E-mail externo desligado (send_external_email: false): as pendências não são enviadas por e-mail."
    )


_SMTP_ADVICE = {
    "no_smtp": "Preencha smtp (host, porta, remetente, usuário e senha) deste usuário no catálogo.",
    "secret": "Confira ATENDIMENTO_SECRET_KEY no .env e reimporte o catálogo (`atendimento import`).",
    "connection": "Confira o servidor (host), a porta e se a rede deixa o bot chegar até ele.",
    "timeout": "Confira o servidor (host), a porta e se a rede deixa o bot chegar até ele.",
    "tls": "Confira starttls / TLS implícito e a porta (587 com STARTTLS, 465 com TLS implícito).",
    "auth": "Confira o usuário e a senha do SMTP deste usuário no catálogo.",
}
_SMTP_ADVICE_DEFAULT = "Confira as configurações de SMTP deste usuário no catálogo."


def diag_smtp(line: str, reason: str | None) -> str:
    """`line` is bot/texts/email.smtp_check's sentence (escaped already)."""
    if reason is None:
        return f"{OK} {line}"
    return f"{WARN} {line} {_SMTP_ADVICE.get(reason, _SMTP_ADVICE_DEFAULT)}"


def diag_smtp_without_tls(name: str) -> str:
    return (f"{WARN} SMTP de {esc(name)}: sem starttls nem implicit_tls, a senha vai ao servidor sem criptografia. "
            "Ligue starttls: true (porta 587) ou implicit_tls: true (porta 465) no catálogo.")


def diag_no_responsibles() -> str:
    return f"{WARN} Nenhum responsável cadastrado: configure responsible no catálogo."


PRIVATE_HINT = (
    "Você está cadastrado como equipe da construtora. Aqui funcionam os comandos da equipe: /pendencias, "
    "/ver <i>número</i>, /etapa, /obs, /resolver, /cancelar_etapa, /retornar, /encerrar, /cancelar_atendimento e /diag."
)
