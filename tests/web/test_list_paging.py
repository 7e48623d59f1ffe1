"""Lists a user can grow come a page at a time, with plain next/previous links that keep the
list's filters; the IP's exports hold every item and are sent from a spooled file (issue 18, item 8)."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bwportal.extensions import db
from bwportal.models import AuditEvent, IPStatus
from bwportal.web.paging import PER_PAGE
from tests import factories as f


@pytest.fixture
def cycle1(world):
    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=200))
    db.session.commit()
    return cycle


def _next_link(html: str) -> str:
    found = re.search(r'<a rel="next" href="([^"]+)"', html)
    assert found, "no link to the next page"
    return found.group(1).replace("&amp;", "&")


def _item_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li id="item-(\d+)"', html)]


def test_the_ip_list_is_paged_and_its_filters_survive_paging(login, world, cycle1):
    """IP-1: an IP longer than a page shows a page, a next link, and the rest on page 2; a filter
    chosen on page 1 is still applied on page 2."""
    mine = f.make_ip_items(cycle1, PER_PAGE + 3, lead_person="Sok Dara")
    f.make_ip_items(cycle1, 4, lead_person="Someone else")
    db.session.commit()
    client = login(world.factory_user)
    base = f"/factories/{world.angkor.id}/ip"

    first = client.get(base + "?lead=Sok").get_data(as_text=True)
    assert len(_item_ids(first)) == PER_PAGE
    assert f"{PER_PAGE + 3} items" in first  # the count is of every matching item, not of the page
    link = _next_link(first)
    assert "lead=Sok" in link and "page=2" in link

    second = client.get(link).get_data(as_text=True)
    rest = _item_ids(second)
    assert len(rest) == 3 and not set(rest) & set(_item_ids(first))
    assert set(_item_ids(first)) | set(rest) == {i.id for i in mine}  # the filter held on page 2
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_a_page_number_that_is_not_one_shows_the_first_page(login, world, cycle1):
    f.make_ip_items(cycle1, 3)
    db.session.commit()
    client = login(world.factory_user)
    for page in ("x", "-4", "99999999999999999999"):
        answer = client.get(f"/factories/{world.angkor.id}/ip?page={page}")
        assert answer.status_code == 200 and len(_item_ids(answer.get_data(as_text=True))) == 3


def test_the_verification_queue_and_the_inbox_are_paged(login, world, cycle1):
    """IP-7: an EA's queue of items reported remediated comes a page at a time, on the queue's page
    and in the inbox (where ?vpage= pages the items apart from the reports)."""
    f.make_ip_items(cycle1, PER_PAGE + 2, reported_at=datetime.now(UTC) - timedelta(days=3),
                    status=IPStatus.IN_PROGRESS)
    db.session.commit()
    client = login(world.ea)
    for path, param in (("/verification", "page"), ("/inbox", "vpage")):
        first = client.get(path).get_data(as_text=True)
        assert first.count('id="queue-') == PER_PAGE, path
        link = _next_link(first)
        assert f"{param}=2" in link, link
        second = client.get(link).get_data(as_text=True)
        assert second.count('id="queue-') == 2, path


def test_exports_hold_every_item_and_are_sent_in_chunks(login, world, cycle1):
    """IP-9: the CSV holds every matching item (the list's pages do not apply), is sent from a
    file in chunks rather than built in memory, and the audit trail records how many left."""
    f.make_ip_items(cycle1, PER_PAGE + 5, lead_person="Sok Dara")
    f.make_ip_items(cycle1, 2, lead_person="Someone else")
    db.session.commit()
    client = login(world.factory_user)
    answer = client.get(f"/factories/{world.angkor.id}/ip/export.csv?lead=Sok&page=2")
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 1 + PER_PAGE + 5
    assert int(answer.headers["Content-Length"]) == len(answer.get_data())
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "ip.export")).one()
    assert event.changes["items"] == PER_PAGE + 5

    xlsx = client.get(f"/factories/{world.angkor.id}/ip/export.xlsx?lead=Sok")
    assert xlsx.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    assert len(list(sheet.iter_rows())) == 1 + PER_PAGE + 5


def test_the_public_issues_are_paged_and_keep_the_chosen_cycle(login, world):
    """PUB-2: a cycle's publicly reported findings (with their responses) come a page at a time;
    the next link keeps the cycle chosen."""
    old = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=500), date.today() - timedelta(days=480))
    f.make_cycle(world.angkor, 2, date.today() - timedelta(days=120), date.today() - timedelta(days=99))
    findings = [f.make_finding(old, "Overtime Wages", f"Finding {i}", publicly_reported=True)
                for i in range(PER_PAGE + 2)]
    f.make_public_response(findings[-1], "We paid it")
    db.session.commit()
    client = login(world.factory_user)
    first = client.get(f"/factories/{world.angkor.id}/public-issues?cycle={old.id}").get_data(as_text=True)
    shown = re.findall(r'id="finding-(\d+)"', first)
    assert len(shown) == PER_PAGE and f"{PER_PAGE + 2} publicly reported findings" in first
    link = _next_link(first)
    assert f"cycle={old.id}" in link and "page=2" in link
    second = client.get(link).get_data(as_text=True)
    assert len(re.findall(r'id="finding-(\d+)"', second)) == 2 and "We paid it" in second
