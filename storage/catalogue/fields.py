"""The value types of a catalogue file, as pydantic annotated types.

Each one says what a value must be and stores it in the form the database keeps: trimmed names, lower-case logins,
CPF/CNPJ without punctuation, phones in E.164. Problems are raised with stable error types (`document_invalid`,
`phone_invalid`, …) that the operator texts put into words.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StrictBool, StrictInt, StringConstraints
from pydantic_core import PydanticCustomError

from domain.brazil import clean_document, normalise_document, normalise_phone
from domain.text_rules import clean_text

MAX_BIGINT = 2**63 - 1

Id = Annotated[StrictInt, Field(ge=1, le=MAX_BIGINT)]
TelegramUserId = Annotated[StrictInt, Field(ge=1, le=MAX_BIGINT)]
ChatId = Annotated[StrictInt, Field(ge=-MAX_BIGINT, le=MAX_BIGINT)]  # a group's id is negative
Port = Annotated[StrictInt, Field(ge=1, le=65535)]
DueDays = Annotated[StrictInt, Field(ge=0, le=3650)]
Position = Annotated[StrictInt, Field(ge=1, le=10_000)]
Flag = StrictBool


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _number_as_text(value: Any) -> Any:
    # A YAML author writes `name: Torre 2` or `items: [101]`; a plain decimal number in a name is its text. Any other
    # spelling (0123, 0x1F, 1_000, 1:30) is refused by the field's type check ("write it between quotes").
    if type(value) is int:
        return str(value)
    return value


def _encodable(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800" in JSON or YAML): no database can store it
        raise PydanticCustomError("invalid_character", "a character that cannot be stored", {}) from None
    return value


def _one_line(value: Any) -> Any:
    value = _number_as_text(value)
    if isinstance(value, str):
        return " ".join(_CONTROL.sub("", unicodedata.normalize("NFC", _encodable(value))).split())
    return value


def _free_text(value: Any) -> Any:
    value = _number_as_text(value)
    return clean_text(_encodable(value)) if isinstance(value, str) else value


def _strict_one_line(value: Any) -> Any:
    # Labels: what the person wrote, always text; a number here is refused ("write it between quotes").
    return _one_line(value) if isinstance(value, str) else value


def Name(max_length: int = 200):  # noqa: N802 - reads as a type in the models
    return Annotated[str, BeforeValidator(_one_line), StringConstraints(min_length=1, max_length=max_length)]


def Label(max_length: int = 200):  # noqa: N802 - a unit's label: text only, never a number YAML read
    return Annotated[str, BeforeValidator(_strict_one_line), StringConstraints(min_length=1, max_length=max_length)]


def FreeText(max_length: int):  # noqa: N802
    return Annotated[str, BeforeValidator(_free_text), StringConstraints(min_length=1, max_length=max_length)]


# A sealed password grows by about a third plus 76 characters (storage/secrets.py): 256 bytes fit the 500 column.
PASSWORD_MAX_BYTES = 256


def _password(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # a number or a date YAML read: refused as not a text ("write it between quotes")
    if _CONTROL.search(_encodable(value)):
        raise PydanticCustomError("control_character", "a control character", {})
    if len(value.encode("utf-8")) > PASSWORD_MAX_BYTES:
        raise PydanticCustomError("string_too_long", "too long", {"max_length": PASSWORD_MAX_BYTES})
    return value


Password = Annotated[str, BeforeValidator(_password), StringConstraints(min_length=1)]


LOGIN = re.compile(r"^[a-z0-9._-]{2,60}$")


def _login(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    login = _encodable(value).strip().lower()
    if not LOGIN.fullmatch(login):
        raise PydanticCustomError("login_invalid", "invalid login {login}", {"login": value})
    return login


Login = Annotated[str, BeforeValidator(_login)]


def _document(value: Any) -> Any:
    # An unquoted number is refused ("write it between quotes"): YAML may have dropped leading zeros or read octal.
    if not isinstance(value, str):
        return value
    _encodable(value)
    found = normalise_document(value)
    if found is None:
        cleaned = clean_document(value)
        shaped = re.fullmatch(r"\d{11}", cleaned) or re.fullmatch(r"[0-9A-Z]{12}\d{2}", cleaned)
        reason = "check_digits" if shaped else "format"
        raise PydanticCustomError("document_invalid", "invalid CPF/CNPJ {document}", {"document": value,
                                                                                       "reason": reason})
    return found


Document = Annotated[str, BeforeValidator(_document)]


def _phone(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # refused as not a text: an unquoted phone may have lost its "+" or leading zero
    _encodable(value)
    found = normalise_phone(value.strip())
    if found is None:
        raise PydanticCustomError("phone_invalid", "invalid phone {phone}", {"phone": value})
    return found


Phone = Annotated[str, BeforeValidator(_phone)]

EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


def _email(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    email = _encodable(value).strip()
    if len(email) > 254 or not EMAIL.fullmatch(email):
        raise PydanticCustomError("email_invalid", "invalid e-mail {email}", {"email": value})
    return email


Email = Annotated[str, BeforeValidator(_email)]


def _timestamp(value: Any) -> Any:
    # YAML turns an unquoted 2025-03-14 into a date: a moment needs a time and a zone.
    if isinstance(value, datetime) or isinstance(value, str):
        return value
    if isinstance(value, date):
        raise PydanticCustomError("datetime_without_time", "a date without time", {})
    raise PydanticCustomError("datetime_type", "not a date and time", {})


# Stored as UTC timestamps: beyond these, converting to UTC (or to the customer's zone for display) may overflow.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def _plausible(value: datetime) -> datetime:
    try:
        inside = EARLIEST <= value <= LATEST
    except OverflowError:
        inside = False
    if not inside:
        raise PydanticCustomError("datetime_out_of_range", "out of range", {"input": value.isoformat()})
    return value


Timestamp = Annotated[AwareDatetime, BeforeValidator(_timestamp), AfterValidator(_plausible)]


def _none_as_empty(value: Any) -> Any:
    return [] if value is None else value


def _unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def Section(item: type):  # noqa: N802 - a top-level list; `customers:` with nothing under it is an empty list
    return Annotated[list[item], BeforeValidator(_none_as_empty)]


def IdSet():  # noqa: N802 - a list of ids where repeats mean nothing
    return Annotated[list[Id], BeforeValidator(_none_as_empty), AfterValidator(_unique)]


def _weekly_report(value: Any) -> Any:
    # config.weekly_report: "mon 08:00" (or "seg 08:00"), stored in its canonical form.
    from domain.reports import parse_weekly_schedule

    if not isinstance(value, str):
        return value
    schedule = parse_weekly_schedule(value)
    if schedule is None:
        raise PydanticCustomError("weekly_report_invalid", "invalid weekly schedule {value}", {"value": value})
    return schedule.text


WeeklyReport = Annotated[str, BeforeValidator(_weekly_report)]
