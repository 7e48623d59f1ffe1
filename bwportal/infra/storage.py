"""Where the portal keeps files (evidence, rendered PDFs, exports): one small interface.

Every file is addressed by a key such as ``evidence/<random>.jpg`` or ``documents/<random>.pdf``
and written and read as a stream, never whole in memory. The embedded default is a folder
(``STORAGE_DIR``); production uses S3-compatible object storage so that every web process and
worker sees the same files (the S3 backend is chosen by one setting).
"""

import hashlib
import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit

from flask import current_app

CHUNK = 64 * 1024
# A key is a few path segments of safe characters: no "..", no absolute paths, no surprises.
_KEY = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_.-]+)+$")


class BadKey(ValueError):
    pass


def check_key(key: str) -> str:
    if not _KEY.match(key) or any(part in ("", ".", "..") for part in key.split("/")):
        raise BadKey(key)
    return key


class Storage(Protocol):
    def put(self, key: str, stream: BinaryIO, content_type: str = "application/octet-stream") -> int:
        """Store the stream's bytes (from its current position) under ``key``; returns the size."""

    def open(self, key: str) -> BinaryIO | None:
        """A readable stream of the file, or None if there is none."""

    def size(self, key: str) -> int | None:
        """The file's size in bytes, or None if there is none."""

    def delete(self, key: str) -> None:
        """Remove the file if it is there."""

    def keys(self, prefix: str) -> Iterator[str]:
        """Every key that starts with ``prefix`` (for pruning and backups)."""


class FolderStorage:
    """Files in a folder of this machine: the embedded default, and tests."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _existing(self, key: str) -> Path | None:
        """The key's file, if it is one and really inside the folder (a link out is not followed)."""
        path = self._path(key)
        try:
            real = path.resolve(strict=True)
        except (FileNotFoundError, NotADirectoryError, RuntimeError):
            return None
        return real if real.is_file() and real.is_relative_to(self.root.resolve()) else None

    def put(self, key: str, stream: BinaryIO, content_type: str = "application/octet-stream") -> int:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside, then renamed: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as out:
                shutil.copyfileobj(stream, out, CHUNK)
                size = out.tell()
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return size

    def open(self, key: str) -> BinaryIO | None:
        path = self._existing(key)
        try:
            return path.open("rb") if path else None
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def size(self, key: str) -> int | None:
        path = self._existing(key)
        return path.stat().st_size if path else None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self, prefix: str) -> Iterator[str]:
        folder = self.root / prefix.rstrip("/")
        if not folder.is_dir():
            return
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith(".part-"):
                yield path.relative_to(self.root).as_posix()


class _Counted:
    """Reads through to a stream and counts the bytes (an upload's size, without a second pass)."""

    def __init__(self, stream: BinaryIO):
        self.stream, self.count = stream, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size)
        self.count += len(chunk)
        return chunk


class _Body(io.RawIOBase):
    """An object's body as a readable stream that knows its length (for Content-Length)."""

    def __init__(self, body, size: int):
        self.body, self.size = body, size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self.body.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        self.body.close()
        super().close()


class S3Storage:
    """Files in a bucket of S3-compatible object storage (AWS S3, MinIO, Ceph, R2...), shared by
    every web process and worker. Streams both ways: uploads go up in parts of PART bytes (so
    memory stays bounded whatever the file's size), downloads are read as they are sent."""

    PART = 8 * 1024 * 1024

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None, client=None):
        import boto3  # only deployments that use S3 pay for importing it
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = client or boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url or None,
            config=Config(signature_version="s3v4", connect_timeout=5, read_timeout=60,
                          retries={"max_attempts": 3, "mode": "standard"},
                          # a self-hosted endpoint (MinIO, Ceph, moto) has no bucket subdomains
                          s3={"addressing_style": "path" if endpoint_url else "auto"}))
        # Two parts in flight at most: a web process uploading never holds more than ~3 parts.
        self.transfer = TransferConfig(multipart_threshold=self.PART, multipart_chunksize=self.PART,
                                       max_concurrency=2)

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _missing(self, error) -> bool:
        code = error.response.get("Error", {}).get("Code", "")
        return code in ("404", "NoSuchKey", "NotFound")

    def put(self, key: str, stream: BinaryIO, content_type: str = "application/octet-stream") -> int:
        counted = _Counted(stream)  # not seekable: read once, in order, part by part
        self.client.upload_fileobj(counted, self.bucket, self._name(key),
                                   ExtraArgs={"ContentType": content_type}, Config=self.transfer)
        return counted.count

    def open(self, key: str) -> BinaryIO | None:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if self._missing(error):
                return None
            raise
        return io.BufferedReader(_Body(answer["Body"], answer["ContentLength"]), CHUNK)

    def size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._name(key))["ContentLength"]
        except ClientError as error:
            if self._missing(error):
                return None
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def keys(self, prefix: str) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                      Prefix=self.prefix + prefix)
        for page in pages:
            for item in page.get("Contents", ()):
                yield item["Key"][len(self.prefix):]


def from_config(config) -> Storage:
    """The storage ``STORAGE_URL`` names: ``s3://bucket[/prefix]`` (endpoint ``S3_ENDPOINT_URL``,
    credentials from the usual AWS_* variables), else the folder ``STORAGE_DIR``."""
    url = urlsplit(config.get("STORAGE_URL") or "")
    if url.scheme == "s3":
        if not url.netloc:
            raise ValueError("STORAGE_URL must name a bucket: s3://bucket[/prefix]")
        return S3Storage(url.netloc, url.path, endpoint_url=config.get("S3_ENDPOINT_URL"))
    if url.scheme not in ("", "file"):
        raise ValueError(f"STORAGE_URL: unknown scheme {url.scheme!r} (s3:// or a folder)")
    return FolderStorage(url.path if url.scheme == "file" else config["STORAGE_DIR"])


def storage() -> Storage:
    """The application's storage, made once per app and process (a forked job gets its own
    connections, never its parent's)."""
    app = current_app._get_current_object()
    made = app.extensions.get("bwportal.storage")
    # (a test may point STORAGE_DIR elsewhere; the made storage follows)
    wanted = (os.getpid(), app.config.get("STORAGE_URL"), app.config.get("S3_ENDPOINT_URL"), app.config["STORAGE_DIR"])
    if made is None or made[0] != wanted:
        made = app.extensions["bwportal.storage"] = (wanted, from_config(app.config))
    return made[1]


def length(stream) -> int | None:
    """A stream's length from storage().open(): the object's, or the open file's."""
    raw = getattr(stream, "raw", None)
    if isinstance(raw, _Body):
        return raw.size
    try:
        return os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None


def send(key: str, *, mimetype: str, as_attachment: bool, download_name: str, conditional: bool = False):
    """A response streaming the stored file (None if there is none). Kept files are never
    rewritten under the same key (new content gets a new random key), so the key is the ETag."""
    from flask import send_file

    stream = storage().open(key)
    if stream is None:
        return None
    size = length(stream)
    response = send_file(stream, mimetype=mimetype, as_attachment=as_attachment, download_name=download_name,
                         max_age=0, conditional=conditional, etag=hashlib.sha256(key.encode()).hexdigest()[:32])
    if response.status_code == 304:
        stream.close()  # the browser's copy is current: nothing is sent
    elif size is not None and response.status_code == 200:
        response.content_length = size
    return response
