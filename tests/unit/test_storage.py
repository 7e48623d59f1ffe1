"""The storage every kept file goes through (OPS-1): one contract, run against the folder (the
embedded default) and against a real S3-protocol server on loopback (moto's standalone server,
speaking HTTP as AWS S3, MinIO or Ceph would)."""

import io

import pytest

from bwportal.infra.storage import BadKey, FolderStorage, S3Storage, from_config

MB = 1024 * 1024


class Source(io.RawIOBase):
    """A stream of ``size`` bytes made as they are read, never seekable: it records the largest
    read asked of it (what a store holds in memory at once)."""

    def __init__(self, size: int):
        self.left, self.largest, self.offset = size, 0, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.left
        self.largest = max(self.largest, size)
        size = min(size, self.left)
        chunk = bytes((self.offset + i) % 251 for i in range(min(size, 251))) * (size // 251 + 1)
        chunk = chunk[:size]
        self.left -= size
        self.offset += size
        return chunk


def expected(size: int) -> bytes:
    pattern = bytes(i % 251 for i in range(251))
    return (pattern * (size // 251 + 1))[:size]


@pytest.fixture(params=["folder", "s3"])
def store(request, tmp_path):
    if request.param == "folder":
        return FolderStorage(tmp_path)
    endpoint, bucket = request.getfixturevalue("s3_bucket")
    made = S3Storage(bucket, "portal", endpoint_url=endpoint)
    made.transfer.multipart_threshold = made.transfer.multipart_chunksize = 5 * MB  # S3's smallest part
    return made


def test_put_open_size_delete_and_keys(store):
    assert store.put("evidence/a.jpg", io.BytesIO(b"x" * 200_000), "image/jpeg") == 200_000
    with store.open("evidence/a.jpg") as fh:
        assert fh.read() == b"x" * 200_000
    assert store.size("evidence/a.jpg") == 200_000
    store.put("documents/b.pdf", io.BytesIO(b"%PDF"))
    store.put("evidence-chunks/c/0", io.BytesIO(b"0"))
    assert list(store.keys("evidence/")) == ["evidence/a.jpg"]
    assert sorted(store.keys("documents/")) == ["documents/b.pdf"]
    store.delete("evidence/a.jpg")
    assert store.open("evidence/a.jpg") is None and store.size("evidence/a.jpg") is None
    store.delete("evidence/a.jpg")  # twice: nothing to do


def test_a_missing_file_is_none(store):
    assert store.open("evidence/never.png") is None
    assert store.size("evidence/never.png") is None
    assert list(store.keys("evidence/")) == []


def test_a_new_put_replaces_the_file(store):
    store.put("uploads/x/part-1", io.BytesIO(b"first"))
    store.put("uploads/x/part-1", io.BytesIO(b"second, longer"))
    with store.open("uploads/x/part-1") as fh:
        assert fh.read() == b"second, longer"


def test_big_files_are_streamed_in_and_out_never_held_whole(store):
    """An 11 MB file goes up in parts and comes back in pieces; no read asks for the whole."""
    size = 11 * MB
    source = Source(size)
    assert store.put("documents/big.pdf", source, "application/pdf") == size
    assert source.largest <= 5 * MB
    assert store.size("documents/big.pdf") == size
    with store.open("documents/big.pdf") as fh:
        first = fh.read(64 * 1024)
        assert first == expected(size)[:64 * 1024]
        rest = b"".join(iter(lambda: fh.read(1024 * 1024), b""))
    assert first + rest == expected(size)


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs/x", "evidence/../x", "evidence", "evidence//x", "a b/c"])
def test_keys_outside_the_store_are_refused(store, key):
    with pytest.raises(BadKey):
        store.put(key, io.BytesIO(b"x"))
    with pytest.raises(BadKey):
        store.open(key)


def test_one_setting_chooses_the_store(tmp_path):
    folder = from_config({"STORAGE_URL": "", "STORAGE_DIR": str(tmp_path)})
    assert isinstance(folder, FolderStorage) and folder.root == tmp_path
    s3 = from_config({"STORAGE_URL": "s3://evidence-bucket/kh", "S3_ENDPOINT_URL": "http://127.0.0.1:9",
                      "STORAGE_DIR": str(tmp_path)})
    assert isinstance(s3, S3Storage) and (s3.bucket, s3.prefix) == ("evidence-bucket", "kh/")
    with pytest.raises(ValueError):
        from_config({"STORAGE_URL": "ftp://somewhere", "STORAGE_DIR": str(tmp_path)})
