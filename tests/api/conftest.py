"""What the API tests share: a token for a user, and reading with it."""

import pytest

from bwportal.extensions import db
from tests import factories as f


@pytest.fixture
def bearer(world):
    """The Authorization header of a new token of ``user``."""
    def make(user) -> dict:
        _token, secret = f.make_api_token(user)
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return make


@pytest.fixture
def read(client, bearer):
    """GET ``path`` as ``user`` (a token made once per user); returns the response."""
    headers = {}

    def get(user, path, **extra):
        if user.id not in headers:
            headers[user.id] = bearer(user)
        return client.get(path, headers={**headers[user.id], **extra})

    return get


@pytest.fixture
def settled(app):
    """Wait until every feed entry written so far is below the feed's horizon. On PostgreSQL
    the horizon is the oldest transaction running anywhere on the server (transaction ids
    are the cluster's), so another database's open transaction holds entries back: they come
    later, never lost. Bounded: 20 s at most."""
    import time

    from sqlalchemy import text

    def wait() -> None:
        if db.engine.dialect.name != "postgresql":
            return
        with db.engine.connect() as conn:
            newest = conn.scalar(text("SELECT max(txid) FROM api_change")) or 0
            for _ in range(200):
                if conn.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")) > newest:
                    return
                conn.rollback()
                time.sleep(0.1)
        raise AssertionError("a transaction elsewhere on the server held the feed back for 20 s")

    return wait
