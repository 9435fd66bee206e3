"""The local FileStore: attachments' bytes in a directory, each file named by the SHA-256 of its content.

`<root>/ab/cd/abcdef…` (two levels of fan-out keep directories small at millions of files). A digest is the only
thing that becomes a path, and it is checked to be 64 lowercase hex characters first: no name from a user, however
hostile (`../../etc/passwd`, NUL, 300 characters), can reach the file system. Writes go to a temporary file in the same
directory and are renamed into place, so a reader never sees half a file and two writers of the same content agree.
"""
from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from pathlib import Path

from domain.errors import StoredFileMissing

_DIGEST = re.compile(r"[0-9a-f]{64}")


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class LocalFileStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path_of(self, sha256: str) -> Path:
        if not isinstance(sha256, str) or not _DIGEST.fullmatch(sha256):
            raise ValueError("not a SHA-256 digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def put(self, content: bytes) -> str:
        digest = sha256_of(content)
        await asyncio.to_thread(self._write, digest, content)
        return digest

    def _write(self, digest: str, content: bytes) -> None:
        target = self.path_of(digest)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    async def get(self, sha256: str) -> bytes:
        path = self.path_of(sha256)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise StoredFileMissing(sha256=sha256) from None

    async def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    async def delete(self, sha256: str) -> bool:
        path = self.path_of(sha256)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True
