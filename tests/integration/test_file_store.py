"""The attachments' file store: content-addressed, stored once, and out of reach of any name a user chose."""
from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import StoredFileMissing
from storage.file_store import LocalFileStore

LEAK_PHOTO = b"\xff\xd8\xff\xe0 a photo of the leak"


async def test_a_file_sent_twice_is_stored_once(tmp_path):
    store = LocalFileStore(tmp_path / "anexos")
    first = await store.put(LEAK_PHOTO)
    second = await store.put(LEAK_PHOTO)
    assert first == second == hashlib.sha256(LEAK_PHOTO).hexdigest()
    files = [p for p in (tmp_path / "anexos").rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].name == first
    assert await store.get(first) == LEAK_PHOTO


async def test_deleted_bytes_are_gone_and_say_so(tmp_path):
    store = LocalFileStore(tmp_path)
    digest = await store.put(LEAK_PHOTO)
    assert await store.delete(digest) is True
    assert await store.delete(digest) is False
    assert await store.exists(digest) is False
    with pytest.raises(StoredFileMissing):
        await store.get(digest)


@pytest.mark.parametrize("hostile", [
    "../../etc/passwd", "/etc/passwd", "a\x00b", "x" * 300, "..", "", "A" * 64, "0" * 63, "0" * 65,
    "../" + "0" * 61,
])
async def test_nothing_but_a_digest_ever_becomes_a_path(tmp_path, hostile):
    store = LocalFileStore(tmp_path / "anexos")
    for call in (store.get, store.exists, store.delete):
        with pytest.raises(ValueError):
            await call(hostile)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_string_is_either_refused_or_a_path_inside_the_store(tmp_path_factory, name):
    root = tmp_path_factory.getbasetemp() / "store"
    store = LocalFileStore(root)
    try:
        path = store.path_of(name)
    except ValueError:
        return
    assert path.resolve().is_relative_to(root.resolve())
