"""Items that span assessments (issue 16, defects 1, 4, 5): IP-6, IP-8, 002 §3.3-3.4.1.

- IP-6: an item that needs worker interviews, merged with a repeat of the next assessment,
  waits again: Completed only once an assessment released after its latest finding has not
  found it again, through the not-repeated review; its page says so in the same words.
- IP-8: only items from an earlier assessment's findings are "not repeated"; the EA's review
  with the committee records the grievance mechanism's effectiveness and any enhancement.
- 002 §3.4.1: the lead assessor (only that person, or an admin) comments on every open
  publicly reported item before the new report is released; buyers read the comment.
"""

import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from bwportal.extensions import db
from bwportal.models import Cycle, EventKind, IPStatus, Role
from tests import factories as f
from tests.helpers import translated

from .test_ip import events, reload, url

TODAY = date.today()
CHECKS = {"check_committee_agrees": "y", "check_evidence_reviewed": "y", "check_root_causes_followed": "y"}
REVIEW = {"root_causes_addressed": "y", "grievance_mechanism_review": "Workers use the suggestion box and hotline",
          "grievance_enhancement": "A second box on floor 3"}


def released(factory, number, days_ago, lead=None):
    """Cycle ``number``, assessed ``days_ago`` and released five days later."""
    assessed = TODAY - timedelta(days=days_ago)
    return f.make_cycle(factory, number, assessed, report_release_date=assessed + timedelta(days=5),
                        start_date=assessed - timedelta(days=100), lead_assessor_id=lead.id if lead else None)


def test_a_merged_repeat_restarts_the_worker_interview_wait(login, world):
    """IP-6, 002 §3.3: cycle 1's item, found again by cycle 2 and merged, may not be Completed
    because cycle 2 exists; it waits for cycle 3's released report and its not-repeated review."""
    first = released(world.angkor, 1, 400)
    second = released(world.angkor, 2, 40)
    item = f.make_ip_item(first, "Gender", "Pregnancy testing at hiring", by=world.ea,
                          findings=[f.make_finding(second, "Gender", "Pregnancy tests still asked for")])
    db.session.commit()
    assert item.needs_worker_interviews
    client = login(world.ea)
    data = {**CHECKS, "completion_date": TODAY.isoformat()}
    refused = client.post(url(world, item, "/verify"), data=data)
    assert refused.status_code == 422
    wording = "it can be Completed only once an assessment released after cycle 2"
    assert wording in refused.get_data(as_text=True)
    assert reload(item).status is IPStatus.PENDING
    assert wording in login(world.factory_user).get(url(world, item)).get_data(as_text=True)  # the page agrees

    third = f.make_cycle(world.angkor, 3, TODAY - timedelta(days=3), start_date=TODAY - timedelta(days=30),
                         lead_assessor_id=world.assessor.id)
    f.make_finding(third, "Overtime Wages", "Overtime not paid")
    db.session.commit()
    client = login(world.ea)
    client.post(url(world, suffix="/import"))  # cycle 3 did not find it again: flagged
    assert reload(item).review_with_committee
    still = client.post(url(world, item, "/verify"), data={**REVIEW, "completion_date": TODAY.isoformat()})
    assert still.status_code == 422  # cycle 3's report is not released yet
    db.session.expire_all()
    third = db.session.get(Cycle, third.id)
    third.report_release_date = TODAY
    db.session.commit()
    assert client.post(url(world, item, "/verify"), data={**REVIEW, "completion_date": TODAY.isoformat()}) \
        .status_code == 302
    assert reload(item).status is IPStatus.COMPLETED


def test_only_items_of_an_earlier_assessment_are_not_repeated_and_the_review_records_the_grievance_mechanism(
        login, world):
    """IP-8, 002 §3.3-3.4: an item put forward during advisory was never assessed, so the new
    assessment does not flag it; the assessed item not repeated is completed through the EA's
    review with the committee (not the three checks), which buyers read on the item."""
    first = released(world.angkor, 1, 400)
    assessed = f.make_ip_item(first, "Regular Hours", "Workers do 66 hours a week", by=world.ea)
    advisory = f.make_advisory_item(first, "Welfare Facilities", "Not enough drinking water points",
                                    by=world.factory_user)
    second = released(world.angkor, 2, 20, lead=world.assessor)
    f.make_finding(second, "Overtime Wages", "Overtime not paid")
    db.session.commit()
    client = login(world.ea)
    assert client.post(url(world, suffix="/import")).status_code == 302
    assert reload(assessed).review_with_committee
    assert not reload(advisory).review_with_committee and not events(advisory, EventKind.REVIEW_FLAGGED)

    page = client.get(url(world, assessed, "/verify")).get_data(as_text=True)
    assert "Effectiveness of the grievance mechanism" in page and 'name="check_committee_agrees"' not in page
    checks_only = client.post(url(world, assessed, "/verify"), data={**CHECKS, "completion_date": TODAY.isoformat()})
    assert checks_only.status_code == 422 and "how effective the grievance mechanism is" in \
        checks_only.get_data(as_text=True)
    assert client.post(url(world, assessed, "/verify"), data={**REVIEW, "completion_date": TODAY.isoformat()}) \
        .status_code == 302
    done = reload(assessed)
    assert (done.status, done.review_with_committee) == (IPStatus.COMPLETED, False)
    assert (done.grievance_mechanism_review, done.grievance_enhancement) == (
        "Workers use the suggestion box and hotline", "A second box on floor 3")
    assert {e.field for e in events(assessed, EventKind.FIELD)} >= {"grievance_mechanism_review",
                                                                    "grievance_enhancement"}
    buyer_page = login(world.buyer).get(url(world, assessed)).get_data(as_text=True)
    assert "Workers use the suggestion box and hotline" in buyer_page and "A second box on floor 3" in buyer_page


GRIEVANCE = "Workers use the suggestion box and hotline"
ENHANCEMENT = "A second box on floor 3"


def reviewed_item(world):
    """Cycle 1's item, not repeated by cycle 2 and completed through the review with the committee."""
    first = released(world.angkor, 1, 400)
    item = f.make_ip_item(first, "Regular Hours", "Workers do 66 hours a week", by=world.ea,
                          status=IPStatus.COMPLETED, completion_date=TODAY, completed_by_id=world.ea.id,
                          grievance_mechanism_review=GRIEVANCE, grievance_enhancement=ENHANCEMENT)
    released(world.angkor, 2, 20)
    return item


def test_the_review_with_the_committee_is_in_the_api_and_the_export_for_whom_may_read_it(app, login, world,
                                                                                            monkeypatch):
    """IP-8, API-1: the EA's review of an item not repeated (the grievance mechanism's
    effectiveness, the enhancement) is read as the item page shows it: in the API (and its
    OpenAPI schema) and in the CSV and XLSX export, in the reader's language; one rule,
    domain.policy's readable fields, says who reads it, for the page, the API and the export."""
    item = reviewed_item(world)
    _token, secret = f.make_api_token(world.buyer)
    world.factory_user.locale = "fr"
    db.session.commit()
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {secret}"}
    one = api.get(f"/api/v1/factories/{world.angkor.id}/ip-items/{item.id}", headers=bearer).get_json()
    assert (one["grievance_mechanism_review"], one["grievance_enhancement"]) == (GRIEVANCE, ENHANCEMENT)
    listed = api.get(f"/api/v1/factories/{world.angkor.id}/ip-items", headers=bearer).get_json()["data"]
    assert [(i["id"], i["grievance_enhancement"]) for i in listed] == [(item.id, ENHANCEMENT)]
    schema = api.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["IPItem"]["properties"]
    assert {"grievance_mechanism_review", "grievance_enhancement"} <= set(schema)

    client = login(world.buyer)
    rows = list(csv.reader(io.StringIO(client.get(url(world, suffix="/export.csv")).get_data(as_text=True)
                                       .lstrip("\ufeff"))))
    shown = dict(zip(rows[0], rows[1], strict=True))
    assert shown["Effectiveness of the grievance mechanism"] == GRIEVANCE
    assert shown["Enhancements made to the grievance mechanism"] == ENHANCEMENT
    sheet = load_workbook(io.BytesIO(login(world.factory_user).get(url(world, suffix="/export.xlsx")).data)).active
    header, values = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    assert values[header.index(translated("fr", "Effectiveness of the grievance mechanism"))] == GRIEVANCE
    assert values[header.index(translated("fr", "Enhancements made to the grievance mechanism"))] == ENHANCEMENT

    # Narrow the one rule: the page, the API and the export all leave the review out.
    from bwportal.domain import policy

    monkeypatch.setattr(policy, "IP_READABLE_FIELDS", policy.IP_READABLE_FIELDS - set(policy.IP_REVIEW_FIELDS))
    one = api.get(f"/api/v1/factories/{world.angkor.id}/ip-items/{item.id}", headers=bearer).get_json()
    assert "grievance_mechanism_review" not in one and "grievance_enhancement" not in one
    assert one["lead_person"] == ""  # the other fields are still read
    client = login(world.buyer)
    header = next(csv.reader(io.StringIO(client.get(url(world, suffix="/export.csv")).get_data(as_text=True))))
    assert "Effectiveness of the grievance mechanism" not in header and "Lead person" in header
    assert GRIEVANCE not in client.get(url(world, item)).get_data(as_text=True)


def test_the_new_report_is_released_once_the_lead_assessor_commented_on_every_open_public_item(login, world):
    """002 §3.4.1, IP-8: only cycle 2's lead assessor (or an admin) comments for its report;
    its release is refused, listing the items left, until each open publicly reported item
    has a comment; buyers read the comment on the item."""
    first = released(world.angkor, 1, 400)
    wages = f.make_ip_item(first, "Overtime Wages", "Overtime paid at the normal rate", by=world.ea,
                           publicly_reported=True)
    leave = f.make_ip_item(first, "Paid Leave", "Annual leave not paid", by=world.ea, publicly_reported=True)
    f.make_ip_item(first, "Regular Hours", "Too many hours", by=world.ea, publicly_reported=False)
    f.make_ip_item(first, "Coercion", "Done already", by=world.ea, publicly_reported=True,
                   status=IPStatus.COMPLETED, completion_date=TODAY, completed_by_id=world.ea.id)
    second = f.make_cycle(world.angkor, 2, TODAY - timedelta(days=10), start_date=TODAY - timedelta(days=100),
                          lead_assessor_id=world.assessor.id)
    other = f.make_user(Role.ASSESSOR, programme=world.kh, email="other-assessor@example.com", name="Other")
    db.session.commit()
    release = f"/factories/{world.angkor.id}/cycles/{second.id}/release-date"

    assert login(other).post(url(world, wages, "/comments"), data={"body": "Not mine"}).status_code == 403
    lead = login(world.assessor)
    cycle_page = lead.get(f"/factories/{world.angkor.id}/cycles/{second.id}").get_data(as_text=True)
    assert "Overtime paid at the normal rate" in cycle_page and "No comment yet" in cycle_page
    refused = lead.post(release, data={"report_release_date": TODAY.isoformat()})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Overtime paid at the normal rate" in text and "Annual leave not paid" in text
    assert "Too many hours" not in text.split("Items still without a comment")[1].split("</")[0]
    assert lead.post(url(world, wages, "/comments"), data={"body": "Still paid at the normal rate"}) \
        .status_code == 302
    again = lead.post(release, data={"report_release_date": TODAY.isoformat()})
    assert again.status_code == 422
    left = again.get_data(as_text=True).split("Items still without a comment")[1].split("</")[0]
    assert "Annual leave not paid" in left and "Overtime paid at the normal rate" not in left
    assert login(world.admin).post(url(world, leave, "/comments"), data={"body": "Leave paid since May"}) \
        .status_code == 302  # an admin in the lead assessor's place
    assert login(world.assessor).post(release, data={"report_release_date": TODAY.isoformat()}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Cycle, second.id).report_release_date == TODAY
    [comment] = events(wages, EventKind.ASSESSOR_COMMENT)
    assert comment.cycle_id == second.id
    item_page = login(world.buyer).get(url(world, wages)).get_data(as_text=True)
    assert "Still paid at the normal rate" in item_page and "assessment of cycle 2" in item_page
    # Released: no report awaits a comment now.
    assert login(world.assessor).post(url(world, wages, "/comments"), data={"body": "Late"}).status_code == 409


@pytest.mark.parametrize("lead", ["", "none"])
def test_an_assessment_is_recorded_with_its_lead_assessor(login, world, lead):
    """002 §3.4.1: the lead assessor comments before the release, so the assessment names one."""
    cycle = f.make_cycle(world.angkor, 1, start_date=TODAY - timedelta(days=100))
    db.session.commit()
    data = {"assessment_date": TODAY.isoformat()}
    if lead == "":
        data["lead_assessor_id"] = ""
    response = login(world.assessor).post(f"/factories/{world.angkor.id}/cycles/{cycle.id}/assessment", data=data)
    assert response.status_code == 422
    assert "Please choose the lead assessor of the assessment." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).assessment_date is None


def test_a_new_cycle_recorded_with_its_release_waits_for_the_lead_assessors_comments(login, world):
    """002 §3.4.1: recording the newest cycle with its report already released would skip the
    comments; it is refused, listing the items, and nothing is saved."""
    first = released(world.angkor, 1, 400)
    f.make_ip_item(first, "Overtime Wages", "Overtime paid at the normal rate", by=world.ea, publicly_reported=True)
    db.session.commit()
    assessed = TODAY - timedelta(days=20)
    response = login(world.admin).post(f"/factories/{world.angkor.id}/cycles", data={
        "number": "2", "start_date": (assessed - timedelta(days=100)).isoformat(),
        "assessment_date": assessed.isoformat(), "report_release_date": TODAY.isoformat(),
        "lead_assessor_id": str(world.assessor.id)})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Items still without a comment" in text and "Overtime paid at the normal rate" in text
    db.session.expire_all()
    assert db.session.query(Cycle).filter_by(factory_id=world.angkor.id, number=2).first() is None
