"""Brazilian phone numbers and CPF/CNPJ documents.

Phones are read by Google's libphonenumber (`phonenumbers`) and normalised to E.164 (`+55` + DDD + number). Only a
Brazilian landline or mobile is kept: a foreign number, a toll-free or premium line, an emergency code are refused.
Two readings (SPEC.md "Linking"):
- a catalogue phone is read leniently as Brazilian: without a country code it is a Brazilian number (DDD + number,
  with or without the trunk prefix 0 and a carrier code);
- a shared Telegram contact always carries its country code, with or without a leading `+`, so `51987654321` is Peru,
  never DDD 51 (Porto Alegre).
Mobile numbers gained a leading ninth digit between 2012 and 2016, and customer records still hold both forms, so an
eight-digit mobile number (starting with 6–9) is normalised to its nine-digit form: both spellings then compare equal.

CNPJs may be numeric or, since July 2026, alphanumeric (the first twelve characters in 0-9A-Z); the check digits of
both are computed with the Receita Federal algorithm on the characters' ASCII values minus 48.
"""
from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberType

BRAZIL = 55
# A person's line: what a customer can be reached at and may have shared as their own.
_PERSONAL_LINES = frozenset(
    {PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
)
# Digits and the punctuation people write phones with; anything else ("ramal 2", "tel:") is not a bare phone number.
_PHONE_ALLOWED = re.compile(r"^[\d\s()+.\-/]*$")
_MAX_PHONE_LENGTH = 40


def normalise_phone(raw: str | None) -> str | None:
    """A catalogue phone: `+55DDDNNNNNNNN(N)` for a valid Brazilian number, else None.

    No country code means Brazil: accepts `+55 11 99999-0001`, `(11) 99999-0001`, `011 99999 0001`,
    `0 15 11 99999 0001` (carrier code), `5511999990001`, and the eight-digit form of a mobile number.
    """
    return _brazilian(raw, region="BR")


def normalise_contact_phone(raw: str | None) -> str | None:
    """A shared Telegram contact's number (`5511999990001` or `+5511999990001`): E.164 when it is Brazilian, else None.

    The number always starts with its country code, so only country code 55 can give a Brazilian number.
    """
    if not isinstance(raw, str):
        return None
    stripped = raw.strip()
    return _brazilian(stripped if stripped.startswith("+") else "+" + stripped, region=None)


def _brazilian(raw: object, region: str | None) -> str | None:
    if not isinstance(raw, str) or len(raw) > _MAX_PHONE_LENGTH or not _PHONE_ALLOWED.match(raw):
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != BRAZIL:
        return None
    number = _with_ninth_digit(number) or number
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in _PERSONAL_LINES:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _with_ninth_digit(number: phonenumbers.PhoneNumber) -> phonenumbers.PhoneNumber | None:
    """An old eight-digit mobile (DDD + 6–9…) as today's nine-digit number, if that is a valid mobile.

    Done even when libphonenumber still accepts the eight-digit form (it does for 7…, the old radio range): both
    spellings of one line must normalise alike.
    """
    national = str(number.national_number)
    if len(national) != 10 or national[2] not in "6789":
        return None
    nine = phonenumbers.PhoneNumber(country_code=BRAZIL, national_number=int(national[:2] + "9" + national[2:]))
    if phonenumbers.is_valid_number(nine) and phonenumbers.number_type(nine) == PhoneNumberType.MOBILE:
        return nine
    return None


def format_phone(normalised: str) -> str:
    """`+5511999990001` → `(11) 99999-0001`, for people."""
    digits = normalised.removeprefix("+55")
    ddd, number = digits[:2], digits[2:]
    return f"({ddd}) {number[:-4]}-{number[-4:]}"


def mask_phone(normalised: str) -> str:
    """Shows only the last four digits: enough for a person to recognise their number, useless to anyone else."""
    return f"(••) •••••-{normalised[-4:]}"


_DOC_CHARS = re.compile(r"[\s.\-/]")


def clean_document(raw: str) -> str:
    return _DOC_CHARS.sub("", raw or "").upper()


def _cpf_digit(body: str) -> int:
    weight = len(body) + 1
    total = sum(int(d) * (weight - i) for i, d in enumerate(body))
    rest = (total * 10) % 11
    return 0 if rest == 10 else rest


def is_valid_cpf(raw: str) -> bool:
    cpf = clean_document(raw)
    if not re.fullmatch(r"\d{11}", cpf) or cpf == cpf[0] * 11:
        return False
    return _cpf_digit(cpf[:9]) == int(cpf[9]) and _cpf_digit(cpf[:10]) == int(cpf[10])


def _cnpj_digit(body: str) -> int:
    weights = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2][-len(body):]
    total = sum((ord(c) - 48) * w for c, w in zip(body, weights))
    rest = total % 11
    return 0 if rest < 2 else 11 - rest


def is_valid_cnpj(raw: str) -> bool:
    cnpj = clean_document(raw)
    if not re.fullmatch(r"[0-9A-Z]{12}\d{2}", cnpj) or cnpj == cnpj[0] * 14:
        return False
    return _cnpj_digit(cnpj[:12]) == int(cnpj[12]) and _cnpj_digit(cnpj[:13]) == int(cnpj[13])


def normalise_document(raw: str) -> str | None:
    """A valid CPF or CNPJ without punctuation (letters upper-cased), else None."""
    doc = clean_document(raw)
    if len(doc) == 11 and is_valid_cpf(doc):
        return doc
    if len(doc) == 14 and is_valid_cnpj(doc):
        return doc
    return None


def format_document(doc: str) -> str:
    if len(doc) == 11:
        return f"{doc[:3]}.{doc[3:6]}.{doc[6:9]}-{doc[9:]}"
    if len(doc) == 14:
        return f"{doc[:2]}.{doc[2:5]}.{doc[5:8]}/{doc[8:12]}-{doc[12:]}"
    return doc


def cpf_with_check_digits(base: str) -> str:
    """Completes nine digits into a valid CPF (used for the fictitious customers of demo mode)."""
    if not re.fullmatch(r"\d{9}", base):
        raise ValueError("base must be nine digits")
    first = _cpf_digit(base)
    return base + str(first) + str(_cpf_digit(base + str(first)))
