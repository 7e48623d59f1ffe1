"""How a request's transaction ends when it wrote nothing: COMMIT, not ROLLBACK.

The two are the same to the data when the transaction only read. They are not the same to
psycopg: a ROLLBACK makes it forget every prepared statement of the connection (it cannot
know what the transaction undid), so with Flask-SQLAlchemy's rollback at the end of every
request no statement ever stayed prepared, and PostgreSQL planned each query anew, every
time: 1.2 ms of planning for 0.16 ms of execution for an IP item with its catalogue rows.
Ended by COMMIT, the statements a worker repeats stay prepared on its pooled connection
(psycopg prepares a statement on its fifth run), and a section save takes a quarter less
server time (bench/load.py).

A transaction counts as having written as soon as any statement other than a SELECT went
to the database (ORM flushes, bulk and Core statements, text() alike), or while the session
holds changes not yet flushed; a request that ended in an error keeps the rollback. Those
end as before: Flask-SQLAlchemy rolls them back when it removes the session.
"""

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..extensions import db

_WROTE = "bwportal_wrote"  # in Connection.info: this transaction sent something other than a SELECT
_CONNECTION = "bwportal_connection"  # in Session.info: the connection of the session's transaction


def _began(conn) -> None:
    conn.info[_WROTE] = False


@event.listens_for(Session, "after_begin")
def _session_began(session, _transaction, connection) -> None:
    session.info[_CONNECTION] = connection


def _before_execute(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    if not statement.lstrip().lower().startswith("select"):
        conn.info[_WROTE] = True


def _end_read_only_transaction(error) -> None:
    if error is not None or not db.session.registry.has():
        return
    session = db.session()
    if session.new or session.dirty or session.deleted:
        return
    connection = session.info.get(_CONNECTION)
    if session.in_transaction() and connection is not None and connection.in_transaction() \
            and connection.info.get(_WROTE) is False:
        try:
            session.commit()
        except SQLAlchemyError:  # the answer is already made, and nothing was written: log, never fail it
            current_app.logger.warning("A read-only transaction could not be committed", exc_info=True)


def init_app(app: Flask) -> None:
    """After db.init_app: its teardown (remove the session) must run after this one, and
    Flask runs teardown functions in the reverse order of registration."""
    with app.app_context():
        engine = db.engine
    event.listen(engine, "begin", _began)
    event.listen(engine, "before_cursor_execute", _before_execute)
    app.teardown_appcontext(_end_read_only_transaction)
