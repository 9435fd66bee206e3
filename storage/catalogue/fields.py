"""The value types of a catalogue file, as pydantic annotated types.

Each one says what a value must be and stores it in the form the database keeps: trimmed names, lower-case logins,
CPF/CNPJ without punctuation, phones in E.164. Problems are raised with stable error types (`document_invalid`,
`phone_invalid`, …) that the operator texts put into words.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
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


def _number_as_text(value: Any) -> Any:
    # A YAML author writes `label: 101` or `items: [101]`; that is text, not a number.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _one_line(value: Any) -> Any:
    value = _number_as_text(value)
    if isinstance(value, str):
        return " ".join(unicodedata.normalize("NFC", value).split())
    return value


def _free_text(value: Any) -> Any:
    value = _number_as_text(value)
    return clean_text(value) if isinstance(value, str) else value


def Name(max_length: int = 200):  # noqa: N802 - reads as a type in the models
    return Annotated[str, BeforeValidator(_one_line), StringConstraints(min_length=1, max_length=max_length)]


def FreeText(max_length: int):  # noqa: N802
    return Annotated[str, BeforeValidator(_free_text), StringConstraints(min_length=1, max_length=max_length)]


LOGIN = re.compile(r"^[a-z0-9._-]{2,60}$")


def _login(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    login = value.strip().lower()
    if not LOGIN.fullmatch(login):
        raise PydanticCustomError("login_invalid", "invalid login {login}", {"login": value})
    return login


Login = Annotated[str, BeforeValidator(_login)]


def _document(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        # An unquoted number in YAML lost its leading zeros: a CPF has 11 digits, a CNPJ 14.
        for width in (11, 14):
            found = normalise_document(str(value).zfill(width))
            if found:
                return found
        value = str(value)
    if not isinstance(value, str):
        return value
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
    value = _number_as_text(value)
    if not isinstance(value, str):
        return value
    found = normalise_phone(value.strip())
    if found is None:
        raise PydanticCustomError("phone_invalid", "invalid phone {phone}", {"phone": value})
    return found


Phone = Annotated[str, BeforeValidator(_phone)]

EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


def _email(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    email = value.strip()
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


Timestamp = Annotated[AwareDatetime, BeforeValidator(_timestamp)]


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
