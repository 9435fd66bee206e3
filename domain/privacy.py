"""LGPD (Lei 13.709/2018): what "anonymised" means here, as pure rules.

Art. 16 lets the controller keep what it needs for statistics once it is anonymised: numbers, statuses, dates and
ratings stay; every personal field becomes an anonymous token, and every text a customer wrote becomes "[removido]".
A token is random (not derived from the CPF, whose small space would let anyone recompute it), so an anonymised record
can never be linked back to its person.
"""
from __future__ import annotations

import secrets

REMOVED = "[removido]"
ANONYMOUS_NAME = "Titular anonimizado"
# Art. 19: a full answer within 15 days.
ANSWER_DAYS = 15


def anonymous_token() -> str:
    """Fourteen characters (the width of the document column), never a valid CPF or CNPJ."""
    return "ANON" + secrets.token_hex(5).upper()


def personal_strings(name: str, document: str, phones: list[str], email: str | None) -> list[str]:
    """The spellings of a person's identifiers that may hide inside free text (staff notes, internal messages),
    longest first so that a full name is replaced before a part of it would be."""
    found: set[str] = set()
    if name and len(name.strip()) >= 3:
        found.add(name.strip())
    if document:
        found.add(document)
        if len(document) == 11:
            found.add(f"{document[:3]}.{document[3:6]}.{document[6:9]}-{document[9:]}")
        elif len(document) == 14:
            found.add(f"{document[:2]}.{document[2:5]}.{document[5:8]}/{document[8:12]}-{document[12:]}")
    for phone in phones:  # E.164: +55 DDD number
        digits = phone.removeprefix("+")
        local = digits[2:] if digits.startswith("55") else digits
        ddd, number = local[:2], local[2:]
        found.update({phone, digits, local, number, f"({ddd}) {number[:-4]}-{number[-4:]}",
                      f"{number[:-4]}-{number[-4:]}"})
    if email:
        found.add(email)
    return sorted(found, key=len, reverse=True)


def scrub(text: str | None, identifiers: list[str], token: str) -> str | None:
    if text is None:
        return None
    for identifier in identifiers:
        text = text.replace(identifier, token)
    return text
