"""Secrets at rest: the SMTP passwords of staff users are stored encrypted (Fernet, from `cryptography`), with the
installation's key (the ATENDIMENTO_SECRET_KEY setting). The import seals them; e-mail sending opens them just
before logging in. Neither the key nor a password is ever logged: SecretBox has no repr of its key, and its errors
name no value.
"""
from __future__ import annotations

import binascii
import base64

from cryptography.fernet import Fernet, InvalidToken

# Every Fernet token starts with its version byte 0x80, which base64 writes as "gAAAAA".
_TOKEN_PREFIX = "gAAAAA"


class SecretUnreadable(Exception):
    """A stored secret that this key cannot open: another key, a damaged value, or a password stored in plain text
    by a version before encryption (re-import the catalogue to encrypt it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "plaintext" | "other_key"


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def key_problem(key: str) -> str | None:
    """None for a usable key, or what is wrong with it (in Portuguese, for the settings' one sentence)."""
    try:
        raw = base64.urlsafe_b64decode(key.strip().encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return "não é base64 (gere uma com `atendimento secret-key`)"
    if len(raw) != 32:
        return f"precisa ter 32 bytes em base64 (44 caracteres), tem {len(raw)} bytes"
    return None


def looks_sealed(value: str | None) -> bool:
    return bool(value) and value.startswith(_TOKEN_PREFIX)


class SecretBox:
    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.strip().encode("ascii"))

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"

    def seal(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        if not looks_sealed(sealed):
            raise SecretUnreadable("plaintext")
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise SecretUnreadable("other_key") from None

    def holds(self, sealed: str | None, plain: str) -> bool:
        """Whether `sealed` is `plain` sealed with this key (a re-import of the same password changes nothing)."""
        if sealed is None:
            return False
        try:
            return self.open(sealed) == plain
        except SecretUnreadable:
            return False
