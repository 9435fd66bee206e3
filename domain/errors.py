"""Domain errors.

Each error carries a stable `code` and the `params` needed to explain it. The words shown to people live in the
one text catalogue (`bot/texts.py`), which maps every code to a pt-BR sentence; `str(error)` is for logs.
"""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, **params: Any) -> None:
        self.params = params
        super().__init__(f"{self.code} {params}" if params else self.code)


class NotFound(DomainError):
    code = "not_found"


class TicketNotFound(NotFound):
    """Also raised for another customer's atendimento: nothing reveals that it exists."""

    code = "ticket_not_found"


class StageNotFound(NotFound):
    code = "stage_not_found"


class StaffNotFound(NotFound):
    code = "staff_not_found"


class CustomerNotFound(NotFound):
    code = "customer_not_found"


class TicketIsFinal(DomainError):
    code = "ticket_is_final"


class StageNotPending(DomainError):
    code = "stage_not_pending"


class StagesStillPending(DomainError):
    code = "stages_still_pending"


class CancelAfterResolution(DomainError):
    code = "cancel_after_resolution"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class InvalidText(DomainError):
    """A description, observation or reason that is empty, too short or too long."""

    code = "invalid_text"


class ChoiceNotAllowed(DomainError):
    """A wizard choice (tipo, assunto, empreendimento, unidade) this customer may not make right now."""

    code = "choice_not_allowed"


class FollowingNotOffered(DomainError):
    code = "following_not_offered"


class ConcurrentChange(DomainError):
    """Someone else changed the same atendimento first (optimistic concurrency)."""

    code = "concurrent_change"


class NotAuthorised(DomainError):
    code = "not_authorised"


class LinkRefused(DomainError):
    """Linking failed; deliberately vague so nothing reveals whether a phone or CPF exists."""

    code = "link_refused"


class TooManyAttempts(DomainError):
    code = "too_many_attempts"


class InvalidDocument(DomainError):
    code = "invalid_document"


class NothingToOpen(DomainError):
    """The customer owns no unit for which any subject is offered."""

    code = "nothing_to_open"


class NoDraft(DomainError):
    """No /novo in progress (never started, sent already, cancelled, or expired)."""

    code = "no_draft"


class NotLinked(DomainError):
    """The Telegram account is linked to no customer."""

    code = "not_linked"
class LinkChanged(DomainError):
    """The account was unlinked (or replaced by another account of the customer) after its /novo began: the draft is
    dropped and nothing is saved."""

    code = "link_changed"


class StaleButton(DomainError):
    """A button of an earlier message, or of a step the conversation has left."""

    code = "stale_button"


class AttachmentTooBig(DomainError):
    code = "attachment_too_big"


class UnsupportedContent(DomainError):
    code = "unsupported_content"


class TooManyAttachments(DomainError):
    code = "too_many_attachments"


class EmptyMessage(DomainError):
    code = "empty_message"


class MessageRateExceeded(DomainError):
    code = "message_rate_exceeded"


class StoredFileMissing(DomainError):
    code = "stored_file_missing"
