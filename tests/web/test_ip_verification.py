"""IP-5…IP-8: remediation reports, the EA's queue and verification, new assessments, the daily job."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from bwportal.domain.ip import operations as ops
from bwportal.extensions import db
from bwportal.jobs.ip_daily import mark_delayed_items
from bwportal.models import EventKind, IPEvent, IPItem, IPStatus, Role
from bwportal.web.paging import PER_PAGE
from tests import factories as f
from tests.helpers import translated

from .test_ip import HX, events, reload, url

CHECKS = {"check_committee_agrees": "y", "check_evidence_reviewed": "y", "check_root_causes_followed": "y"}


@pytest.fixture
def cycle1(world):
    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=200))
    db.session.commit()
    return cycle


def new_item(world, cycle, point="Overtime Wages", text="Overtime not paid", **values):
    item = f.make_ip_item(cycle, point, text, by=world.ea, **values)
    db.session.commit()
    return item


def report(client, world, item, note="Payroll corrected; committee saw the slips"):
    return client.post(url(world, item, "/remediated"), data={"note": note})


# --- remediation and the queue ----------------------------------------------------------

def test_factory_reports_remediated_and_it_enters_the_queue(login, world, cycle1):
    item = new_item(world, cycle1)
    client = login(world.factory_user)
    assert report(client, world, item).status_code == 302
    saved = reload(item)
    assert saved.remediation_reported_at is not None and saved.remediation_note.startswith("Payroll")
    assert [e.kind for e in events(item)][-1] is EventKind.REMEDIATION_REPORTED
    assert report(client, world, item).status_code == 302  # twice: refused with a message, not a 2nd entry
    assert len(events(item, EventKind.REMEDIATION_REPORTED)) == 1
    queue = login(world.ea).get("/verification").get_data(as_text=True)
    assert f'id="queue-{item.id}"' in queue and "Payroll corrected" in queue


def test_remediation_needs_a_note(login, world, cycle1):
    item = new_item(world, cycle1)
    response = report(login(world.factory_user), world, item, note="")
    assert response.status_code == 422
    assert "Please say what was done" in response.get_data(as_text=True)
    assert reload(item).remediation_reported_at is None


def test_queue_is_public_first_then_oldest_and_shows_the_due_visit(login, world, cycle1):
    private = new_item(world, cycle1, "Regular Hours", "Hours")
    public = new_item(world, cycle1, "Overtime Wages", "Overtime")
    private.remediation_reported_at = datetime.now(UTC) - timedelta(days=60)
    public.remediation_reported_at = datetime.now(UTC) - timedelta(days=10)
    for days in (50, 40):  # two visits after the private item's report: it is due
        f.make_visit(cycle1, date.today() - timedelta(days=days))
    db.session.commit()
    html = login(world.ea).get("/verification").get_data(as_text=True)
    order = [int(i) for i in re.findall(r'id="queue-(\d+)"', html)]
    assert order == [public.id, private.id]
    assert "Advisory visits since the report: 0 of 2" in html
    due = (date.today() - timedelta(days=40))
    assert "Due since the advisory visit of" in html and str(due.year) in html


def test_queue_holds_only_the_eas_assigned_factories(login, world, cycle1):
    other_cycle = f.make_cycle(world.mekong, 1)
    mine = new_item(world, cycle1, remediation_reported_at=datetime.now(UTC))
    theirs = new_item(world, other_cycle, remediation_reported_at=datetime.now(UTC))
    html = login(world.ea).get("/verification").get_data(as_text=True)
    assert f'id="queue-{mine.id}"' in html and f'id="queue-{theirs.id}"' not in html
    assert login(world.factory_user).get("/verification").status_code == 403


# --- verification ------------------------------------------------------------------------

def test_ea_verifies_from_the_queue_inline_and_the_factory_sees_completed(login, world, cycle1):
    item = new_item(world, cycle1, remediation_reported_at=datetime.now(UTC))
    client = login(world.ea)
    done = date.today()
    response = client.post(url(world, item, "/verify"), headers=HX,
                           data={**CHECKS, "completion_date": done.isoformat(), "from": "queue"})
    assert response.status_code == 200
    assert "Verified: the item is Completed." in response.get_data(as_text=True)
    saved = reload(item)
    assert (saved.status, saved.completion_date, saved.completed_by_id) == (IPStatus.COMPLETED, done, world.ea.id)
    assert saved.remediation_reported_at is None
    assert [(e.old_value, e.new_value) for e in events(item, EventKind.STATUS)] == [("pending", "completed")]
    page = login(world.factory_user).get(url(world, item)).get_data(as_text=True)
    assert "Completed" in page and "Verified by" in page


def test_all_three_checks_are_required(login, world, cycle1):
    item = new_item(world, cycle1, remediation_reported_at=datetime.now(UTC))
    response = login(world.ea).post(url(world, item, "/verify"), data={
        "check_committee_agrees": "y", "completion_date": date.today().isoformat()})
    assert response.status_code == 422
    assert "Record all three checks" in response.get_data(as_text=True)
    assert reload(item).status is IPStatus.PENDING


def test_worker_interview_items_wait_for_the_next_released_assessment(login, world, cycle1):
    """IP-6 (the repeat and the review: tests/web/test_ip_across_assessments.py)."""
    item = new_item(world, cycle1, "Gender", "Pregnancy testing at hiring")
    assert item.needs_worker_interviews  # default from the compliance point (DOMAIN.md)
    client = login(world.ea)
    data = {**CHECKS, "completion_date": date.today().isoformat()}
    refused = client.post(url(world, item, "/verify"), data=data)
    assert refused.status_code == 422
    assert "only once an assessment released after cycle 1" in refused.get_data(as_text=True)
    f.make_cycle(world.angkor, 2, date.today() - timedelta(days=5), report_release_date=date.today())
    item.review_with_committee = True  # cycle 2 did not find it again (the import flags it)
    db.session.commit()
    review = {"root_causes_addressed": "y", "grievance_mechanism_review": "Workers use the hotline",
              "completion_date": date.today().isoformat()}
    assert client.post(url(world, item, "/verify"), data=review).status_code == 302
    assert reload(item).status is IPStatus.COMPLETED


def test_ea_returns_an_item_with_a_comment(login, world, cycle1):
    item = new_item(world, cycle1, remediation_reported_at=datetime.now(UTC))
    client = login(world.ea)
    empty = client.post(url(world, item, "/return"), data={"comment": "", "from": "queue"}, headers=HX)
    assert empty.status_code == 422
    response = client.post(url(world, item, "/return"), data={"comment": "Slips for March missing"})
    assert response.status_code == 302
    assert reload(item).remediation_reported_at is None
    assert events(item, EventKind.VERIFICATION_RETURNED)[0].body == "Slips for March missing"


@pytest.mark.parametrize("who", ["factory_user", "buyer", "assessor", "admin"])
def test_only_the_ea_verifies(login, world, cycle1, who):
    item = new_item(world, cycle1, remediation_reported_at=datetime.now(UTC))
    client = login(getattr(world, who))
    data = {**CHECKS, "completion_date": date.today().isoformat()}
    assert client.post(url(world, item, "/verify"), data=data).status_code == 403
    assert client.post(url(world, item, "/return"), data={"comment": "x"}).status_code == 403
    assert reload(item).status is IPStatus.PENDING


def test_ea_can_reopen_a_completed_item_and_the_factory_cannot(login, world, cycle1):
    item = new_item(world, cycle1, remediation_reported_at=datetime.now(UTC))
    ea = login(world.ea)
    ea.post(url(world, item, "/verify"), data={**CHECKS, "completion_date": date.today().isoformat()})
    form = login(world.factory_user).get(url(world, item, "/edit")).get_data(as_text=True)
    assert 'name="status"' not in form
    response = login(world.ea).post(url(world, item, "/edit"), data={"status": "in_progress",
                                                                     "version": str(reload(item).version)})
    assert response.status_code == 302
    saved = reload(item)
    assert (saved.status, saved.completion_date, saved.completed_by_id) == (IPStatus.IN_PROGRESS, None, None)


# --- comments ------------------------------------------------------------------------------

def test_lead_assessor_comment_shows_on_the_item(login, world, cycle1):
    cycle1.lead_assessor_id = world.assessor.id  # its report is not released yet
    item = new_item(world, cycle1)
    client = login(world.assessor)
    assert client.post(url(world, item, "/comments"), data={"body": "Still open at re-assessment"}).status_code == 302
    assert events(item, EventKind.ASSESSOR_COMMENT)[0].body == "Still open at re-assessment"
    listing = login(world.buyer).get(url(world)).get_data(as_text=True)
    assert "Lead assessor" in listing and "Still open at re-assessment" in listing


def test_factory_and_ea_comment_and_buyers_cannot(login, world, cycle1):
    item = new_item(world, cycle1)
    assert login(world.factory_user).post(url(world, item, "/comments"), data={"body": "We started"}).status_code == 302
    assert login(world.buyer).post(url(world, item, "/comments"), data={"body": "x"}).status_code == 403
    assert [e.body for e in events(item, EventKind.COMMENT)] == ["We started"]


# --- a new assessment ----------------------------------------------------------------------

def test_new_assessment_merges_repeats_and_flags_what_was_not_repeated(login, world, cycle1):
    repeated = new_item(world, cycle1, "Overtime Wages", "Overtime not paid")
    not_repeated = new_item(world, cycle1, "Regular Hours", "Too many hours")
    cycle2 = f.make_cycle(world.angkor, 2, date.today() - timedelta(days=10))
    repeat = f.make_finding(cycle2, "Overtime Wages", "Overtime still not paid in full")
    fresh = f.make_finding(cycle2, "Emergency Preparedness", "Exit blocked")
    db.session.commit()
    client = login(world.ea)
    page = client.get(url(world, suffix="/import")).get_data(as_text=True)
    assert "Exit blocked" in page and "Merge into" in page and "Too many hours" in page
    no_comment = client.post(url(world, suffix="/import"), data={f"merge-{repeat.id}": str(repeated.id)})
    assert no_comment.status_code == 422
    assert db.session.scalar(select(IPItem).where(IPItem.area_of_improvement == "Exit blocked")) is None
    response = client.post(url(world, suffix="/import"), data={
        f"merge-{repeat.id}": str(repeated.id), f"comment-{repeat.id}": "Repeated in cycle 2; same item"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(IPItem).where(IPItem.area_of_improvement == "Exit blocked")) is not None
    duplicate = select(IPItem).where(IPItem.area_of_improvement == "Overtime still not paid in full")
    assert db.session.scalar(duplicate) is None
    merged = events(repeated, EventKind.MERGED)
    assert merged[0].body == "Repeated in cycle 2; same item" and merged[0].new_value == str(repeat.id)
    assert reload(not_repeated).review_with_committee
    assert events(not_repeated, EventKind.REVIEW_FLAGGED)
    # Importing again adds nothing: every finding is already in the plan.
    again = client.get(url(world, suffix="/import")).get_data(as_text=True)
    assert "Every finding of this assessment is already in the Improvement Plan." in again
    assert fresh.id


def test_only_the_ea_imports(login, world, cycle1):
    assert login(world.factory_user).get(url(world, suffix="/import")).status_code == 403
    assert login(world.assessor).post(url(world, suffix="/import")).status_code == 403


# --- the daily job -------------------------------------------------------------------------

def test_daily_job_marks_overdue_items_delayed_in_the_programme_time_zone(app_ctx, world, cycle1):
    item = new_item(world, cycle1, target_date=date(2026, 3, 1), status=IPStatus.IN_PROGRESS)
    # 16:59 UTC on 1 March is 23:59 in Phnom Penh: still the target day.
    assert mark_delayed_items(datetime(2026, 3, 1, 16, 59, tzinfo=UTC)) == 0
    assert reload(item).status is IPStatus.IN_PROGRESS
    # 17:00 UTC is midnight in Phnom Penh: the next day has begun there.
    assert mark_delayed_items(datetime(2026, 3, 1, 17, 0, tzinfo=UTC)) == 1
    assert reload(item).status is IPStatus.DELAYED
    system = events(item, EventKind.STATUS)
    assert [(e.old_value, e.new_value, e.actor_id) for e in system] == [("in_progress", "delayed", None)]
    assert mark_delayed_items(datetime(2026, 3, 2, 17, 0, tzinfo=UTC)) == 0  # nothing twice


def test_a_new_target_date_brings_a_delayed_item_back(login, world, cycle1):
    item = new_item(world, cycle1, target_date=date.today() - timedelta(days=2), status=IPStatus.DELAYED,
                    actions_needed="a", lead_person="b", progress="c", root_cause_id=1)
    from .test_ip import factory_form

    client = login(world.factory_user)
    still_late = client.post(url(world, item, "/edit"), data=factory_form(
        item, target_date=(date.today() - timedelta(days=1)).isoformat()))
    assert still_late.status_code == 302 and reload(item).status is IPStatus.DELAYED
    back = client.post(url(world, item, "/edit"), data=factory_form(
        reload(item), target_date=(date.today() + timedelta(days=20)).isoformat(), status="in_progress"))
    assert back.status_code == 302 and reload(item).status is IPStatus.IN_PROGRESS


# --- export ---------------------------------------------------------------------------------

def test_export_csv_and_xlsx_hold_every_field_in_the_users_language(login, world, cycle1):
    new_item(world, cycle1, lead_person="=HYPERLINK(\"x\")", actions_needed="ផែនការ")
    new_item(world, cycle1, "Regular Hours", "Hours")
    client = login(world.factory_user)
    response = client.get(url(world) + "/export.csv?public=yes")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Item", "Cycle", "Origin"] and "Key work ahead" in rows[0]
    assert len(rows) == 2  # the filter applies: one publicly reported item
    assert "ផែនការ" in rows[1] and "'=HYPERLINK(\"x\")" in rows[1]  # formulas are kept as text
    world.factory_user.locale = "fr"
    db.session.commit()
    xlsx = login(world.factory_user).get(url(world) + "/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    header = [c.value for c in sheet[1]]
    assert translated("fr", "Lead person") in header and "Lead person" not in header
    assert sheet.max_row == 3


# --- queries ----------------------------------------------------------------------------------

def _queries_for(client, path):
    count = 0

    def counter(*_args, **_kwargs):
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return count


def test_the_list_needs_the_same_number_of_queries_for_5_and_500_items(login, world, cycle1):
    def fill(n):
        for i in range(n):
            item = f.make_ip_item(cycle1, "Overtime Wages", f"Finding {i}", by=world.ea)
            ops.comment(item, world.assessor, f"Assessor note {i}", EventKind.ASSESSOR_COMMENT)
        db.session.commit()

    fill(5)
    client = login(world.ea)
    small = _queries_for(client, url(world))
    fill(495)
    large = _queries_for(client, url(world))
    html = client.get(url(world)).get_data(as_text=True)
    assert html.count('class="ip-item') == PER_PAGE and 'rel="next"' in html  # a page at a time (issue 18)
    assert large == small, (small, large)
    assert db.session.scalar(select(db.func.count()).select_from(IPEvent)) >= 1000
    assert Role.EA


def test_the_ea_decides_on_worker_interviews_and_it_is_recorded(login, world, cycle1):
    item = new_item(world, cycle1, "Regular Hours", "Hours")
    assert not item.needs_worker_interviews
    refused = login(world.factory_user).post(url(world, item, "/worker-interviews"), data={"needed": "1"})
    assert refused.status_code == 403
    assert login(world.ea).post(url(world, item, "/worker-interviews"), data={"needed": "1"}).status_code == 302
    assert reload(item).needs_worker_interviews
    change = events(item, EventKind.FIELD)[-1]
    assert (change.field, change.old_value, change.new_value, change.actor_id) == (
        "needs_worker_interviews", "0", "1", world.ea.id)
    history = login(world.factory_user).get(url(world, item)).get_data(as_text=True)
    assert "Needs worker interviews before completion" in history
