"""Texts for operators (the command line): catalogue import errors and summaries, the demo catalogue."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from storage.catalogue import Count, ImportSummary, Problem, format_loc

MAX_ERROR_LINES = 20

ENTITY = {
    "staff": "usuário",
    "ticket_type": "tipo de atendimento",
    "empreendimento": "empreendimento",
    "obra": "obra",
    "unit": "unidade",
    "subject": "assunto",
    "customer": "cliente",
}

_YAML_PROBLEMS = {
    "mapping values are not allowed here": "':' fora de lugar (um texto com ':' precisa de aspas, ou a indentação "
                                           "está errada)",
    "mapping values are not allowed in this context": "':' fora de lugar (um texto com ':' precisa de aspas, ou a "
                                                      "indentação está errada)",
    "could not find expected ':'": "faltou ':' depois do nome de um campo",
    "found character that cannot start any token": "caractere que não pode começar um valor (tabulação na "
                                                   "indentação? use espaços)",
    "did not find expected key": "indentação inconsistente (esperava um campo)",
    "did not find expected '-' indicator": "indentação inconsistente numa lista (esperava '-')",
    "did not find expected node content": "esperava um valor",
    "found unexpected end of stream": "o arquivo terminou no meio de um valor (aspas sem fechar?)",
    "did not find expected ',' or ']'": "faltou ',' ou ']' numa lista entre colchetes",
    "did not find expected ',' or '}'": "faltou ',' ou '}' num bloco entre chaves",
    "found unknown escape character": "sequência de escape desconhecida num texto entre aspas duplas",
    "found a tab character that violates indentation": "tabulação na indentação: use espaços",
    "found a tab character where an indentation space is expected": "tabulação na indentação: use espaços",
}

_JSON_PROBLEMS = {
    "Expecting value": "esperava um valor",
    "Expecting ',' delimiter": "faltou ','",
    "Expecting ':' delimiter": "faltou ':'",
    "Expecting property name enclosed in double quotes": "esperava o nome de um campo entre aspas duplas "
                                                         "(vírgula sobrando?)",
    "Unterminated string starting at": "texto entre aspas sem fechar",
    "Extra data": "há conteúdo depois do fim do JSON",
    "Invalid control character at": "caractere de controle dentro de um texto",
    "Invalid \\escape": "sequência de escape inválida",
    "Invalid \\uXXXX escape": "sequência \\u inválida",
}


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".replace(".", ",") + " MB"


def _column(p: Mapping[str, Any]) -> str:
    return f" (coluna {p['column']})" if p.get("column") else ""


def _fields(p: Mapping[str, Any]) -> str:
    return f"; os campos aceitos aqui são: {', '.join(p['fields'])}" if p.get("fields") else ""


def _kind(p: Mapping[str, Any]) -> str:
    return {"dict": "um bloco de campos", "list": "uma lista", "NoneType": "vazio", "str": "um texto",
            "int": "um número", "bool": "verdadeiro/falso", "float": "um número decimal",
            "SpelledNumber": "um número", "date": "uma data", "datetime": "uma data e hora"}.get(p.get("kind", ""), "")


def _got(p: Mapping[str, Any]) -> str:
    if p.get("kind") in ("dict", "list", "NoneType"):
        return f" (encontrado: {_kind(p)})"
    return f" (encontrado: {p['input']})" if "input" in p else ""


def _document(p: Mapping[str, Any]) -> str:
    why = ("dígitos verificadores não conferem" if p.get("reason") == "check_digits"
           else "um CPF tem 11 dígitos e um CNPJ 14 caracteres")
    return f"CPF/CNPJ inválido ({why})"


MESSAGES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    # the file
    "file_not_found": lambda p: "arquivo não encontrado",
    "file_is_directory": lambda p: "é uma pasta, não um arquivo",
    "file_unreadable": lambda p: f"não foi possível ler o arquivo ({p['reason']})",
    "file_too_large": lambda p: f"arquivo grande demais ({_size(p['size'])}; o limite é {_size(p['limit'])})",
    "file_empty": lambda p: "arquivo vazio: nenhuma seção encontrada",
    "not_utf8": lambda p: (
        "o arquivo está em UTF-16; salve-o como UTF-8" if p.get("utf16")
        else f"o arquivo não está em UTF-8 (byte {p['byte']}); salve-o como UTF-8"
    ),
    "yaml_syntax": lambda p: "erro de sintaxe YAML" + _column(p) + ": "
                             + _YAML_PROBLEMS.get(p.get("problem", ""), p.get("problem", "")),
    "yaml_bad_character": lambda p: f"caractere não permitido em YAML ({p['character']})",
    "yaml_anchor": lambda p: "âncoras e aliases do YAML (&nome, *nome, <<) não são aceitos: escreva cada valor "
                             "por extenso",
    "yaml_tag": lambda p: f"marcações de tipo do YAML ({p['tag']}) não são aceitas",
    "yaml_multiple_documents": lambda p: "o arquivo tem mais de um documento YAML ('---'); use um só",
    "json_syntax": lambda p: "erro de sintaxe JSON" + _column(p) + ": "
                             + _JSON_PROBLEMS.get(p.get("problem", ""), p.get("problem", "")),
    "too_deep": lambda p: "blocos aninhados demais para um catálogo",
    "duplicate_key": lambda p: f"o campo '{p['key']}' aparece duas vezes no mesmo bloco",
    "complex_key": lambda p: "nome de campo inválido: use um nome simples",
    "not_a_mapping": lambda p: "o arquivo deve ser um bloco de seções (config, staff, ticket_types, subjects, "
                               f"empreendimentos, units, customers, tickets), não {_kind(p) or p.get('kind')}",
    # one value
    "unknown_section": lambda p: f"seção desconhecida; as seções são: {', '.join(p['sections'])}",
    "extra_forbidden": lambda p: "campo desconhecido" + _fields(p),
    "missing": lambda p: "campo obrigatório ausente",
    "int_type": lambda p: "deve ser um número inteiro" + _got(p),
    "string_type": lambda p: "deve ser um texto" + _got(p),
    "bool_type": lambda p: "deve ser true ou false" + _got(p),
    "list_type": lambda p: "deve ser uma lista" + _got(p),
    "dict_type": lambda p: "deve ser um bloco de campos" + _got(p),
    "blank": lambda p: "não pode ficar vazio",
    "too_short": lambda p: f"precisa de pelo menos {p.get('min_length', 1)} item(ns)",
    "string_too_long": lambda p: f"texto longo demais (máximo de {p['max_length']} caracteres)",
    "greater_than_equal": lambda p: f"deve ser maior ou igual a {p['ge']}" + _got(p),
    "less_than_equal": lambda p: f"deve ser menor ou igual a {p['le']}" + _got(p),
    "choice": lambda p: f"valor inválido {p.get('input', '')}; use um destes: "
                        + str(p.get("expected", "")).replace(" or ", " ou "),
    "datetime_type": lambda p: "data e hora inválidas" + _got(p) + "; use ISO 8601 com fuso, como "
                               "2025-03-14T09:30:00-03:00",
    "datetime_without_time": lambda p: "falta a hora e o fuso; use ISO 8601, como 2025-03-14T09:30:00-03:00",
    "timezone_aware": lambda p: "data e hora sem fuso horário; inclua o deslocamento, como 2025-03-14T09:30:00-03:00",
    "document_invalid": _document,
    "phone_invalid": lambda p: f"telefone inválido {p['phone']!r}: use DDD e número, como +55 11 99999-0001",
    "email_invalid": lambda p: f"e-mail inválido {p['email']!r}",
    "weekly_report_invalid": lambda p: f"agenda inválida {p['value']!r}: use dia da semana e hora, como "
                                       "\"mon 08:00\" (mon, tue, wed, thu, fri, sat, sun; ou seg, ter, qua, qui, "
                                       "sex, sab, dom)",
    "login_invalid": lambda p: f"login inválido {p['login']!r}: de 2 a 60 caracteres entre a-z, 0-9, '.', '_' e '-'",
    "quote_it": lambda p: (f"o YAML leu {p.get('input', 'este valor')} como {_kind(p) or 'outro tipo'}, não como "
                           "texto: escreva entre aspas" + (f", como \"{p['input']}\""
                                                           if p.get("kind") in ("int", "SpelledNumber") else "")),
    "number_spelling": lambda p: (f"número escrito de um jeito ambíguo ({p.get('input', '')}): escreva só os "
                                  "algarismos, sem zeros à esquerda, '_' ou ':'"),
    "invalid_character": lambda p: "o texto tem um caractere inválido (um \\u de surrogate sozinho); apague-o",
    "control_character": lambda p: "o texto tem um caractere de controle (invisível); apague-o",
    "datetime_out_of_range": lambda p: f"data fora do intervalo aceito ({p.get('input', '')}): use um ano entre "
                                       "1900 e 2200",
    "secret_key_missing": lambda p: ("para guardar senhas SMTP, defina ATENDIMENTO_SECRET_KEY no .env (gere uma com "
                                     "`atendimento secret-key`); a senha é gravada criptografada com ela"),
    # several entries
    "duplicate": lambda p: f"{p['what']} {p['value']} repetido" + (
        f" (já usado na linha {p['first_line']})" if p.get("first_line") else ""),
    "unknown_reference": lambda p: f"{ENTITY.get(p['entity'], p['entity'])} {p['value']} não existe "
                                   "(nem no arquivo nem no banco)",
    "obra_elsewhere": lambda p: f"a obra {p['obra']} é do empreendimento {p['owner']}, não do {p['empreendimento']}",
    "document_taken": lambda p: f"este CPF/CNPJ já é do cliente {p['owner']} no banco",
    "telegram_taken": lambda p: f"este telegram_user_id já é do usuário {p['login']} no banco",
    "smtp_tls_conflict": lambda p: "use starttls ou implicit_tls, não os dois",
    "smtp_credentials": lambda p: "informe username e password juntos (ou nenhum dos dois)",
    # the history's status rules
    "closed_at_required": lambda p: f"um atendimento {p['status']} precisa de closed_at (Data Término)",
    "closed_at_forbidden": lambda p: f"um atendimento {p['status']} não tem closed_at (Data Término)",
    "cancel_reason_forbidden": lambda p: f"só um atendimento Cancelado tem cancel_reason (este está {p['status']})",
    "completed_at_required": lambda p: f"uma etapa {p['status']} precisa de completed_at (Conclusão)",
    "completed_at_forbidden": lambda p: "uma etapa Pendente não tem completed_at (Conclusão)",
    "resolved_stage_in_cancelled_ticket": lambda p: "um atendimento Cancelado não pode ter etapa Resolvida",
    "pending_stage_in_final_ticket": lambda p: f"um atendimento {p['status']} não pode ter etapa Pendente",
    "earlier_than": lambda p: f"data anterior a {p['other']}",
    # the database
    "database_refused": lambda p: f"o banco de dados recusou a gravação: {p['detail']}",
}


def problem_message(problem: Problem) -> str:
    render = MESSAGES.get(problem.code)
    if render is None:
        detail = problem.params.get("detail")
        return f"valor inválido ({detail})" if detail else f"problema: {problem.code}"
    return render(problem.params)


def problem_line(source: str, problem: Problem) -> str:
    """`catalogo.yaml, linha 14, customers[2].cpf: CPF/CNPJ inválido (dígitos verificadores não conferem)`."""
    where = [source]
    if problem.line is not None:
        where.append(f"linha {problem.line}")
    if problem.loc:
        where.append(format_loc(problem.loc))
    return f"{', '.join(where)}: {problem_message(problem)}"


def refusal_lines(source: str, problems: Sequence[Problem], limit: int = MAX_ERROR_LINES) -> list[str]:
    ordered = sorted(problems, key=lambda p: (p.line is None, p.line or 0))
    lines = [problem_line(source, p) for p in ordered[:limit]]
    if len(ordered) > limit:
        rest = len(ordered) - limit
        lines.append(f"… e mais {rest} erro{'s' if rest != 1 else ''}.")
    return lines


def refused(source: str, count: int) -> str:
    return (f"catálogo {source} recusado ({count} erro{'s' if count != 1 else ''}); nada foi gravado "
            "e o banco continua como estava.")


# --- summaries ----------------------------------------------------------------------------------------------------
def _count(count: Count, singular: str, plural: str, feminine: bool = False) -> str | None:
    if count.total == 0:
        return None
    new, changed = ("nova", "alterada") if feminine else ("novo", "alterado")
    parts = []
    if count.inserted:
        parts.append(f"{count.inserted} {new}{'s' if count.inserted != 1 else ''}")
    if count.updated:
        parts.append(f"{count.updated} {changed}{'s' if count.updated != 1 else ''}")
    if count.unchanged:
        parts.append(f"{count.unchanged} sem mudança")
    return f"{count.total} {singular if count.total == 1 else plural} ({', '.join(parts)})"


def _sections(summary: ImportSummary) -> list[str]:
    return [part for part in (
        _count(summary.staff, "usuário", "usuários"),
        _count(summary.ticket_types, "tipo de atendimento", "tipos de atendimento"),
        _count(summary.subjects, "assunto", "assuntos"),
        _count(summary.empreendimentos, "empreendimento", "empreendimentos"),
        _count(summary.obras, "obra", "obras", feminine=True),
        _count(summary.units, "unidade", "unidades", feminine=True),
        _count(summary.customers, "cliente", "clientes"),
    ) if part]


def _history(summary: ImportSummary) -> str:
    new, old = summary.tickets_inserted, summary.tickets_existing
    plural = "s" if new != 1 else ""
    text = f"histórico: {new} atendimento{plural} novo{plural}"
    if old:
        plural = "s" if old != 1 else ""
        text += f" e {old} já existente{plural}, mantido{plural} como estava{'m' if old != 1 else ''}"
    return text


def import_summary(summary: ImportSummary) -> str:
    parts = [", ".join(_sections(summary) or ["nenhum cadastro"])]
    if summary.tickets_inserted or summary.tickets_existing:
        parts.append(_history(summary))
    if summary.config_changed:
        parts.append("configuração atualizada")
    return f"Catálogo importado de {summary.source}: {'; '.join(parts)}."


def _n(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def _some(count: int, singular: str, plural: str) -> str | None:
    return _n(count, singular, plural) if count else None


def demo_removed(summary: ImportSummary) -> str | None:
    """Going live: what of the demo was removed (storage/catalogue/go_live.py)."""
    removed = summary.demo_removed
    if removed is None:
        return None
    staff = _n(removed.count("staff_users"), "usuário", "usuários")
    if removed.staff_from_group:
        staff += f" ({_n(removed.staff_from_group, 'entrou', 'entraram')} pelo grupo de demonstração)"
    customers = _n(removed.count("customers"), "cliente", "clientes")
    if removed.visitors:
        customers += f" ({_n(removed.visitors, 'visitante', 'visitantes')})"
    parts = [
        staff, customers,
        _some(removed.count("customer_phones"), "telefone", "telefones"),
        _n(removed.count("tickets"), "atendimento", "atendimentos"),
        _some(removed.count("stages"), "etapa", "etapas"),
        _some(removed.count("notes"), "observação", "observações"),
        _some(removed.count("pendencias"), "pendência", "pendências"),
        _some(removed.count("internal_messages"), "mensagem interna", "mensagens internas"),
        _some(removed.count("outbox"), "notificação", "notificações"),
        _some(removed.count("conversations"), "conversa em andamento",
              "conversas em andamento"),
        _some(removed.count("units"), "unidade", "unidades"),
        _some(removed.count("subjects"), "assunto", "assuntos"),
    ]
    text = "Demonstração removida antes da importação: " + ", ".join(p for p in parts if p)
    if removed.staff_group is not None:
        text += f"; o grupo {removed.staff_group} deixou de ser o grupo da equipe"
    return text + ". Modo demonstração desligado; números e ids recomeçam do catálogo real."


def deactivations(summary: ImportSummary) -> list[str]:
    """Everyone the import deactivated or unlinked, by name (SPEC.md: each section present is the whole truth)."""
    lines = []
    if summary.staff_deactivated_missing:
        lines.append("Usuários desativados (fora da seção staff): "
                     + ", ".join(f"{login} ({name})" for login, name in summary.staff_deactivated_missing) + ".")
    if summary.staff_deactivated_explicitly:
        lines.append("Usuários desativados (active: false): "
                     + ", ".join(f"{login} ({name})" for login, name in summary.staff_deactivated_explicitly) + ".")
    if summary.customers_unlinked:
        lines.append("Clientes fora da seção customers, sem unidades, telefones e Telegram (atendimentos mantidos): "
                     + ", ".join(f"{customer_id} ({name})" for customer_id, name in summary.customers_unlinked)
                     + ".")
    return lines


def import_report(summary: ImportSummary) -> list[str]:
    """What `atendimento import` prints, line by line."""
    lines = [line for line in (demo_removed(summary),) if line]
    lines.append(import_summary(summary))
    lines.extend(deactivations(summary))
    return lines


def demo_loaded(summary: ImportSummary) -> str:
    sections = _sections(summary)
    return (f"Catálogo de demonstração carregado: {', '.join(sections)}; {_history(summary)}. "
            "Modo demonstração ativo.")


DEMO_REFUSED_REAL_CATALOGUE = (
    "Este banco já tem um catálogo real (clientes importados, modo demonstração desligado): "
    "`atendimento demo` só carrega dados fictícios num banco vazio ou de demonstração."
)
DEMO_REFUSED_BROKEN = "O catálogo de demonstração embutido no pacote está com problemas (veja acima): avise o suporte."
DATABASE_NOT_MIGRATED = "O banco de dados ainda não foi preparado: rode `atendimento migrate` antes de importar."


# --- atendimento outbox ---------------------------------------------------------------------------------------------
# Why a notification was not sent, as `outbox list` shows it (rows refused by Telegram start with its HTTP status).
PARKED_CUSTOMER_UNREACHABLE = "403 cliente marcado como inacessível (bloqueou o bot ou desativou a conta)"
PARKED_REFUSED_BEFORE = "403 o Telegram já recusou este chat (bot bloqueado ou removido do grupo)"
SKIPPED_CUSTOMER_NOT_LINKED = "cliente sem conta do Telegram vinculada"
SKIPPED_STAFF_NOT_LINKED = "usuário sem Telegram vinculado"
WAITING_FOR_GROUP = "aguardando a configuração do grupo da equipe"


def queue_label(queue: str) -> str:
    """Where a delivery queue goes, in words: "g" → the staff group, "c:12" → customer 12, and so on."""
    from domain.notifications import Audience, parse_queue

    match parse_queue(queue):
        case (Audience.STAFF_GROUP, _):
            return "grupo da equipe"
        case (Audience.CUSTOMER, number):
            return f"cliente {number}"
        case (Audience.STAFF_USER, number):
            return f"chat privado do usuário {number}"
        case (Audience.EMAIL, number):
            return f"e-mail do usuário {number}"
    return queue


KIND_LABELS = {
    "stage_created": "nova etapa",
    "stage_status": "etapa resolvida/cancelada",
    "note_added": "observação",
    "ticket_status": "status do atendimento",
    "pendencia": "pendência",
    "internal_message": "mensagem interna",
    "customer_unreachable": "cliente inacessível",
    "reminder_digest": "resumo de atrasadas",
    "reminder": "lembrete",
}


def _age(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def outbox_stats(stats, now) -> str:
    """`atendimento outbox stats`: one line per state, and how long the oldest undelivered notification has waited."""
    lines = [
        "Notificações:",
        f"  pendentes:   {stats.pending}" + (f" ({stats.retrying} aguardando nova tentativa)" if stats.retrying else ""),
        f"  em envio:    {stats.claimed}",
        f"  entregues:   {stats.delivered}",
        f"  retidas:     {stats.parked}" + ("  → veja com `atendimento outbox list`" if stats.parked else ""),
        f"  não enviadas (sem destinatário ou já avisadas): {stats.skipped}",
    ]
    if stats.oldest_pending_at is None:
        lines.append("Mais antiga ainda não entregue: nenhuma, a fila está vazia.")
    else:
        seconds = max(0, int((now - stats.oldest_pending_at).total_seconds()))
        lines.append(f"Mais antiga ainda não entregue: há {_age(seconds)}.")
    return "\n".join(lines)


OUTBOX_NOTHING_PARKED = "Nenhuma notificação retida."
OUTBOX_PARKED_HEADER = "id\tcriada em\tdestino\ttipo\ttentativas\tmotivo"


def outbox_parked_line(row, error: str | None, zone) -> str:
    from bot.texts.format import fmt_datetime

    from domain.notifications import PayloadError

    try:
        number = getattr(row.notice(), "ticket_number", None)
    except PayloadError:
        number = None
    ticket = f" (atendimento nº {number})" if number else ""
    return (
        f"{row.id}\t{fmt_datetime(row.created_at, zone)}\t{queue_label(row.queue)}\t"
        f"{KIND_LABELS.get(row.kind, row.kind)}{ticket}\t"
        f"{row.attempts}\t{error or ''}"
    )


def outbox_parked_more(limit: int) -> str:
    return f"(mostrando as {limit} mais antigas; use --limit para ver mais)"


def outbox_retried(count: int) -> str:
    if count == 0:
        return "Nenhuma notificação retida para reenviar."
    if count == 1:
        return "1 notificação devolvida à fila; a entrega a envia em seguida."
    return f"{count} notificações devolvidas à fila; a entrega as envia em seguida, na ordem em que foram criadas."


# --- atendimento audit ---------------------------------------------------------------------------------------------
AUDIT_HEADER = "quando\tquem\tchat\tação\tatendimento\tdetalhes"
AUDIT_NOTHING = "Nenhum registro de auditoria com esses filtros."
_ACTOR_KINDS = {"staff": "equipe", "customer": "cliente", "operator": "operador", "system": "sistema"}


def audit_line(entry, zone) -> str:
    """One tab-separated line per entry (a spreadsheet opens it as it is)."""
    from bot.texts.format import fmt_datetime

    who = entry.actor if entry.actor_kind.value in ("customer", "operator", "system") else \
        f"{_ACTOR_KINDS[entry.actor_kind.value]} {entry.actor}"
    details = "; ".join(f"{key}={value}" for key, value in sorted(entry.details.items()))
    return "\t".join([
        fmt_datetime(entry.at, zone), who, "—" if entry.chat_id is None else str(entry.chat_id), str(entry.action),
        "—" if entry.ticket_number is None else f"nº {entry.ticket_number}", details or "—",
    ])


def audit_more(limit: int) -> str:
    return f"… mostrados os primeiros {limit}; use --since ou --limit para ver outros."


# --- atendimento privacy -------------------------------------------------------------------------------------------
PRIVACY_NOBODY = "Nenhum cliente com esse CPF/CNPJ (já anonimizado, ou nunca cadastrado). Nada foi alterado."


def privacy_invalid_document(raw: str) -> str:
    return f"CPF/CNPJ inválido: {raw!r}. Nada foi alterado."


def privacy_anonymized(customer_id: int, tickets: int, messages: int, files: int) -> str:
    return (f"Cliente {customer_id} anonimizado: {tickets} atendimento(s) mantidos para estatística, "
            f"{messages} mensagem(ns) removida(s), {files} arquivo(s) apagado(s).")
