"""Abandoned resumable uploads (issue 19) go: an upload nobody added to for a day, with its
chunks in storage, and chunks no upload owns any more. Safe to run twice or late."""

from datetime import datetime

from ..domain.uploads import prune
from .context import with_app_context


@with_app_context
def prune_uploads(now: datetime | None = None) -> int:
    return prune(now)
