"""The folder storage (OPS-1's embedded default): streamed writes, safe keys, listing."""

import io

import pytest

from bwportal.infra.storage import BadKey, FolderStorage


def test_put_open_size_delete_and_keys(tmp_path):
    store = FolderStorage(tmp_path)
    assert store.put("evidence/a.jpg", io.BytesIO(b"x" * 200_000), "image/jpeg") == 200_000
    with store.open("evidence/a.jpg") as fh:
        assert fh.read() == b"x" * 200_000
    assert store.size("evidence/a.jpg") == 200_000
    store.put("documents/b.pdf", io.BytesIO(b"%PDF"))
    assert list(store.keys("evidence/")) == ["evidence/a.jpg"]
    store.delete("evidence/a.jpg")
    assert store.open("evidence/a.jpg") is None and store.size("evidence/a.jpg") is None
    store.delete("evidence/a.jpg")  # twice: nothing to do


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs/x", "evidence/../x", "evidence", "evidence//x", "a b/c"])
def test_keys_outside_the_store_are_refused(tmp_path, key):
    with pytest.raises(BadKey):
        FolderStorage(tmp_path).put(key, io.BytesIO(b"x"))
