"""The API is light (API-1): each list asks the database the same number of statements for
5 rows as for 500 (no query per row), as bench/query_counts.py prints for the pages."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from bwportal.extensions import db
from bwportal.models import EvidenceFile, Finding, IPItem, IPStatus, Origin, PublicResponse
from tests import factories as f
from tests.web.test_transparency import released_cycles


@pytest.fixture
def count(app):
    """Statements sent while ``call`` runs."""
    def run(call) -> int:
        seen = []

        def remember(*_args):
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", remember)
        try:
            response = call()
        finally:
            event.remove(db.engine, "before_cursor_execute", remember)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        return len(seen)

    return run


def grow(world, cycle, n: int) -> None:
    """``n`` publicly reported findings of ``cycle``, each with an IP item, a response (every
    other one verified) and, every third, an evidence file."""
    have = db.session.scalar(db.select(db.func.count(Finding.id)).where(Finding.cycle_id == cycle.id))
    point = f.catalogue_point("Overtime Wages", cycle.factory.programme)
    for i in range(have, n):
        finding = Finding(factory_id=cycle.factory_id, cycle_id=cycle.id, cluster_id=point.cluster_id,
                          compliance_point_id=point.id, text=f"Finding {i}", publicly_reported=True)
        item = IPItem(factory_id=cycle.factory_id, cycle_id=cycle.id, origin=Origin.ASSESSMENT,
                      area_of_improvement=finding.text, cluster_id=point.cluster_id, compliance_point_id=point.id,
                      status=IPStatus.IN_PROGRESS, target_date=date.today() + timedelta(days=i % 40 - 20))
        finding.ip_item = item
        response = PublicResponse(factory_id=cycle.factory_id, finding=finding, text=f"Response {i}")
        if i % 2:
            response.verified_by_id, response.verified_at = world.ea.id, datetime.now(UTC)
        db.session.add_all([finding, item, response])
        if i % 3 == 0:
            db.session.add(EvidenceFile(factory_id=cycle.factory_id, response=response, stored_name=f"q{i}.png",
                                        original_name=f"e{i}.png", content_type="image/png", size=1))
    db.session.commit()


def test_api_lists_ask_as_much_for_500_rows_as_for_5(world, read, count):
    angkor = world.angkor
    cycle = released_cycles(angkor, date.today() - timedelta(days=400), date.today() - timedelta(days=30))[-1]
    db.session.commit()
    base = f"/api/v1/factories/{angkor.id}"
    calls = {
        "IP items": lambda: read(world.buyer, f"{base}/ip-items?limit=200"),
        "public findings": lambda: read(world.buyer, f"{base}/public-findings?limit=200"),
        "changes": lambda: read(world.buyer, "/api/v1/changes?limit=200"),
        "cycles": lambda: read(world.buyer, f"{base}/cycles"),
        "open data (JSON)": lambda: read(world.buyer, "/api/v1/open-data/transparency.json"),
        "open data (CSV)": lambda: read(world.buyer, "/api/v1/open-data/transparency.csv"),
    }
    figures = {}
    for size in (5, 500):
        grow(world, cycle, size)
        read(world.buyer, "/api/v1/me")  # the token's first use of the hour is a statement more
        figures[size] = {name: count(call) for name, call in calls.items()}
    print(figures)
    assert figures[5] == figures[500]
