"""Changes since a given time (API-1): the feed a brand syncs from. Every write of what the
API hands out is an entry, in the transaction of the write; a reader sees the entries of the
factories and the reports it may read; a cursor never skips an entry committed late."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from bwportal.domain.ip import operations as ops
from bwportal.domain.public import issues
from bwportal.extensions import db
from bwportal.models import Change, ReportStatus
from tests import factories as f

CHANGES = "/api/v1/changes"


def entries(response) -> list[tuple]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [(e["resource"], e["id"], e["removed"]) for e in response.get_json()["data"]]


@pytest.fixture
def angkor_item(world):
    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=90))
    item = ops.item_from_finding(f.make_finding(cycle, text="Fire exits blocked"), world.ea)
    db.session.commit()
    return item


def test_a_brand_syncs_what_changed_in_the_factories_it_follows(world, read, angkor_item, settled):
    settled()
    start = read(world.buyer, CHANGES).get_json()
    assert ("ip_item", angkor_item.id, False) in entries(read(world.buyer, CHANGES))
    assert start["has_more"] is False
    cursor = start["next_cursor"]
    assert entries(read(world.buyer, f"{CHANGES}?cursor={cursor}")) == []  # nothing new
    angkor_item.lead_person = "Dara"  # the factory's edit
    mekong_cycle = f.make_cycle(world.mekong, 1, date.today())  # not the brand's factory
    db.session.commit()
    settled()
    later = read(world.buyer, f"{CHANGES}?cursor={cursor}")
    assert entries(later) == [("ip_item", angkor_item.id, False)]
    entry = later.get_json()["data"][0]
    assert entry["url"] == f"/api/v1/factories/{world.angkor.id}/ip-items/{angkor_item.id}"
    assert read(world.buyer, entry["url"]).get_json()["lead_person"] == "Dara"
    assert ("cycle", mekong_cycle.id, False) in entries(read(world.ea2, CHANGES))


def test_the_feed_pages_by_cursor_without_loss_or_repeat(world, read, angkor_item, settled):
    for n in range(5):
        angkor_item.progress = f"Step {n}"
        db.session.commit()
    settled()
    seen, cursor = [], None
    while True:
        body = read(world.buyer, CHANGES + "?limit=2" + (f"&cursor={cursor}" if cursor else "")).get_json()
        seen += body["data"]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    everything = read(world.buyer, CHANGES + "?limit=500").get_json()["data"]
    assert seen == everything and len(seen) >= 6


def test_since_a_time_and_removals(app, world, read, time_machine, settled):
    day = (datetime.now(UTC) + timedelta(days=30)).replace(hour=8, minute=0, second=0, microsecond=0)
    time_machine.move_to(day, tick=False)  # after the world was made
    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=90))
    finding = f.make_finding(cycle, text="Overtime unpaid", publicly_reported=True)
    response = f.make_public_response(finding)
    evidence = f.make_evidence_file(response, app.config["STORAGE_DIR"])
    db.session.commit()
    time_machine.move_to(day + timedelta(days=1), tick=False)
    issues.delete_file(evidence)
    db.session.commit()
    settled()
    midnight = (day + timedelta(days=1)).strftime("%Y-%m-%dT00:00:00")
    since = read(world.buyer, f"{CHANGES}?since={midnight}%2B00:00")
    assert entries(since) == [("public_finding", finding.id, False)]  # its files changed
    assert read(world.buyer, f"{CHANGES}?since={midnight}").status_code == 422  # a time needs its zone
    db.session.delete(finding.ip_item) if finding.ip_item else None
    db.session.delete(response)
    db.session.delete(finding)
    db.session.commit()
    settled()
    assert ("public_finding", finding.id, True) in entries(read(world.buyer, f"{CHANGES}?since={midnight}Z"))


def test_a_buyer_sees_no_entry_of_a_report_it_may_not_read(world, read, settled):
    """PR-9 holds in the feed too: a draft's changes are not a buyer's to know of."""
    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=90))
    final = f.make_report(cycle, status=ReportStatus.APPROVED, frozen=True)
    draft = f.make_report(cycle)
    db.session.commit()
    settled()
    reports = {e for e in entries(read(world.buyer, CHANGES + "?limit=500")) if e[0] == "report"}
    assert reports == {("report", final.id, False)}
    mine = {e[1] for e in entries(read(world.factory_user, CHANGES + "?limit=500")) if e[0] == "report"}
    assert mine == {draft.id, final.id}
    assert not [e for e in entries(read(world.other_buyer, CHANGES + "?limit=500")) if e[1] in (draft.id, final.id)
                and e[0] == "report"]


def test_an_entry_committed_late_is_not_skipped(app, world, read, angkor_item, settled):
    """Ids are handed out at write time, not at commit: a transaction that wrote first and
    commits last must still reach a reader who synced in between (PostgreSQL: the feed is read
    below the oldest running transaction)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time: ids follow commits there")
    settled()
    cursor = read(world.buyer, CHANGES).get_json()["next_cursor"]
    slow = create_engine(db.engine.url)
    with slow.connect() as conn:
        trans = conn.begin()
        conn.execute(text("INSERT INTO api_change (factory_id, resource, object_id, removed) "
                          "VALUES (:f, 'ip_item', :i, false)"), {"f": world.angkor.id, "i": angkor_item.id})
        angkor_item.progress = "A quick edit, committed first"
        db.session.commit()
        meanwhile = read(world.buyer, f"{CHANGES}?cursor={cursor}").get_json()
        assert meanwhile["data"] == []  # the quick edit waits behind the slow transaction
        trans.commit()
    slow.dispose()
    settled()
    after = entries(read(world.buyer, f"{CHANGES}?cursor={meanwhile['next_cursor']}"))
    assert after == [("ip_item", angkor_item.id, False), ("ip_item", angkor_item.id, False)]


def test_every_write_is_in_the_feed_in_its_own_transaction(world, angkor_item):
    """The entry commits or rolls back with its change."""
    before = db.session.scalar(db.select(db.func.count(Change.id)))
    angkor_item.progress = "Rolled back"
    db.session.flush()
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Change.id))) == before
