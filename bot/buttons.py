"""Every inline button the bot draws: one small frozen dataclass per kind, `encode()` into Telegram's callback data
(ASCII `tag:field:field`, at most 64 bytes, checked here), and one `decode(data)` back into the button.

Keyboards only encode; handlers `match` on what `decode` returns. Anything not made by `encode` — garbled, forged,
from an old version of the bot — decodes to None, and a decoded value is still only a claim: handlers check it again
against what this person may do now.

Adding a button: one dataclass here with a `TAG` (unique; its first part is the prefix a handler is registered for)
and `FIELDS` (one codec per dataclass field, in order), and its entry in `KINDS`.
"""
from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar, Protocol

from domain.services.wizard import CHOICE_STEPS, DESCRIPTION
from domain.views import PageCursor

MAX_BYTES = 64
MAX_INT = 2**62

# The prefixes CallbackQueryHandlers are registered for (bot/app.py, bot/handlers/staff.py).
WIZARD, MY_TICKETS, DETAILS, STAFF = "n", "m", "d", "s"


class ButtonTooLong(ValueError):
    """The callback data would exceed Telegram's 64 bytes."""


class _Codec(Protocol):
    def encode(self, value) -> str: ...

    def decode(self, text: str): ...


class _Int:
    """A positive integer of sane size."""

    def encode(self, value: int) -> str:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < MAX_INT:
            raise ValueError(f"not a positive integer below 2**62: {value!r}")
        return str(value)

    def decode(self, text: str) -> int | None:
        if not text.isascii() or not text.isdigit() or len(text) > 19 or text.startswith("0"):
            return None
        value = int(text)
        return value if value < MAX_INT else None


class _Names:
    """One of a fixed set of names, by a short code."""

    def __init__(self, codes: dict[str, str]) -> None:
        self.codes = codes
        self.names = {code: name for name, code in codes.items()}

    def encode(self, value: str) -> str:
        if value not in self.codes:
            raise ValueError(f"not one of {sorted(self.codes)}: {value!r}")
        return self.codes[value]

    def decode(self, text: str) -> str | None:
        return self.names.get(text)


class _Direction:
    def encode(self, value: bool) -> str:
        return "b" if value else "f"

    def decode(self, text: str) -> bool | None:
        return {"b": True, "f": False}.get(text)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class _Instant:
    """A UTC instant to the microsecond (a keyset cursor must name its row exactly), as microseconds since 1970."""

    def encode(self, value: datetime) -> str:
        if value.tzinfo is None:
            raise ValueError("a naive datetime")
        micros = (value - EPOCH) // _MICROSECOND
        if not 0 <= micros < MAX_INT:
            raise ValueError(f"out of range: {value!r}")
        return str(micros)

    def decode(self, text: str) -> datetime | None:
        if not text.isascii() or not text.isdigit() or len(text) > 19 or (text.startswith("0") and text != "0"):
            return None
        try:
            return EPOCH + int(text) * _MICROSECOND
        except OverflowError:  # beyond the year 9999: no ticket of anyone's
            return None


INT = _Int()
CHOICE_STEP = _Names({"tipo": "t", "assunto": "s", "empreendimento": "e", "unidade": "u"})
CORRECTABLE_STEP = _Names({**CHOICE_STEP.codes, DESCRIPTION: "d"})
DIRECTION = _Direction()
INSTANT = _Instant()
assert set(CHOICE_STEP.codes) == set(CHOICE_STEPS)


class _Button:
    TAG: ClassVar[str]
    FIELDS: ClassVar[tuple[_Codec, ...]] = ()

    def encode(self) -> str:
        fields = astuple(self) if self.FIELDS else ()
        data = ":".join([self.TAG, *(codec.encode(value) for codec, value in zip(self.FIELDS, fields, strict=True))])
        if len(data.encode()) > MAX_BYTES:
            raise ButtonTooLong(data)
        return data


# --- /novo ----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class WizardChoice(_Button):
    """One option of a choice step."""

    step: str
    option_id: int
    TAG: ClassVar[str] = "n:c"
    FIELDS: ClassVar[tuple[_Codec, ...]] = (CHOICE_STEP, INT)


@dataclass(frozen=True, slots=True)
class WizardPage(_Button):
    """Another page of a choice step's options."""

    step: str
    page: int
    TAG: ClassVar[str] = "n:p"
    FIELDS: ClassVar[tuple[_Codec, ...]] = (CHOICE_STEP, INT)


@dataclass(frozen=True, slots=True)
class WizardBack(_Button):
    TAG: ClassVar[str] = "n:b"


@dataclass(frozen=True, slots=True)
class WizardCancel(_Button):
    TAG: ClassVar[str] = "n:x"


@dataclass(frozen=True, slots=True)
class WizardSend(_Button):
    TAG: ClassVar[str] = "n:ok"


@dataclass(frozen=True, slots=True)
class WizardFix(_Button):
    """"Corrigir": the list of what can be corrected."""

    TAG: ClassVar[str] = "n:fix"


@dataclass(frozen=True, slots=True)
class WizardCorrect(_Button):
    """Correct this step (a choice, or the description)."""

    step: str
    TAG: ClassVar[str] = "n:f"
    FIELDS: ClassVar[tuple[_Codec, ...]] = (CORRECTABLE_STEP,)


@dataclass(frozen=True, slots=True)
class WizardSummary(_Button):
    """Back from the list of corrections to the summary."""

    TAG: ClassVar[str] = "n:sum"


# --- /meus and /detalhes --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TicketListPage(_Button):
    created_at: datetime
    ticket_id: int
    backwards: bool
    TAG: ClassVar[str] = "m:p"
    FIELDS: ClassVar[tuple[_Codec, ...]] = (INSTANT, INT, DIRECTION)

    @classmethod
    def at(cls, cursor: PageCursor) -> TicketListPage:
        return cls(cursor.created_at, cursor.ticket_id, cursor.backwards)

    @property
    def cursor(self) -> PageCursor:
        return PageCursor(self.created_at, self.ticket_id, backwards=self.backwards)


@dataclass(frozen=True, slots=True)
class ShowTicket(_Button):
    """"Ver detalhes" of one of the customer's atendimentos."""

    number: int
    TAG: ClassVar[str] = "m:d"
    FIELDS: ClassVar[tuple[_Codec, ...]] = (INT,)


@dataclass(frozen=True, slots=True)
class CancelTicket(_Button):
    """The customer cancels their atendimento (from /detalhes)."""

    number: int
    TAG: ClassVar[str] = "d:x"
    FIELDS: ClassVar[tuple[_Codec, ...]] = (INT,)


# --- staff ----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class StaffView(_Button):
    number: int
    TAG: ClassVar[str] = "s:v"
    FIELDS: ClassVar[tuple[_Codec, ...]] = (INT,)


@dataclass(frozen=True, slots=True)
class StaffResolve(_Button):
    number: int
    stage: int
    TAG: ClassVar[str] = "s:r"
    FIELDS: ClassVar[tuple[_Codec, ...]] = (INT, INT)


@dataclass(frozen=True, slots=True)
class StaffNote(_Button):
    number: int
    stage: int
    TAG: ClassVar[str] = "s:o"
    FIELDS: ClassVar[tuple[_Codec, ...]] = (INT, INT)


Button = (WizardChoice | WizardPage | WizardBack | WizardCancel | WizardSend | WizardFix | WizardCorrect
          | WizardSummary | TicketListPage | ShowTicket | CancelTicket | StaffView | StaffResolve | StaffNote)
KINDS: tuple[type[_Button], ...] = (WizardChoice, WizardPage, WizardBack, WizardCancel, WizardSend, WizardFix,
                                    WizardCorrect, WizardSummary, TicketListPage, ShowTicket, CancelTicket, StaffView,
                                    StaffResolve, StaffNote)
_BY_TAG = {kind.TAG: kind for kind in KINDS}
assert len(_BY_TAG) == len(KINDS), "two kinds of button share a tag"


def decode(data: object) -> Button | None:
    """The button `data` encodes, or None when it is not exactly what some button's `encode()` writes."""
    if not isinstance(data, str) or not data.isascii() or len(data) > MAX_BYTES:
        return None
    parts = data.split(":")
    kind = _BY_TAG.get(":".join(parts[:2]))
    if kind is None or len(parts) - 2 != len(kind.FIELDS):
        return None
    values = [codec.decode(text) for codec, text in zip(kind.FIELDS, parts[2:], strict=True)]
    if any(value is None for value in values):
        return None
    return kind(*values)
