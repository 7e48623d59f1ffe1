"""What the hot paths ask of the database (issue 10): a PR1 section save and switch, the IP
list and an IP inline save, counted in statements and in the tables a statement joins; never
in time. Every many-to-one relationship used to be loaded joined, and each joined model
brought its own: loading a report section joined 25 tables (the report, its factory, the
factory's last editor, that user's factory, programme and brand, the cycle, its factory and
lead assessor…) and the save cost twice the server time it does now."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from bwportal.extensions import db
from bwportal.models import IPStatus
from tests import factories as f
from tests.web.test_ip import factory_form

HX = {"HX-Request": "true"}


class Statements:
    def __init__(self):
        self.seen: list[str] = []

    def __call__(self, _conn, _cursor, statement, *_args):
        self.seen.append(statement)

    @property
    def widest(self) -> int:
        """The most tables any one statement joined."""
        return max((len(re.findall(r"\bJOIN\b", s)) for s in self.seen), default=0)


@pytest.fixture
def statements(app):
    counter = Statements()
    event.listen(db.engine, "before_cursor_execute", counter)
    yield counter
    event.remove(db.engine, "before_cursor_execute", counter)


def _released_cycle(world):
    """Angkor's first cycle, its report released; its lead assessor and the factory's last
    editor are users of their own, as in real data (each used to drag in more joins)."""
    cycle = f.make_released_cycle(world.angkor, lead_assessor_id=world.assessor.id)
    world.angkor.updated_by_id = world.ea.id
    return cycle


@pytest.fixture
def draft(world, login):
    """A draft PR1 of Angkor Garments with its systems section saved once, and its factory
    user signed in; Angkor's editor and cycle point at users of their own (as in real data)."""
    cycle = _released_cycle(world)
    db.session.commit()
    client = login(world.factory_user)
    base = f"/factories/{world.angkor.id}/reports"
    created = client.post(base + "/new", data={"cycle_id": str(cycle.id), "report_date": date.today().isoformat()})
    url = created.location.replace("/overview", "/systems")
    first = client.post(url, data={"hr__comment": "First words."}, headers=HX)
    assert first.status_code == 200 and "data-saved" in first.get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', first.get_data(as_text=True))[1]
    return client, url, version


def test_a_section_save_asks_eight_narrow_statements(draft, statements):
    client, url, version = draft
    statements.seen.clear()
    answer = client.post(url, data={"hr__comment": "Second words.", "version": version}, headers=HX)
    assert answer.status_code == 200 and "Second words." in answer.get_data(as_text=True)
    # the user, the factory, the report (with its cycle), its sections, the report again under its
    # lock and its sections as they are under it (issue 17 item 2: a save lands before the
    # snapshot or is refused), the UPDATE, the EA's comments
    assert len(statements.seen) <= 8, statements.seen
    assert statements.widest <= 4, max(statements.seen, key=lambda s: s.count("JOIN"))


def test_a_section_switch_asks_five_narrow_statements(draft, statements):
    client, url, _version = draft
    statements.seen.clear()
    answer = client.get(url.replace("/systems", "/learning"), headers=HX)
    assert answer.status_code == 200
    assert len(statements.seen) <= 5, statements.seen
    assert statements.widest <= 4, max(statements.seen, key=lambda s: s.count("JOIN"))


def _items(world, n=3):
    cycle = _released_cycle(world)
    items = [f.make_ip_item(cycle, text=f"Finding {i}", status=IPStatus.IN_PROGRESS, lead_person="Dara",
                            target_date=date.today() + timedelta(days=30)) for i in range(n)]
    db.session.commit()
    return items


def test_the_ip_list_and_an_inline_save_join_no_more_than_an_item_needs(world, login, statements):
    items = _items(world)
    client = login(world.factory_user)
    statements.seen.clear()
    page = client.get(f"/factories/{world.angkor.id}/ip")
    assert page.status_code == 200 and f'id="item-{items[0].id}"' in page.get_data(as_text=True)
    list_statements, list_widest = len(statements.seen), statements.widest
    form = factory_form(items[0], progress="Half of the lines trained.")
    statements.seen.clear()
    saved = client.post(f"/factories/{world.angkor.id}/ip/{items[0].id}/edit", data=form, headers=HX)
    assert saved.status_code == 200, saved.get_data(as_text=True)[:2000]
    assert "Half of the lines trained." in saved.get_data(as_text=True)
    # An item comes with its cycle, visit, catalogue rows and verifier: 10 joins, none further.
    # 7: the list is paged (issue 18), and a page counts the items that match.
    assert list_statements <= 7 and list_widest <= 10, (list_statements, list_widest)
    assert statements.widest <= 10, max(statements.seen, key=lambda s: s.count("JOIN"))



def plan_of_first(call, marker: str) -> str:
    """The database's plan for the first statement ``call`` sends that contains ``marker``
    (on PostgreSQL with sequential scans and sorts off: tables this small would be read whole
    and sorted anyway)."""
    seen = []

    def remember(_conn, _cursor, statement, parameters, *_args):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    statement, parameters = next((s, p) for s, p in seen if marker in s)
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_sort = off")
            return str(conn.exec_driver_sql("EXPLAIN " + statement, parameters).scalars().all())
        return str(conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all())


def test_finding_a_user_by_email_uses_an_index(app_ctx, world):
    """Sign-in, password reset and invitations look a user up by lower(email), which the
    unique index on email cannot serve: each sign-in read every user."""
    from bwportal.domain.people.accounts import find_user_by_email

    def find():
        assert find_user_by_email(" Factory@Example.com ") == world.factory_user

    plan = plan_of_first(find, "lower")
    assert "ix_user_lower_email" in plan, plan


def test_the_verification_queue_reads_only_waiting_items(app_ctx, world):
    """An EA's queue: the items reported remediated of the EA's factories, by a partial index
    (PostgreSQL read all 410,000 items of the scale data for it)."""
    from bwportal.domain.ip.queries import verification_queue
    from bwportal.domain.tenancy import visible_factory_ids

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's plan for a few rows does not reliably take the index (it failed 4 runs in 6 here)")

    def queue():
        verification_queue(visible_factory_ids(world.ea))

    plan = plan_of_first(queue, "remediation_reported_at IS NOT NULL")
    assert "ix_ip_item_awaiting_verification" in plan, plan



def test_lists_of_reports_read_neither_snapshots_nor_sections(draft, world, login, statements):
    """The EA's inbox and a factory's reports list show kinds, dates and states: the frozen
    copy of a submitted report and its sections' answers are read when it is opened."""
    client, url, version = draft
    report_url = url.rsplit("/", 1)[0]  # /factories/<id>/reports/<report id>
    for slug, data in f.submittable_form().items():  # every required answer (PR-4)
        client.post(f"{report_url}/{slug}", data={**data, **({"version": version} if slug == "systems" else {})})
    assert client.post(report_url + "/submit").status_code == 302
    for path, reader in (("/inbox", world.ea), (report_url.rsplit("/", 1)[0], world.factory_user)):
        client = login(reader)
        statements.seen.clear()
        page = client.get(path)
        assert page.status_code == 200 and report_url in page.get_data(as_text=True), path
        assert not [s for s in statements.seen if "progress_report.snapshot" in s or "FROM report_section" in s], path


def test_the_programme_dashboard_counts_the_programmes_items_from_one_range(app_ctx, world):
    """Items by status and cluster: the programme's range of an index, read in its order,
    not every item of every programme looked up by its factory (issue 21: 410,000 items)."""
    from bwportal.domain.dashboards.figures import Filters
    from bwportal.domain.dashboards.programme import programme_dashboard

    def board():
        programme_dashboard(world.admin, Filters())

    plan = plan_of_first(board, "FILTER (WHERE")
    assert "ix_ip_item_programme_figures" in plan, plan


def test_a_page_of_the_admins_subscriptions_reads_them_in_order(app_ctx, world):
    """Newest request first, 25 at a time: by an index, not by sorting all of them (65 ms
    for 14,500 subscriptions). On PostgreSQL: SQLite's planner picks by the table's size."""
    from bwportal.domain.subscriptions import of_programme

    if db.engine.dialect.name != "postgresql":
        pytest.skip("the plan of a small SQLite table says nothing of the index")

    def page():
        db.session.scalars(of_programme(world.kh.id).limit(25)).all()

    plan = plan_of_first(page, "FROM subscription")
    assert "ix_subscription_requested_at_id" in plan, plan
