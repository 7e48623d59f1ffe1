"""Applying a state change at most once (issue 17, item 1).

Every operation that moves something from one state to another (a report's workflow, an IP
item's verification, a committee proposal, an import into the IP) first takes its row with
``locked()``: the row as committed now, locked until the transaction ends. Two requests
sent at once (a double click, two people deciding together) are then serialised by the
database, and the second one checks the state the first one left, so it is refused with a
``Conflict`` instead of making a second effect or sending a second e-mail.

PostgreSQL takes ``SELECT … FOR UPDATE OF <table>``; SQLite has no row locks (it ignores
the clause) but lets one writer at a time, which is what the embedded default needs.
"""

from sqlalchemy import select

from ..extensions import db


def locked(obj):
    """``obj`` re-read from the database and locked until commit or rollback; the same object
    (the session's identity map), its columns refreshed to what is committed now."""
    model = type(obj)
    if obj.id is None:  # not written yet: no one else can see it
        return obj
    return db.session.scalars(select(model).where(model.id == obj.id)
                              .with_for_update(of=model).execution_options(populate_existing=True)).one()
