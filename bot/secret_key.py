"""`atendimento secret-key`: a new ATENDIMENTO_SECRET_KEY, printed, or written into `.env` when it has none.

`make run` calls `atendimento secret-key --into .env` on every start: the first start of a fresh checkout gets a key
(so that SMTP passwords can be imported and stored encrypted); later starts, or a key set in the environment, leave
everything as it is. An existing key is never replaced: the passwords stored with it would no longer open.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from storage.secrets import new_key

SETTING = "ATENDIMENTO_SECRET_KEY"
_ASSIGNED = re.compile(rf"^\s*(export\s+)?{SETTING}\s*=\s*\S", re.MULTILINE)


def ensure_key_in(env_file: Path) -> bool:
    """Appends a new key to `env_file` unless the file or the environment already has one. True when it wrote."""
    if os.environ.get(SETTING, "").strip():
        return False
    text = env_file.read_text(encoding="utf-8") if env_file.exists() else ""
    if _ASSIGNED.search(text):
        return False
    lines = [line for line in text.splitlines() if not re.match(rf"^\s*{SETTING}\s*=\s*$", line)]  # an empty one
    lines.append(f"{SETTING}={new_key()}")
    env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        env_file.chmod(0o600)  # the key opens the stored passwords: readable by its owner only
    except OSError:
        pass
    return True
