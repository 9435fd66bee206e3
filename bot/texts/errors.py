"""What each domain error means to a person (by the error's code)."""
from __future__ import annotations

from domain.errors import DomainError

_MESSAGES = {
    "ticket_not_found": "Atendimento não encontrado. Confira o número em /meus.",
    "stage_not_found": "A etapa {stage} não existe no atendimento {ticket}.",
    "staff_not_found": "Não encontrei o usuário {login} entre os responsáveis cadastrados.",
    "customer_not_found": "Nenhum cliente com o CPF/CNPJ {document} no cadastro.",
    "ticket_is_final": "O atendimento {ticket} está {status} e não pode mais ser alterado.",
    "stage_not_pending": "A etapa {stage} já está {status}.",
    "stages_still_pending": "Ainda há etapas pendentes ({stages_text}): resolva ou cancele cada uma antes.",
    "cancel_after_resolution": "O atendimento {ticket} já tem etapa resolvida e por isso não pode ser cancelado.",
    "invalid_transition": "O atendimento {ticket} está {status} e não pode passar para {to}.",
    "choice_not_allowed": "Essa opção não está disponível para você. Escolha uma das opções mostradas.",
    "following_not_offered": (
        "O acompanhamento de atendimentos não é oferecido por este canal. Para saber do andamento, "
        "fale com a construtora pelos canais de costume."
    ),
    "concurrent_change": "Outra pessoa alterou este atendimento agora mesmo. Confira como ele ficou e tente de novo.",
    "not_authorised": "Este comando é só para a equipe da construtora.",
    "link_refused": (
        "Não consegui vincular sua conta com esses dados. Confira se você compartilhou o seu próprio número, "
        "ou peça à construtora um código de convite."
    ),
    "too_many_attempts": "Muitas tentativas sem sucesso. Tente de novo daqui a {minutes} minuto(s).",
    "invalid_document": "CPF/CNPJ inválido: {document}.",
    "nothing_to_open": (
        "Não encontrei unidades suas com assuntos disponíveis para abrir um atendimento por aqui. "
        "Fale com a construtora pelos canais de costume."
    ),
    "no_draft": "Não há abertura de atendimento em andamento. Use /novo para começar.",
    "no_draft:outdated": (
        "As opções de atendimento mudaram enquanto você escolhia, então esta abertura foi encerrada sem registrar "
        "nada. Use /novo para começar de novo."
    ),
    "stale_button": "Este botão é de uma mensagem antiga. Use os botões da mensagem mais recente.",
    "link_changed": (
        "Esta conta foi desvinculada ou substituída depois que esta abertura começou, então nada foi registrado. "
        "Use /start para vincular sua conta e /novo para recomeçar."
    ),
    "attachment_too_big": (
        "Este arquivo passa de 20 MB, o limite que o Telegram permite ao bot baixar. Envie uma foto (o Telegram a "
        "reduz) ou um arquivo menor."
    ),
    "unsupported_content": (
        "Não consigo guardar esse tipo de mensagem. Envie texto, fotos, vídeos, documentos ou mensagens de voz."
    ),
    "too_many_attachments": "No máximo {limit} anexos por atendimento na abertura. Os demais não foram guardados.",
    "empty_message": "A mensagem está vazia. Escreva um texto ou envie um arquivo.",
    "message_rate_exceeded": "Você enviou muitas mensagens em pouco tempo. Aguarde um minuto e tente de novo.",
    "stored_file_missing": "Este arquivo não está mais disponível.",
}

_TEXT_PROBLEMS = {
    "empty": "O texto está vazio. Escreva com suas palavras, por favor.",
    "too_short": "Está curto demais: escreva pelo menos {min_words} palavras ({min_chars} letras) explicando o que houve.",
    "too_long": "Está longo demais: são {length} caracteres e o limite é {max_chars}. Resuma um pouco, por favor.",
}


def error_message(error: DomainError) -> str:
    """Plain text (escape it before sending with a parse mode)."""
    params = dict(error.params)
    if error.code == "invalid_text":
        template = _TEXT_PROBLEMS.get(params.get("problem", ""), _TEXT_PROBLEMS["empty"])
        params.setdefault("min_words", 1)
        params.setdefault("min_chars", 1)
    else:
        template = _MESSAGES.get(f"{error.code}:{params.get('reason')}") or _MESSAGES.get(
            error.code, "Não foi possível fazer isso agora."
        )
    if "stages" in params:
        params["stages_text"] = ", ".join(str(s) for s in params["stages"])
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template.split("{")[0].rstrip(" :(") + "."
