"""Labels shared by customers' and staff's texts: statuses, steps, buttons."""
from __future__ import annotations

from domain.statuses import StageStatus, TicketStatus

TICKET_STATUS_ICON = {
    TicketStatus.ABERTO: "🟡",
    TicketStatus.A_RETORNAR: "📞",
    TicketStatus.ENCERRADO: "✅",
    TicketStatus.CANCELADO: "❌",
}
STAGE_STATUS_ICON = {
    StageStatus.PENDENTE: "⏳",
    StageStatus.RESOLVIDA: "✅",
    StageStatus.CANCELADA: "❌",
}

STEP_NAMES = {
    "tipo": "Tipo",
    "assunto": "Assunto",
    "empreendimento": "Empreendimento",
    "unidade": "Unidade",
    "descricao": "Descrição",
}

BUTTON_BACK = "⬅️ Voltar"
BUTTON_CANCEL = "✖️ Cancelar"
BUTTON_PREVIOUS = "◀️ Anterior"
BUTTON_NEXT = "Próxima ▶️"
BUTTON_SEND = "✅ Enviar"
BUTTON_CORRECT = "✏️ Corrigir"
BUTTON_DETAILS = "🔎 Ver detalhes nº {number}"
BUTTON_CANCEL_TICKET = "❌ Cancelar atendimento nº {number}"
BUTTON_SHARE_PHONE = "📱 Compartilhar meu telefone"


def ticket_status(status: TicketStatus | str) -> str:
    status = TicketStatus(status)
    return f"{TICKET_STATUS_ICON[status]} {status.value}"


def stage_status(status: StageStatus | str) -> str:
    status = StageStatus(status)
    return f"{STAGE_STATUS_ICON[status]} {status.value}"
