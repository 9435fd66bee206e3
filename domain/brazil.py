"""Brazilian phone numbers and CPF/CNPJ documents.

Phones are normalised to E.164 (`+55` + DDD + number). Mobile numbers gained a leading ninth digit between 2012 and
2016, and customer records still hold both forms, so an eight-digit mobile number (starting with 6–9) is normalised to
its nine-digit form: both spellings then compare equal.

CNPJs may be numeric or, since July 2026, alphanumeric (the first twelve characters in 0-9A-Z); the check digits of
both are computed with the Receita Federal algorithm on the characters' ASCII values minus 48.
"""
from __future__ import annotations

import re

# Every DDD (area code) in use in Brazil.
VALID_DDDS = frozenset(
    {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38, 41, 42, 43, 44, 45, 46, 47,
     48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68, 69, 71, 73, 74, 75, 77, 79, 81, 82, 83, 84, 85, 86, 87,
     88, 89, 91, 92, 93, 94, 95, 96, 97, 98, 99}
)

_PHONE_ALLOWED = re.compile(r"^[\d\s()+.\-/]*$")


def normalise_phone(raw: str | None) -> str | None:
    """Return `+55DDDNNNNNNNN(N)` for a valid Brazilian number, else None.

    Accepts `+55 11 99999-0001`, `(11) 99999-0001`, `011 99999 0001`, `0 15 11 99999 0001` (carrier code),
    `5511999990001` (as Telegram shares contacts), and the eight-digit form of a mobile number.
    """
    if raw is None or not isinstance(raw, str) or len(raw) > 40 or not _PHONE_ALLOWED.match(raw):
        return None
    digits = re.sub(r"\D", "", raw)
    international = raw.strip().startswith("+") or digits.startswith("00")
    if digits.startswith("00"):  # international call prefix: a country code follows, as after "+"
        digits = digits[2:]
    if international or (digits.startswith("55") and len(digits) in (12, 13)):
        if not digits.startswith("55"):
            return None
        digits = digits[2:]
    elif digits.startswith("0"):
        if len(digits) in (11, 12):  # trunk prefix 0 + DDD + number
            digits = digits[1:]
        elif len(digits) in (13, 14):  # 0 + two-digit carrier code + DDD + number
            digits = digits[3:]
        else:
            return None
    if len(digits) not in (10, 11):
        return None
    ddd, number = int(digits[:2]), digits[2:]
    if ddd not in VALID_DDDS:
        return None
    if len(number) == 9:
        if number[0] != "9":
            return None
    elif number[0] in "6789":  # a mobile number written without its ninth digit
        number = "9" + number
    elif number[0] not in "2345":  # landlines start with 2–5
        return None
    return f"+55{ddd}{number}"


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
