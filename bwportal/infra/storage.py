"""Where the portal keeps files (evidence, rendered PDFs, exports): one small interface.

Every file is addressed by a key such as ``evidence/<random>.jpg`` or ``documents/<random>.pdf``
and written and read as a stream, never whole in memory. The embedded default is a folder
(``STORAGE_DIR``); production uses S3-compatible object storage so that every web process and
worker sees the same files (the S3 backend is chosen by one setting).
"""

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

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
        try:
            return self._path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def size(self, key: str) -> int | None:
        path = self._path(key)
        return path.stat().st_size if path.is_file() else None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self, prefix: str) -> Iterator[str]:
        folder = self.root / prefix.rstrip("/")
        if not folder.is_dir():
            return
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith(".part-"):
                yield path.relative_to(self.root).as_posix()


def storage() -> Storage:
    """The application's storage, made once per app."""
    app = current_app._get_current_object()
    made = app.extensions.get("bwportal.storage")
    if made is None:
        made = app.extensions["bwportal.storage"] = FolderStorage(app.config["STORAGE_DIR"])
    return made
