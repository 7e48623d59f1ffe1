"""CYC-1/CYC-2: assessment reports — cycles, findings one by one, and findings imported from a file."""

import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import func, select

from bwportal.extensions import db
from bwportal.models import Cycle, Finding, Programme, Role, Subscription
from tests import factories as f

HX = {"HX-Request": "true"}
TODAY = date.today()


def cycles_url(factory):
    return f"/factories/{factory.id}/cycles"


def cycle_url(cycle):
    return f"/factories/{cycle.factory_id}/cycles/{cycle.id}"


def findings_of(cycle) -> list[Finding]:
    db.session.expire_all()
    return list(db.session.scalars(select(Finding).where(Finding.cycle_id == cycle.id).order_by(Finding.id)))


def cycle_count(factory) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Cycle.id)).where(Cycle.factory_id == factory.id))


def cycle_data(number="1", assessment=TODAY - timedelta(days=30), release="", lead="", start=None):
    """The new-cycle form; the cycle starts 100 days before its assessment unless ``start`` says."""
    if start is None:
        start = assessment - timedelta(days=100) if assessment else TODAY - timedelta(days=130)
    return {"number": str(number), "start_date": start.isoformat() if isinstance(start, date) else start,
            "assessment_date": assessment.isoformat() if assessment else "",
            "report_release_date": release.isoformat() if isinstance(release, date) else release,
            "lead_assessor_id": str(lead)}


def kh_point(name):
    """A compliance point of Cambodia's catalogue (the world's angkor and mekong)."""
    return f.catalogue_point(name, db.session.scalar(select(Programme).filter_by(name="Cambodia")))


def finding_data(point_name="Overtime Wages", text="Overtime paid at the normal rate", public=True, cluster=None):
    point = kh_point(point_name)
    data = {"cluster_id": str(cluster if cluster is not None else point.cluster_id),
            "compliance_point_id": str(point.id), "text": text}
    if public:
        data["publicly_reported"] = "y"
    return data


# --- the list of cycles --------------------------------------------------------------------


def test_index_lists_cycles_newest_first_with_their_counts(login, world):
    first = f.make_cycle(world.angkor, 1, date(2024, 3, 5), date(2024, 4, 2))
    second = f.make_cycle(world.angkor, 2, date(2025, 3, 11))
    f.make_finding(first, "Overtime Wages")  # publicly reported by default
    f.make_finding(second, "Overtime Wages")
    f.make_finding(second, "Premium Pay")  # not publicly reported
    f.make_finding(second, "Gender", publicly_reported=False)
    db.session.commit()
    html = login(world.factory_user).get(cycles_url(world.angkor)).get_data(as_text=True)
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)[1:]
    cells = [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S) for r in rows]
    assert "Cycle 2" in cells[0][0] and "Cycle 1" in cells[1][0]
    assert cells[0][2].strip() == "Mar 11, 2025" and "Not released yet" in cells[0][3]
    assert cells[1][3].strip() == "Apr 2, 2024"
    assert [c.strip() for c in cells[0][5:7]] == ["3", "1"]
    assert [c.strip() for c in cells[1][5:7]] == ["1", "1"]
    assert "Start a new cycle" not in html  # the factory reads only
    assert f'href="/factories/{world.angkor.id}/cycles"' in html  # the menu links here


@pytest.mark.parametrize("who", ["factory_user", "ea", "assessor", "admin"])
def test_every_role_with_assessments_view_reads_the_list(login, world, who):
    assert login(getattr(world, who)).get(cycles_url(world.angkor)).status_code == 200


def test_buyers_read_the_assessment_reports_of_the_cycles_they_cover(login, world):
    """PR-9, PUB-1 (DOMAIN.md: a subscription covers a cycle's assessment report and progress
    reports): a subscribed buyer reads the covered cycles' reports, never edits; a cycle its
    subscription does not cover is a 404, and so is a factory it does not follow."""
    old = f.make_cycle(world.angkor, 1, date(2024, 3, 5), date(2024, 4, 2))
    covered = f.make_cycle(world.angkor, 2, date(2025, 3, 11), date(2025, 4, 1))
    f.make_finding(covered, "Overtime Wages", "Overtime paid at 100%")
    subscription = db.session.scalar(select(Subscription).filter_by(factory_id=world.angkor.id))
    subscription.first_cycle_number = 2
    mekong = f.make_cycle(world.mekong, 1)
    db.session.commit()
    client = login(world.buyer)
    html = client.get(cycles_url(world.angkor)).get_data(as_text=True)
    assert "Cycle 2" in html and "Cycle 1" not in html and "Start a new cycle" not in html
    page = client.get(cycle_url(covered))
    assert page.status_code == 200 and "Overtime paid at 100%" in page.get_data(as_text=True)
    assert "Add a finding" not in page.get_data(as_text=True)
    assert client.get(cycle_url(old)).status_code == 404
    assert client.get(cycle_url(mekong)).status_code == 404
    assert client.post(cycle_url(covered) + "/findings", data=finding_data()).status_code == 403


@pytest.mark.parametrize("who", ["assessor", "admin"])
def test_assessor_and_admin_record_a_cycle(login, world, who):
    client = login(getattr(world, who))
    form = client.get(cycles_url(world.angkor)).get_data(as_text=True)
    assert "Start a new cycle" in form and 'name="number"' in form and 'value="1"' in form
    assert 'name="start_date"' in form and 'name="assessment_date"' in form
    response = client.post(cycles_url(world.angkor), data=cycle_data(
        1, date(2025, 2, 3), date(2025, 3, 1), world.assessor.id, start=date(2024, 10, 28)))
    assert response.status_code == 302
    cycle = db.session.scalar(select(Cycle).where(Cycle.factory_id == world.angkor.id))
    assert (cycle.number, cycle.start_date, cycle.assessment_date, cycle.report_release_date,
            cycle.lead_assessor_id) == (1, date(2024, 10, 28), date(2025, 2, 3), date(2025, 3, 1), world.assessor.id)
    assert response.location.endswith(cycle_url(cycle))
    assert "Cycle 1 recorded." in client.get(response.location).get_data(as_text=True)


@pytest.mark.parametrize("who", ["factory_user", "buyer"])
def test_roles_that_do_not_start_cycles_cannot_record_them(login, world, who):
    client = login(getattr(world, who))
    response = client.post(cycles_url(world.angkor), data=cycle_data(1))
    assert response.status_code == 403
    assert cycle_count(world.angkor) == 0


def test_the_ea_starts_a_cycle_without_its_assessment(login, world):
    """CYC-1: a cycle starts with its advisory period; the EA starts it, and the assessment is
    recorded later by an assessor (what an EA sends of it is not taken)."""
    client = login(world.ea)
    form = client.get(cycles_url(world.angkor)).get_data(as_text=True)
    assert 'name="start_date"' in form and 'name="assessment_date"' not in form
    response = client.post(cycles_url(world.angkor), data=cycle_data(1, date(2025, 2, 3), start=date(2024, 11, 1)))
    assert response.status_code == 302
    cycle = db.session.scalar(select(Cycle).where(Cycle.factory_id == world.angkor.id))
    assert (cycle.start_date, cycle.assessment_date, cycle.report_release_date) == (date(2024, 11, 1), None, None)
    page = client.get(cycle_url(cycle)).get_data(as_text=True)
    assert "Not assessed yet" in page and "Record the assessment" not in page
    assert client.post(cycle_url(cycle) + "/assessment",
                       data={"assessment_date": "2025-02-03"}).status_code == 403


def test_the_number_defaults_to_the_last_plus_one(login, world):
    f.make_cycle(world.angkor, 1, date(2023, 1, 10))
    f.make_cycle(world.angkor, 4, date(2025, 1, 10))
    db.session.commit()
    html = login(world.assessor).get(cycles_url(world.angkor)).get_data(as_text=True)
    assert re.search(r'<input[^>]*name="number"[^>]*value="5"', html)


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
def test_a_cycle_number_is_unique_per_factory_with_a_clear_message(login, world, headers):
    f.make_cycle(world.angkor, 1, date(2024, 1, 10))
    f.make_cycle(world.mekong, 2, date(2024, 1, 10))  # another factory's numbers do not count
    db.session.commit()
    client = login(world.admin)
    response = client.post(cycles_url(world.angkor), data=cycle_data(1, date(2025, 1, 10)), headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This factory already has a cycle 1. Please choose another number." in html
    assert 'id="number-error"' in html and 'value="2025-01-10"' in html  # what was typed is kept
    assert cycle_count(world.angkor) == 1
    ok = client.post(cycles_url(world.angkor), data=cycle_data(2, date(2025, 1, 10)), headers=headers)
    assert ok.status_code == (200 if headers else 302)
    assert cycle_count(world.angkor) == 2


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
def test_release_before_the_assessment_is_refused(login, world, headers):
    client = login(world.assessor)
    response = client.post(cycles_url(world.angkor),
                           data=cycle_data(1, date(2025, 5, 10), date(2025, 5, 9)), headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The report cannot be released before the assessment date." in html
    assert 'id="report_release_date-error"' in html and 'value="2025-05-09"' in html
    assert cycle_count(world.angkor) == 0
    # Released on the day of the assessment is fine.
    assert client.post(cycles_url(world.angkor),
                       data=cycle_data(1, date(2025, 5, 10), date(2025, 5, 10))).status_code == 302


@pytest.mark.parametrize(
    "data, field, message",
    [
        (cycle_data(number=""), "number", "Please enter the cycle number."),
        (cycle_data(number="two"), "number", "Please enter a whole number, such as 120."),
        (cycle_data(number="0"), "number", "Please enter a whole number from 1 to 999."),
        (cycle_data(start=""), "start_date", "Please enter the date the cycle starts."),
        (cycle_data(assessment=TODAY - timedelta(days=30), start=TODAY - timedelta(days=20)), "assessment_date",
         "The assessment cannot be before the start of the cycle."),
        (cycle_data(assessment=None, release=TODAY), "report_release_date",
         "Please enter the assessment date first: a report is released after its assessment."),
        ({**cycle_data(), "assessment_date": "31.02.2025"}, "assessment_date", "Please enter a date, such as"),
        (cycle_data(release="soon"), "report_release_date", "Please enter a date, such as"),
        (cycle_data(lead="999999"), "lead_assessor_id", "Please choose one of the options in the list."),
        (cycle_data(lead="abc"), "lead_assessor_id", "Please choose one of the options in the list."),
    ],
)
def test_bad_cycle_input_is_refused_with_a_message(login, world, data, field, message):
    response = login(world.admin).post(cycles_url(world.angkor), data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and f'id="{field}-error"' in html
    assert cycle_count(world.angkor) == 0


def test_a_date_typed_day_first_is_understood(login, world):
    client = login(world.admin)
    response = client.post(cycles_url(world.angkor), data={**cycle_data(), "assessment_date": "03-02-2025",
                                                           "start_date": "01-11-2024"})
    assert response.status_code == 302
    assert db.session.execute(select(Cycle.start_date, Cycle.assessment_date)).one() == (
        date(2024, 11, 1), date(2025, 2, 3))


def test_lead_assessor_is_one_of_the_programmes_assessors(login, world):
    foreign = f.make_user(Role.ASSESSOR, programme=world.idn, email="assessor-id@example.com", name="Budi")
    db.session.commit()
    client = login(world.admin)
    html = client.get(cycles_url(world.angkor)).get_data(as_text=True)
    assert world.assessor.name in html and "Budi" not in html
    response = client.post(cycles_url(world.angkor), data=cycle_data(lead=foreign.id))
    assert response.status_code == 422
    assert cycle_count(world.angkor) == 0


def test_cycles_start_in_the_order_of_their_numbers(login, world):
    """CYC-1: a cycle starts after the previous one was assessed, and is assessed before the next starts."""
    f.make_cycle(world.angkor, 1, date(2024, 1, 10), start_date=date(2023, 10, 1))
    f.make_cycle(world.angkor, 3, date(2026, 1, 10), start_date=date(2025, 10, 1))
    db.session.commit()
    client = login(world.admin)
    response = client.post(cycles_url(world.angkor), data=cycle_data(2, None, start=date(2023, 12, 1)))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Cycle 1 was assessed on Jan 10, 2024; a later cycle must start after that date." in html
    response = client.post(cycles_url(world.angkor), data=cycle_data(2, date(2025, 10, 5), start=date(2025, 6, 1)))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Cycle 3 started on Oct 1, 2025; an earlier cycle must start and be assessed before that date." in html
    assert cycle_count(world.angkor) == 2
    assert client.post(cycles_url(world.angkor), data=cycle_data(2, date(2025, 1, 10))).status_code == 302


def test_htmx_create_answers_the_list_and_a_fresh_form(login, world):
    response = login(world.assessor).post(cycles_url(world.angkor), data=cycle_data(1, date(2025, 1, 10)), headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<div id="cycles">')
    assert "Cycle 1 recorded." in html and "Jan 10, 2025" in html
    assert re.search(r'<input[^>]*name="number"[^>]*value="2"', html)


# --- one cycle -------------------------------------------------------------------------------


def test_cycle_page_shows_the_findings(login, world):
    cycle = f.make_cycle(world.angkor, 1, date(2025, 1, 10), date(2025, 2, 1), lead_assessor_id=world.assessor.id)
    f.make_finding(cycle, "Overtime Wages", "Overtime paid at 100%")
    f.make_finding(cycle, "Premium Pay", "Night premium missing")
    db.session.commit()
    html = login(world.factory_user).get(cycle_url(cycle)).get_data(as_text=True)
    assert "Assessment report, cycle 1" in html
    assert "Compensation" in html and "Overtime Wages" in html and "Overtime paid at 100%" in html
    assert "Night premium missing" in html and world.assessor.name in html and "Feb 1, 2025" in html
    assert "2 findings" in html and "1 of them publicly reported" in html
    assert "Add a finding" not in html and "Import findings" not in html  # the factory reads only


def test_another_factorys_cycle_under_this_factorys_url_is_404(login, world):
    foreign = f.make_cycle(world.mekong, 1)  # the admin may see Mekong, but not under Angkor's URL
    f.make_finding(foreign, text="Mekong's secret finding")
    db.session.commit()
    client = login(world.admin)
    base = f"/factories/{world.angkor.id}/cycles/{foreign.id}"
    for method, url in [("GET", base), ("POST", base + "/findings"), ("POST", base + "/release-date"),
                        ("GET", base + "/import"), ("POST", base + "/import"), ("POST", base + "/import/confirm")]:
        response = client.open(url, method=method, data=finding_data())
        assert response.status_code == 404, (method, url)
        assert b"secret" not in response.data
    assert client.get(cycle_url(foreign)).status_code == 200
    assert client.get(f"/factories/{world.angkor.id}/cycles/987654").status_code == 404
    assert len(findings_of(foreign)) == 1


def test_cycle_of_a_factory_the_user_may_not_see_is_404(login, world):
    foreign = f.make_cycle(world.bandung, 1)
    db.session.commit()
    client = login(world.assessor)  # Cambodia's assessor; Bandung is in Indonesia
    assert client.get(cycle_url(foreign)).status_code == 404
    assert client.get(f"/factories/{world.angkor.id}/cycles/{foreign.id}").status_code == 404


def test_compliance_points_are_grouped_by_cluster(login, world):
    cycle = f.make_cycle(world.angkor)
    db.session.commit()
    html = login(world.assessor).get(cycle_url(cycle)).get_data(as_text=True)
    select_html = html.split('name="compliance_point_id"')[1].split("</select>")[0]
    assert select_html.count("<optgroup") == 9
    group = select_html.split('<optgroup label="Compensation">')[1].split("</optgroup>")[0]
    assert "Premium Pay</option>" in group and "Overtime Wages (publicly reported)</option>" in group
    assert "Gender" not in group
    assert 'type="checkbox"' in html and "checked" not in html.split('name="publicly_reported"')[0][-200:]


def test_finding_added_without_javascript(login, world):
    cycle = f.make_cycle(world.angkor)
    db.session.commit()
    client = login(world.assessor)
    response = client.post(cycle_url(cycle) + "/findings", data=finding_data(text="No overtime premium"))
    assert response.status_code == 302 and response.location.endswith(cycle_url(cycle) + "#findings")
    [finding] = findings_of(cycle)
    point = kh_point("Overtime Wages")
    assert (finding.cluster_id, finding.compliance_point_id, finding.text, finding.publicly_reported,
            finding.factory_id) == (point.cluster_id, point.id, "No overtime premium", True, world.angkor.id)
    page = client.get(response.location).get_data(as_text=True)
    assert "Finding added." in page and "No overtime premium" in page


def test_finding_added_with_htmx_answers_the_table_and_form(login, world):
    cycle = f.make_cycle(world.angkor)
    db.session.commit()
    client = login(world.admin)
    response = client.post(cycle_url(cycle) + "/findings", headers=HX,
                           data=finding_data("Premium Pay", "Night premium missing", public=False))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<section id="findings"')
    assert "Finding added." in html and "Night premium missing" in html and "<table" in html
    assert findings_of(cycle)[0].publicly_reported is False
    # The fresh form keeps the cluster for the next finding, and nothing else.
    cluster_id = kh_point("Premium Pay").cluster_id
    assert f'selected value="{cluster_id}"' in html
    assert "Night premium missing</textarea>" not in html


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"text": "   "}, "text", "Please write the finding."),
        ({"text": "x" * 5001}, "text", "Please keep this to 5000 characters or fewer."),
        ({"cluster_id": ""}, "cluster_id", "Please choose a cluster."),
        ({"compliance_point_id": ""}, "compliance_point_id", "Please choose a compliance point."),
        ({"compliance_point_id": "999999"}, "compliance_point_id", "Please choose one of the options in the list."),
        ({"compliance_point_id": "Gender"}, "compliance_point_id",
         "This compliance point is not in the chosen cluster."),
    ],
)
def test_bad_findings_are_refused_with_the_input_kept(login, world, headers, change, field, message):
    cycle = f.make_cycle(world.angkor)
    db.session.commit()
    data = {**finding_data(text="Typed text that must survive"), **change}
    if data["compliance_point_id"] == "Gender":  # a point of another cluster than the chosen one
        data["compliance_point_id"] = str(kh_point("Gender").id)
    response = login(world.assessor).post(cycle_url(cycle) + "/findings", data=data, headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and f'id="{field}-error"' in html and 'aria-invalid="true"' in html
    if field != "text":
        assert "Typed text that must survive" in html
    assert ("<html" in html) == (not headers)
    assert findings_of(cycle) == []


@pytest.mark.parametrize("who", ["ea", "factory_user"])
def test_roles_without_assessments_edit_cannot_add_findings_or_set_dates(login, world, who):
    cycle = f.make_cycle(world.angkor)
    db.session.commit()
    client = login(getattr(world, who))
    assert client.post(cycle_url(cycle) + "/findings", data=finding_data()).status_code == 403
    assert client.post(cycle_url(cycle) + "/release-date",
                       data={"report_release_date": TODAY.isoformat()}).status_code == 403
    assert client.get(cycle_url(cycle) + "/import").status_code == 403
    assert client.post(cycle_url(cycle) + "/import/confirm", data={"payload": "x"}).status_code == 403
    assert findings_of(cycle) == []


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
def test_release_date_is_edited_and_checked(login, world, headers):
    cycle = f.make_cycle(world.angkor, 1, date(2025, 1, 10))
    db.session.commit()
    client = login(world.assessor)
    url = cycle_url(cycle) + "/release-date"
    refused = client.post(url, data={"report_release_date": "2025-01-09"}, headers=headers)
    assert refused.status_code == 422
    assert "The report cannot be released before the assessment date." in refused.get_data(as_text=True)
    assert 'value="2025-01-09"' in refused.get_data(as_text=True)
    saved = client.post(url, data={"report_release_date": "2025-02-14"}, headers=headers)
    assert saved.status_code == (200 if headers else 302)
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).report_release_date == date(2025, 2, 14)
    if headers:
        assert "Release date saved." in saved.get_data(as_text=True) and "Feb 14, 2025" in saved.get_data(as_text=True)
    cleared = client.post(url, data={"report_release_date": ""}, headers=headers)
    assert cleared.status_code in (200, 302)
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).report_release_date is None


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
def test_the_assessment_of_a_started_cycle_is_recorded_later(login, world, headers):
    """CYC-1: a cycle in its advisory period has no assessment date; the assessor records it
    once it took place (not before the cycle started, not once the next one started), and
    only then can the report's release date be entered."""
    cycle = f.make_cycle(world.angkor, 1, start_date=date(2025, 1, 10))
    f.make_cycle(world.angkor, 2, start_date=date(2026, 1, 10))
    db.session.commit()
    client = login(world.assessor)
    page = client.get(cycle_url(cycle)).get_data(as_text=True)
    assert "Not assessed yet" in page and "Record the assessment" in page and "Save release date" not in page
    url = cycle_url(cycle) + "/assessment"
    early = client.post(url, data={"assessment_date": "2025-01-09", "lead_assessor_id": ""}, headers=headers)
    assert early.status_code == 422
    assert "Cycle 1 started on Jan 10, 2025; its assessment cannot be earlier." in early.get_data(as_text=True)
    late = client.post(url, data={"assessment_date": "2026-01-10", "lead_assessor_id": ""}, headers=headers)
    assert late.status_code == 422 and "this cycle must be assessed before that date" in late.get_data(as_text=True)
    refused = client.post(cycle_url(cycle) + "/release-date", data={"report_release_date": "2025-05-01"},
                          headers=headers)
    assert refused.status_code == 422
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).assessment_date is None
    saved = client.post(url, data={"assessment_date": "2025-04-20", "lead_assessor_id": str(world.assessor.id)},
                        headers=headers)
    assert saved.status_code == (200 if headers else 302)
    db.session.expire_all()
    recorded = db.session.get(Cycle, cycle.id)
    assert (recorded.assessment_date, recorded.lead_assessor_id) == (date(2025, 4, 20), world.assessor.id)
    page = client.get(cycle_url(cycle)).get_data(as_text=True)
    assert "Apr 20, 2025" in page and "Save release date" in page


# --- import from a file ----------------------------------------------------------------------

GOOD_CSV = (
    "Cluster,Compliance Point,Finding,Publicly Reported\n"
    "Compensation,Overtime Wages,Overtime paid at the normal rate,yes\n"
    "  working time ,  REGULAR   hours,\"Workers do 66 hours a week,\nsometimes more\",\n"
    "Occupational Safety and Health,Emergency Preparedness,No evacuation drill this year,0\n"
)


def upload(client, cycle, content, filename="findings.csv", headers=None):
    data = {"file": (io.BytesIO(content), filename)}
    return client.post(cycle_url(cycle) + "/import", data=data, content_type="multipart/form-data",
                       headers=headers or {})


def payload_of(html: str) -> str:
    return re.search(r'name="payload" type="hidden" value="([^"]+)"', html).group(1)


@pytest.fixture
def report(world):
    cycle = f.make_cycle(world.angkor, 1, date(2025, 1, 10))
    db.session.commit()
    return cycle


def test_import_page_explains_the_columns(login, world, report):
    html = login(world.assessor).get(cycle_url(report) + "/import").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html and '<label for="file"' in html
    assert "publicly reported" in html and "Download a template (CSV)" in html


def test_csv_preview_shows_every_row_and_writes_nothing(login, world, report):
    client = login(world.assessor)
    response = upload(client, report, GOOD_CSV.encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "3 findings from findings.csv are ready to be saved. Nothing has been saved yet." in html
    assert "Overtime paid at the normal rate" in html and "Workers do 66 hours a week" in html
    assert "Regular Hours" in html  # the catalogue's name, matched whatever the case and spaces
    assert "the compliance point's usual setting" in html  # empty "publicly reported"
    assert "Save 3 findings" in html and payload_of(html)
    assert findings_of(report) == []


def test_confirm_writes_all_rows(login, world, report):
    client = login(world.admin)
    html = upload(client, report, GOOD_CSV.encode()).get_data(as_text=True)
    response = client.post(cycle_url(report) + "/import/confirm", data={"payload": payload_of(html)})
    assert response.status_code == 302 and response.location.endswith(cycle_url(report) + "#findings")
    saved = findings_of(report)
    assert [(x.compliance_point.name, x.publicly_reported) for x in saved] == [
        ("Overtime Wages", True), ("Regular Hours", False), ("Emergency Preparedness", False)]
    assert saved[1].text == "Workers do 66 hours a week,\nsometimes more"
    assert {x.factory_id for x in saved} == {world.angkor.id}
    assert "3 findings imported." in client.get(response.location).get_data(as_text=True)


def test_confirming_twice_saves_once(login, world, report):
    client = login(world.admin)
    payload = payload_of(upload(client, report, GOOD_CSV.encode()).get_data(as_text=True))
    assert client.post(cycle_url(report) + "/import/confirm", data={"payload": payload}).status_code == 302
    again = client.post(cycle_url(report) + "/import/confirm", data={"payload": payload})
    assert again.status_code == 409
    assert "nothing was saved" in again.get_data(as_text=True)
    assert len(findings_of(report)) == 3


def test_a_file_with_one_bad_row_is_refused_whole(login, world, report):
    content = (
        "cluster,compliance point,finding,publicly reported\n"
        "Compensation,Overtime Wages,Fine row,yes\n"
        "Compensation,Gender,Gender is not a compensation point,yes\n"
        "Working Time,Overtime,Another fine row,no\n"
    )
    response = upload(login(world.assessor), report, content.encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The file was not imported; nothing has been saved." in html
    assert "1 row has errors." in html
    assert "Row 3: “Gender” is not a compliance point of the cluster “Compensation”." in html
    assert "Fine row" in html and "Another fine row" in html  # the whole preview, with the bad row marked
    assert 'class="row-error"' in html and "Save" not in html.split("</h1>")[1].split("Upload a corrected file")[0]
    assert "Upload a corrected file" in html and 'name="payload"' not in html
    assert findings_of(report) == []


def test_row_errors_are_listed_with_their_row_numbers(login, world, report):
    content = (
        "cluster;compliance point;finding;publicly reported\n"
        ";;;\n"
        "Nonsense;Overtime Wages;x;yes\n"
        "Compensation;Overtime Wages;;yes\n"
        "Compensation;Overtime Wages;text;maybe\n"
        f"Compensation;Overtime Wages;{'y' * 5001};\n"
    )
    html = upload(login(world.assessor), report, content.encode()).get_data(as_text=True)
    assert "4 rows have errors." in html
    assert "Row 3: Unknown cluster “Nonsense”." in html
    assert "Row 4: The finding is empty." in html
    assert "Row 5: “maybe” is not a yes/no value" in html
    assert "Row 6: The finding has 5001 characters; at most 5000 are allowed." in html


def test_file_content_is_escaped_in_the_preview(login, world, report):
    content = "cluster,compliance point,finding\n<script>alert(1)</script>,x,<b>bold</b>\n"
    html = upload(login(world.assessor), report, content.encode()).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def make_xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_import_works(login, world, report):
    content = make_xlsx([
        ["Cluster", "Compliance point", "Finding", "Publicly reported"],
        ["Child Labour", "Documentation and Protection of Young Workers", "No age records", True],
        [None, None, None, None],
        ["Forced Labour", "Coercion", "Deposits kept by the factory", None],
        ["Working Time", "Leave", "Annual leave refused", 0],
    ])
    client = login(world.assessor)
    response = upload(client, report, content, "report.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "3 findings from report.xlsx are ready" in html and "Deposits kept by the factory" in html
    assert findings_of(report) == []
    assert client.post(cycle_url(report) + "/import/confirm", data={"payload": payload_of(html)}).status_code == 302
    assert [(x.text, x.publicly_reported) for x in findings_of(report)] == [
        ("No age records", True), ("Deposits kept by the factory", True), ("Annual leave refused", False)]


@pytest.mark.parametrize("tamper", ["flip", "garbage", "empty", "resigned"])
def test_a_tampered_payload_is_refused(app, login, world, report, tamper):
    from itsdangerous import URLSafeSerializer

    client = login(world.assessor)
    payload = payload_of(upload(client, report, GOOD_CSV.encode()).get_data(as_text=True))
    if tamper == "flip":
        payload = payload[:-3] + ("A" if payload[-3] != "A" else "B") + payload[-2:]
    elif tamper == "garbage":
        payload = "not-a-payload"
    elif tamper == "empty":
        payload = ""
    else:  # signed with another key, as someone without ours would
        payload = URLSafeSerializer("guessed-key", salt="findings-import").dumps(
            {"cycle": report.id, "existing": 0, "rows": [[2, 1, 1, "forged", True]]})
    response = client.post(cycle_url(report) + "/import/confirm", data={"payload": payload})
    assert response.status_code == 400
    assert "could not be verified, so nothing was saved" in response.get_data(as_text=True)
    assert findings_of(report) == []


def test_a_payload_for_another_cycle_is_refused(login, world, report):
    other = f.make_cycle(world.angkor, 2, date(2026, 1, 10))
    db.session.commit()
    client = login(world.assessor)
    payload = payload_of(upload(client, report, GOOD_CSV.encode()).get_data(as_text=True))
    response = client.post(cycle_url(other) + "/import/confirm", data={"payload": payload})
    assert response.status_code == 400
    assert findings_of(other) == [] and findings_of(report) == []


def test_a_validly_signed_but_bad_row_is_checked_again(app, login, world, report):
    from itsdangerous import URLSafeSerializer

    gender = kh_point("Gender")
    compensation = kh_point("Overtime Wages").cluster_id
    payload = URLSafeSerializer(app.secret_key, salt="findings-import").dumps(
        {"cycle": report.id, "existing": 0, "rows": [[2, compensation, gender.id, "x", True]]})
    response = login(world.assessor).post(cycle_url(report) + "/import/confirm", data={"payload": payload})
    assert response.status_code == 422
    assert "no longer in the catalogue" in response.get_data(as_text=True)
    assert findings_of(report) == []


@pytest.mark.parametrize(
    "content, filename, message",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "findings.csv", "neither a CSV file nor an Excel workbook"),
        (b"PK\x03\x04 this is not really a zip", "findings.xlsx", "neither a CSV file nor an Excel workbook"),
        ("cluster,compliance point,finding\nCompensation,Overtime Wages,Caf\u00e9\n".encode("cp1252"), "f.csv",
         "The CSV file is not in UTF-8"),
        (b"", "f.csv", "The file is empty."),
        (b"name,amount\nx,1\n", "f.csv", "these are missing: cluster, compliance point, finding"),
        (b"cluster,compliance point,finding\n", "f.csv", "The file has no findings below the header row."),
        (b"cluster,compliance point,finding\n" + b"a,b,c\n" * 1001, "f.csv", "more than 1000 findings"),
        (b"cluster,compliance point,finding\n" + b"a,b," + b"c" * (2 * 1024 * 1024) + b"\n", "f.csv",
         "larger than 2 MB"),
    ],
    ids=["png", "fake-zip", "cp1252", "empty", "columns", "no-rows", "too-many-rows", "too-big"],
)
def test_bad_files_are_refused_with_a_clear_message(login, world, report, content, filename, message):
    response = upload(login(world.assessor), report, content, filename)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and "nothing has been saved" in html
    assert findings_of(report) == []


def test_no_file_chosen_is_a_field_error(login, world, report):
    response = login(world.assessor).post(cycle_url(report) + "/import", data={},
                                          content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Please choose a file to upload." in response.get_data(as_text=True)


def test_the_template_is_a_csv_the_import_accepts(login, world, report):
    client = login(world.assessor)
    response = client.get(f"/factories/{world.angkor.id}/cycles/import-template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    preview = upload(client, report, response.data)
    assert preview.status_code == 200 and "1 finding from findings.csv is ready" in preview.get_data(as_text=True)
    assert login(world.factory_user).get(f"/factories/{world.angkor.id}/cycles/import-template.csv").status_code == 403


@pytest.fixture
def french_labels(world):
    """The Cambodian admin's French names for Compensation / Premium Pay."""
    point = f.catalogue_point("Premium Pay", world.kh)
    point.cluster.name_translations = {"fr": "Rémunération"}
    point.name_translations = {"fr": "Primes et indemnités"}
    db.session.commit()
    return point


def test_names_in_the_users_language_are_matched(login, world, report, french_labels):
    world.assessor.locale = "fr"
    db.session.commit()
    client = login(world.assessor)
    content = "cluster,compliance point,finding\nRÉMUNÉRATION,  primes et  indemnités ,Prime de nuit absente\n"
    html = upload(client, report, content.encode()).get_data(as_text=True)
    assert 'name="payload"' in html
    assert "Primes et indemnités" in html  # shown as the catalogue names it in French
    assert client.post(cycle_url(report) + "/import/confirm", data={"payload": payload_of(html)}).status_code == 302
    [saved] = findings_of(report)
    assert (saved.compliance_point_id, saved.publicly_reported) == (french_labels.id, False)


def test_the_file_name_is_escaped_in_the_preview(login, world, report):
    html = upload(login(world.assessor), report, GOOD_CSV.encode(), "<i>x</i>.csv").get_data(as_text=True)
    assert "<i>x</i>" not in html and "&lt;i&gt;x&lt;/i&gt;.csv" in html
