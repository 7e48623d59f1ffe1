"""PostgreSQL lost during a save (issue 9): the answer is a clear "nothing was saved, send it
again" in the user's language with the typed text kept, nothing is half written, and the same
save works afterwards without restarting the app (pool_pre_ping).

Two ways of losing it: the request's own connection killed between its flush and its commit
(``pg_terminate_backend`` from another connection: deterministic), and the real server
stopped and started with ``pg_ctlcluster`` around a save.
"""

import time

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from bwportal.extensions import db
from bwportal.models import IPItem, OutboxMessage, ReportSection
from bwportal.web.outage import RETRY_AFTER

from .conftest import HX, needs_postgres, post_forms, say, section_url, stored_section

NOTHING_SAVED = "Nothing was saved from this attempt. Your text is below: please send it again in a moment."
BANNER = "Nothing was saved from this attempt. Your text is still in the form: please send it again in a moment."


def in_language(app, locale: str, msgid: str) -> str:
    """What the portal says for ``msgid`` in ``locale`` (its translation once there is one)."""
    with app.test_request_context(), force_locale(locale):
        return gettext(msgid)


class KillBetweenFlushAndCommit:
    """Once a flush has written a row of ``model``, the request's backend is terminated from
    another connection, so the COMMIT that follows finds no server."""

    def __init__(self, app, model):
        self.model, self.killed = model, []
        self.killer = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)

    def __enter__(self):
        event.listen(Session, "after_flush", self._after_flush)
        return self

    def __exit__(self, *exc):
        event.remove(Session, "after_flush", self._after_flush)
        self.killer.dispose()

    def _after_flush(self, session, _context):
        if self.killed or not any(isinstance(o, self.model) for o in (*session.new, *session.dirty)):
            return
        pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with self.killer.connect() as other:
            assert other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar() is True
        self.killed.append(pid)


def counts() -> dict[str, int]:
    """Rows per table: what is committed."""
    db.session.rollback()
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


@needs_postgres("a server connection to terminate")
def test_connection_killed_between_flush_and_commit_of_a_section_save(app, login, world, pr1):
    world.factory_user.locale = "fr"
    db.session.commit()
    client = login(world.factory_user)
    url = section_url(world, pr1)
    version = stored_section(pr1).version
    committed = counts()
    typed = "Réponse tapée pendant la panne\nsur deux lignes"
    with KillBetweenFlushAndCommit(app, ReportSection) as kill:
        response = client.post(url, data={"feedback": typed, "version": str(version)})
    assert kill.killed, "the save never flushed its section"
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == str(RETRY_AFTER)
    assert '<html lang="fr"' in html  # the user's language, chosen before the database went away
    assert in_language(app, "fr", NOTHING_SAVED) in html
    [form] = [form for form in post_forms(html) if form["action"] == url]
    assert ("feedback", typed) in form["fields"] and ("version", str(version)) in form["fields"]
    assert typed.split("\n")[0] in html  # shown, not only hidden in the form
    # Nothing of the attempt was written.
    after = stored_section(pr1)
    assert (after.answers["feedback"]["value"], after.version) == ("Committed before the fault", version)
    assert counts() == committed
    # "Send it again": the page's own form, as the browser would post it, now saves.
    again = client.post(form["action"], data=dict(form["fields"]))
    assert again.status_code == 302, again.get_data(as_text=True)[:500]
    saved = stored_section(pr1)
    assert (saved.answers["feedback"]["value"], saved.version) == (typed, version + 1)
    say(f"backend {kill.killed[0]} terminated between flush and COMMIT of a PR1 section save: "
        f"answer 503 (Retry-After {RETRY_AFTER}) in French with the typed text in a resend form; "
        f"{sum(committed.values())} committed rows unchanged; the resent form saved version {saved.version}")


@needs_postgres("a server connection to terminate")
def test_connection_killed_during_an_htmx_ip_item_save_keeps_the_form(app, login, world, cycle):
    from tests import factories as f
    from tests.web.test_ip import factory_form

    item = f.make_ip_item(cycle, by=world.ea)
    db.session.commit()
    client = login(world.factory_user)
    url = f"/factories/{world.angkor.id}/ip/{item.id}/edit"
    form = factory_form(item, actions_needed="Pay the overtime owed")
    with KillBetweenFlushAndCommit(app, IPItem) as kill:
        response = client.post(url, headers=HX, data=form)
    assert kill.killed
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == str(RETRY_AFTER)
    # htmx puts the banner above the page and leaves the form, with what was typed, alone.
    assert response.headers["HX-Retarget"] == "#main" and response.headers["HX-Reswap"].startswith("afterbegin")
    assert in_language(app, "en", BANNER) in html and "<form" not in html
    db.session.expire_all()
    assert (db.session.get(IPItem, item.id).version, db.session.get(IPItem, item.id).actions_needed) == \
        (item.version, "")
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    again = client.post(url, headers=HX, data=form)
    assert again.status_code == 200
    db.session.expire_all()
    assert db.session.get(IPItem, item.id).actions_needed == "Pay the overtime owed"
    say(f"backend {kill.killed[0]} terminated between flush and COMMIT of an HTMX IP item save: "
        "answer 503 with a banner retargeted above the untouched form; item unchanged; the same save then worked")


def test_errors_that_are_not_an_outage_stay_500(app):
    """A bug is not answered "try again": only connection, busy and lock errors are."""
    import sqlite3

    from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

    from bwportal.web.outage import is_outage

    assert is_outage(OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked")))
    assert not is_outage(OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x")))
    assert not is_outage(IntegrityError("INSERT", {}, Exception("unique")))
    assert not is_outage(ProgrammingError("SELECT", {}, Exception("syntax")))
    dropped = OperationalError("COMMIT", {}, Exception("server closed the connection"), connection_invalidated=True)
    assert is_outage(dropped)


def test_a_page_while_the_database_is_down_answers_503_without_asking_it_again(app, login, world, monkeypatch):
    """Any engine: the user cannot even be loaded; the answer is a visitor's page, no 500, in
    the account's language as the session cookie noted it (not the browser's)."""
    from sqlalchemy.exc import OperationalError

    world.factory_user.locale = "fr"
    db.session.commit()
    client = login(world.factory_user)
    assert client.get("/home").status_code == 200
    calls = []

    def down(*_args, **_kwargs):
        calls.append(1)
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"),
                               connection_invalidated=True)

    monkeypatch.setattr(db.session, "get", down)  # how the user is loaded (web.load_user)
    response = client.get(f"/factories/{world.angkor.id}/ip", headers={"Accept-Language": "km"})
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == str(RETRY_AFTER)
    assert '<html lang="fr"' in html and in_language(app, "fr", "The database was briefly unreachable") in html
    assert calls  # the database was asked, and refused
    polled = client.get(f"/factories/{world.angkor.id}/ip", headers=HX)
    assert polled.status_code == 503 and polled.headers["HX-Reswap"] == "none"
    say("database refusing connections: a page answered 503 in the account's language, an HTMX poll "
        "503 with nothing swapped")


@pytest.mark.serial  # stops the server every other test process uses: run alone, after the rest
def test_postgres_restarted_around_a_save(app, login, world, pr1, pg_cluster):
    world.factory_user.locale = "fr"
    db.session.commit()
    client = login(world.factory_user)
    assert client.get(section_url(world, pr1)).status_code == 200  # the pool holds a live connection now
    url, report_id = section_url(world, pr1), pr1.id
    version = stored_section(report_id).version
    committed = counts()
    db.session.close()  # the test's own connection goes back to the pool, which the restart breaks
    typed = "Texte envoyé pendant que PostgreSQL redémarre"
    down = pg_cluster.ctl("stop")
    try:
        assert not pg_cluster.ready()
        # The account cannot be read: its language comes from the session cookie, not the browser's.
        response = client.post(url, data={"feedback": typed, "version": str(version)},
                               headers={"Accept-Language": "km"})
        htmx_save = client.post(url, headers=HX, data={"feedback": typed, "version": str(version)})
        page = client.get(url)
    finally:
        up = pg_cluster.ctl("start")
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == str(RETRY_AFTER)
    assert '<html lang="fr"' in html and in_language(app, "fr", NOTHING_SAVED) in html
    [form] = [form for form in post_forms(html) if form["action"] == url]
    assert ("feedback", typed) in form["fields"]
    assert htmx_save.status_code == 503 and htmx_save.headers["HX-Retarget"] == "#main"
    assert page.status_code == 503
    # Back up: everything committed before is there, nothing of the attempts is.
    assert counts() == committed
    assert stored_section(report_id).answers["feedback"]["value"] == "Committed before the fault"
    # The same app, its pool full of dead connections, saves the resent form (pool_pre_ping).
    started = time.monotonic()
    again = client.post(form["action"], data=dict(form["fields"]))
    assert again.status_code == 302, again.get_data(as_text=True)[:500]
    saved = stored_section(report_id)
    assert (saved.answers["feedback"]["value"], saved.version) == (typed, version + 1)
    say(f"PostgreSQL {pg_cluster} stopped in {down:.1f} s and started in {up:.1f} s around a PR1 "
        f"section save: answers 503 (form page in French with the text, HTMX banner, page); "
        f"{sum(committed.values())} committed rows in {len(committed)} tables intact; the resent form saved "
        f"in {time.monotonic() - started:.2f} s without restarting the app")
