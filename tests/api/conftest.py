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
