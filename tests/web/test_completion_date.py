"""The completion date of an IP item (IP-5; issue 16, defect 12): never in the future, never
before the issue was found, judged on the programme's local day; a refused date comes back
with a clear message and everything the EA typed."""

from datetime import UTC, date, datetime, timedelta

import time_machine

from bwportal.extensions import db
from bwportal.models import IPItem, IPStatus
from tests import factories as f

CHECKS = {"check_committee_agrees": "y", "check_evidence_reviewed": "y", "check_root_causes_followed": "y"}
# 00:30 on 2026-03-10 in Phnom Penh (UTC+7) is still 2026-03-09 in UTC.
EARLY_MORNING_IN_PHNOM_PENH = datetime(2026, 3, 9, 17, 30, tzinfo=UTC)


def _item(world, assessed_on: date) -> IPItem:
    cycle = f.make_cycle(world.angkor, 1, assessed_on, assessed_on + timedelta(days=20))
    item = f.make_ip_item(cycle, complete=True, remediation_reported_at=datetime.now(UTC) - timedelta(days=1))
    db.session.commit()
    return item


def test_a_completion_date_in_the_future_or_before_the_finding_is_refused(login, world):
    """IP-5: the EA's date is refused, with why; the checks and the date typed come back."""
    item = _item(world, date.today() - timedelta(days=90))
    url = f"/factories/{world.angkor.id}/ip/{item.id}/verify"
    ea = login(world.ea)
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    refused = ea.post(url, data={**CHECKS, "completion_date": tomorrow})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "The completion date cannot be in the future." in html
    assert f'value="{tomorrow}"' in html and html.count("checked") >= 3
    before = (date.today() - timedelta(days=91)).isoformat()
    refused = ea.post(url, data={**CHECKS, "completion_date": before})
    assert refused.status_code == 422
    assert "The completion date cannot be before the issue was found" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(IPItem, item.id).status is IPStatus.PENDING

    done = ea.post(url, data={**CHECKS, "completion_date": date.today().isoformat()})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(IPItem, item.id).completion_date == date.today()

    # Edited afterwards by Better Work (IP-2: the EA's fields of an assessment item): the same rule.
    item = db.session.get(IPItem, item.id)
    data = {"area_of_improvement": item.area_of_improvement, "cluster_id": str(item.cluster_id),
            "compliance_point_id": str(item.compliance_point_id), "key_work_ahead": "Keep checking payroll",
            "status": "completed", "version": str(item.version), "completion_date": tomorrow}
    response = ea.post(f"/factories/{world.angkor.id}/ip/{item.id}/edit", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "The completion date cannot be in the future." in html
    assert "Keep checking payroll" in html
    db.session.expire_all()
    assert db.session.get(IPItem, item.id).completion_date == date.today()


def test_the_completion_date_is_the_programme_s_day(login, world):
    """The verify form proposes the programme's today, and accepts it, where UTC is a day behind."""
    item = _item(world, date(2026, 1, 5))
    url = f"/factories/{world.angkor.id}/ip/{item.id}/verify"
    with time_machine.travel(EARLY_MORNING_IN_PHNOM_PENH, tick=False):
        ea = login(world.ea)
        assert 'value="2026-03-10"' in ea.get(url).get_data(as_text=True)
        assert ea.post(url, data={**CHECKS, "completion_date": "2026-03-10"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(IPItem, item.id).completion_date == date(2026, 3, 10)


def test_an_advisory_item_logged_without_a_visit_is_not_completed_before_the_day_it_was_logged(login, world):
    """An item put forward during advisory without a visit has no day it was found: its
    completion date may not be before the programme's day it was added to the IP (logged at
    00:30 in Phnom Penh, still the day before in UTC)."""
    cycle = f.make_cycle(world.angkor, 1, date(2026, 1, 5), date(2026, 1, 25))
    item = f.make_advisory_item(cycle, by=world.factory_user, complete=True,
                                remediation_reported_at=EARLY_MORNING_IN_PHNOM_PENH + timedelta(days=2))
    assert item.advisory_visit_id is None
    item.created_at = EARLY_MORNING_IN_PHNOM_PENH  # 2026-03-10 in Phnom Penh
    db.session.commit()
    url = f"/factories/{world.angkor.id}/ip/{item.id}/verify"
    with time_machine.travel(EARLY_MORNING_IN_PHNOM_PENH + timedelta(days=5), tick=False):
        ea = login(world.ea)
        refused = ea.post(url, data={**CHECKS, "completion_date": "2026-03-09"})
        html = refused.get_data(as_text=True)
        assert refused.status_code == 422
        assert ("The completion date cannot be before the item was added to the Improvement Plan (2026-03-10)."
                in html)
        assert 'value="2026-03-09"' in html
        assert ea.post(url, data={**CHECKS, "completion_date": "2026-03-10"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(IPItem, item.id).completion_date == date(2026, 3, 10)
