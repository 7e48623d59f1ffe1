"""How a request's transaction ends (bwportal/transactions.py): a request that only read
ends with COMMIT, so psycopg keeps its prepared statements; anything that wrote, or meant to
and did not commit, or failed, still ends with ROLLBACK and leaves nothing behind."""

import pytest
from flask import Blueprint, abort
from sqlalchemy import event, func, select, update

from bwportal import create_app
from bwportal.extensions import db
from bwportal.models import Programme

probe = Blueprint("probe", __name__)


@probe.get("/probe/read")
def read():
    return str(db.session.scalar(select(func.count(Programme.id))))


@probe.get("/probe/flushed-then-refused")
def flushed_then_refused():
    db.session.add(Programme(name="Flushed", country="KH", committee_short="PICC", committee_long="x",
                             default_locale="en", timezone="UTC"))
    db.session.flush()  # the INSERT went to the database inside the transaction
    db.session.scalar(select(func.count(Programme.id)))
    abort(403)


@probe.get("/probe/added-not-committed")
def added_not_committed():
    db.session.add(Programme(name="Pending", country="KH", committee_short="PICC", committee_long="x",
                             default_locale="en", timezone="UTC"))
    return "forgot to commit"


@probe.get("/probe/bulk-update-not-committed")
def bulk_update_not_committed():
    db.session.execute(update(Programme).values(name="Renamed in bulk"))
    return "forgot to commit"


@probe.get("/probe/failed-after-reading")
def failed_after_reading():
    db.session.scalar(select(func.count(Programme.id)))
    raise RuntimeError("a bug")


@probe.get("/probe/committed-then-read")
def committed_then_read():
    db.session.add(Programme(name="Committed", country="KH", committee_short="PICC", committee_long="x",
                             default_locale="en", timezone="UTC"))
    db.session.commit()
    return str(db.session.scalar(select(func.count(Programme.id))))  # a new, read-only transaction


@pytest.fixture
def probe_app(app, app_ctx):
    """An app of its own (a route can't be added to the shared one once it served), on the
    same database."""
    other = create_app({key: app.config[key] for key in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "REDIS_URL", "WTF_CSRF_ENABLED", "RATELIMIT_ENABLED",
        "MAIL_OUTBOX_DIR", "STORAGE_DIR")} | {"PROPAGATE_EXCEPTIONS": False})
    other.register_blueprint(probe)
    endings = []
    with other.app_context():
        engine = db.engine
    listeners = {"commit": lambda _conn: endings.append("commit"),
                 "rollback": lambda _conn: endings.append("rollback")}
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    yield other, endings
    for name, listener in listeners.items():
        event.remove(engine, name, listener)
    with other.app_context():
        db.engine.dispose()


def names():
    db.session.expire_all()
    return set(db.session.scalars(select(Programme.name)))


def test_a_request_that_only_read_ends_with_commit(probe_app):
    app, endings = probe_app
    assert app.test_client().get("/probe/read").status_code == 200
    assert endings == ["commit"]


@pytest.mark.parametrize("path, status", [
    ("/probe/flushed-then-refused", 403),
    ("/probe/added-not-committed", 200),
    ("/probe/bulk-update-not-committed", 200),
    ("/probe/failed-after-reading", 500),
])
def test_a_request_that_wrote_without_committing_or_failed_ends_with_rollback(probe_app, path, status):
    app, endings = probe_app
    before = names()
    assert app.test_client().get(path).status_code == status
    assert "commit" not in endings  # rolled back (or, with nothing sent yet, never begun)
    assert names() == before


def test_after_its_own_commit_a_request_ends_its_reading_with_commit(probe_app):
    app, endings = probe_app
    assert app.test_client().get("/probe/committed-then-read").status_code == 200
    assert endings == ["commit", "commit"]
    assert "Committed" in names()


def test_on_postgresql_a_repeated_query_stays_prepared_across_requests(probe_app):
    """psycopg prepares a statement on its fifth run and forgets all of them at a ROLLBACK:
    read-only requests ended by ROLLBACK never got there."""
    app, _endings = probe_app
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("prepared statements are PostgreSQL's (psycopg)")
    client = app.test_client()
    for _ in range(6):
        assert client.get("/probe/read").status_code == 200
    with app.app_context():  # the pool's one connection, as the requests left it
        prepared = db.session.scalar(db.text(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%count(programme.id)%'"))
        db.session.rollback()
    assert prepared == 1


def test_a_failed_commit_of_a_read_only_transaction_does_not_spoil_the_answer(probe_app, monkeypatch):
    """The page is made when the transaction ends: a connection lost by then is logged, and the
    rollback that follows cleans up, as it did before."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    def lost(_self):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    app, _endings = probe_app
    monkeypatch.setattr(Session, "commit", lost)
    answer = app.test_client().get("/probe/read")
    assert answer.status_code == 200 and answer.get_data(as_text=True).isdigit()
