"""The public Transparency Portal (PUB-3): listed from the second released cycle, the latest
released assessment only, nothing private, evidence files only when public, cacheable."""

from datetime import UTC, date, datetime, timedelta

import pytest

from bwportal.domain.public import transparency as public
from bwportal.extensions import db
from bwportal.models import Cycle, Finding
from tests import factories as f

PDF = b"%PDF-1.4\n%%EOF\n"
TODAY = date.today()


def days_ago(n):
    return TODAY - timedelta(days=n)


def released_cycles(factory, *releases):
    """Cycles 1…n of ``factory``, each released on the given date (None: not released)."""
    return [f.make_cycle(factory, n, days_ago(800 - 300 * n), release)
            for n, release in enumerate(releases, start=1)]


@pytest.fixture
def listed(app, world):
    """Angkor, listed: cycle 1 and cycle 2 released. Every private field has a distinctive value."""
    angkor = world.angkor
    angkor.address = "77 Secret Riverside Road"
    angkor.contact_name = "Contact Chanthou Hidden"
    angkor.phone = "+855 99 123 4567"
    angkor.email = "private-owner@angkor.example"
    angkor.ownership_info = "Owned by Hidden Holdings Ltd"
    angkor.male_employees, angkor.female_employees = 4321, 8765
    world.factory_user.name = "Factory User Vannak Private"
    world.ea.name = "Advisor Sokha Private"
    old, latest = released_cycles(angkor, days_ago(400), days_ago(30))
    old_public = f.make_finding(old, "Overtime Wages", "Old cycle overtime finding", publicly_reported=True)
    old_response = f.make_public_response(old_public, "Old cycle response text")
    public_finding = f.make_finding(latest, "Overtime Wages", "Overtime paid at the normal rate",
                                    publicly_reported=True)
    f.make_ip_item(finding=public_finding, by=world.ea, lead_person="Lead Person Dara Private",
                   actions_needed="Private action plan text", progress="Private progress text")
    answered = f.make_public_response(public_finding, "All overtime now paid at 150%", verified_by=world.ea,
                                      updated_by_id=world.factory_user.id)
    photo = f.make_evidence_file(answered, app.config["STORAGE_DIR"], original_name="payslips.png")
    scan = f.make_evidence_file(answered, app.config["STORAGE_DIR"], content=PDF, original_name="payroll.pdf",
                                content_type="application/pdf")
    unverified = f.make_finding(latest, "Paid Leave", "Annual leave not paid", publicly_reported=True)
    f.make_public_response(unverified, "Leave paid from next month")
    f.make_finding(latest, "Emergency Preparedness", "Exit blocked on floor 2", publicly_reported=True)
    private = f.make_finding(latest, "Regular Hours", "Non-public finding about hours", publicly_reported=False)
    private_response = f.make_public_response(private, "Response to a non-public finding")
    private_file = f.make_evidence_file(private_response, app.config["STORAGE_DIR"], original_name="private.png")
    old_file = f.make_evidence_file(old_response, app.config["STORAGE_DIR"], original_name="old.png")
    db.session.commit()
    return {"angkor": angkor, "old": old, "latest": latest, "photo": photo, "scan": scan,
            "private_file": private_file, "old_file": old_file, "public_finding": public_finding}


def page_of(factory):
    return f"/transparency/factories/{factory.id}"


# --- who is listed ------------------------------------------------------------------------------


def test_a_factory_appears_from_its_second_released_cycle(client, world, listed):
    released_cycles(world.mekong, days_ago(300))  # one released cycle only
    released_cycles(world.bandung, days_ago(300), None)  # the second not released yet
    db.session.commit()
    html = client.get("/transparency").get_data(as_text=True)
    assert "Angkor Garments" in html
    assert "Mekong Apparel" not in html and "Bandung Textiles" not in html
    assert client.get(page_of(world.mekong)).status_code == 404
    assert client.get(page_of(world.bandung)).status_code == 404


def test_a_release_date_in_the_future_does_not_count(client, world, listed):
    released_cycles(world.mekong, days_ago(300), TODAY + timedelta(days=3))
    db.session.commit()
    assert client.get(page_of(world.mekong)).status_code == 404
    cycle = db.session.scalars(db.select(Cycle).filter_by(factory_id=world.mekong.id, number=2)).one()
    cycle.report_release_date = TODAY
    db.session.commit()
    assert client.get(page_of(world.mekong)).status_code == 200


def test_an_inactive_factory_is_not_listed(client, world, listed):
    listed["angkor"].active = False
    db.session.commit()
    assert "Angkor Garments" not in client.get("/transparency").get_data(as_text=True)
    assert client.get(page_of(listed["angkor"])).status_code == 404
    assert client.get(f"/transparency/files/{listed['photo'].id}").status_code == 404


def test_an_unknown_factory_is_not_found(client, world, listed):
    assert client.get("/transparency/factories/987654").status_code == 404


# --- search ---------------------------------------------------------------------------------------


@pytest.fixture
def three_listed(world, listed):
    released_cycles(world.mekong, days_ago(400), days_ago(20))
    released_cycles(world.bandung, days_ago(400), days_ago(20))
    db.session.commit()


def test_search_by_name(client, three_listed):
    html = client.get("/transparency?q=mekong").get_data(as_text=True)
    assert "Mekong Apparel" in html and "Angkor Garments" not in html and "Bandung Textiles" not in html
    html = client.get("/transparency?q=%25").get_data(as_text=True)  # "%" is a character, not a wildcard
    assert "No factory matches your search." in html


def test_search_by_country(client, three_listed):
    html = client.get("/transparency?country=ID").get_data(as_text=True)
    assert "Bandung Textiles" in html and "Mekong Apparel" not in html and "Angkor Garments" not in html
    assert '<option value="KH"' in html and '<option value="ID" selected' in html
    assert "Cambodia" in html and "Indonesia" in html  # country names, in the page's language
    html = client.get("/transparency?country=kh&q=angkor").get_data(as_text=True)
    assert "Angkor Garments" in html and "Mekong Apparel" not in html
    html = client.get("/transparency?country=ZZ").get_data(as_text=True)  # unknown: ignored
    assert "Bandung Textiles" in html and "Angkor Garments" in html


def test_only_countries_with_listed_factories_are_offered(client, world, listed):
    html = client.get("/transparency").get_data(as_text=True)
    assert '<option value="KH"' in html and '<option value="ID"' not in html


def test_results_come_25_to_a_page(client, world):
    programme = world.kh
    for n in range(26):
        released_cycles(f.make_factory(programme, name=f"Pager Factory {n:02d}"), days_ago(400), days_ago(20))
    db.session.commit()
    first = client.get("/transparency?q=pager").get_data(as_text=True)
    assert first.count("Pager Factory") == 25 and "Pager Factory 25" not in first and "26 factories" in first
    assert "page=2" in first
    second = client.get("/transparency?q=pager&page=2").get_data(as_text=True)
    assert second.count("Pager Factory") == 1 and "Pager Factory 25" in second
    assert client.get("/transparency?q=pager&page=99").status_code == 200
    assert client.get("/transparency?page=abc").status_code == 200


# --- a factory's page -------------------------------------------------------------------------------


def test_the_page_shows_the_latest_released_assessment_with_responses(client, listed):
    html = client.get(page_of(listed["angkor"])).get_data(as_text=True)
    assert "Angkor Garments" in html and "Cambodia" in html
    assert "Overtime paid at the normal rate" in html and "All overtime now paid at 150%" in html
    assert "Annual leave not paid" in html and "Leave paid from next month" in html
    assert "Exit blocked on floor 2" in html and "The factory has not responded yet." in html
    assert html.count(">Verified by Better Work<") == 1 and html.count(">Not yet verified by Better Work<") == 1
    assert f"/transparency/files/{listed['photo'].id}" in html and "payslips.png" in html
    assert f"/transparency/files/{listed['scan'].id}" in html and "payroll.pdf" in html
    assert "Old cycle overtime finding" not in html and "Old cycle response text" not in html


def test_a_newly_released_assessment_replaces_the_findings(client, listed):
    third = f.make_cycle(listed["angkor"], 3, days_ago(10), None)
    f.make_finding(third, "Overtime Wages", "Third cycle overtime finding", publicly_reported=True)
    db.session.commit()
    html = client.get(page_of(listed["angkor"])).get_data(as_text=True)
    assert "Third cycle overtime finding" not in html  # not released yet
    assert "Overtime paid at the normal rate" in html
    third.report_release_date = TODAY
    db.session.commit()
    html = client.get(page_of(listed["angkor"])).get_data(as_text=True)
    assert "Third cycle overtime finding" in html
    assert "Overtime paid at the normal rate" not in html and "All overtime now paid" not in html
    assert client.get(f"/transparency/files/{listed['photo'].id}").status_code == 404  # no longer shown


PRIVATE = [
    "77 Secret Riverside Road", "Contact Chanthou Hidden", "+855 99 123 4567", "private-owner@angkor.example",
    "Owned by Hidden Holdings Ltd", "4321", "8765", "13086", "13,086",
    "Non-public finding about hours", "Response to a non-public finding", "private.png",
    "Old cycle overtime finding", "Old cycle response text", "old.png",
    "Lead Person Dara Private", "Private action plan text", "Private progress text",
    "Factory User Vannak Private", "Advisor Sokha Private", "factory@example.com", "ea@example.com",
]


def test_no_private_data_on_any_public_page(client, world, listed):
    pages = ["/transparency", "/transparency?q=angkor", "/transparency?country=KH", page_of(listed["angkor"])]
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert "Angkor Garments" in html, url
        for secret in PRIVATE:
            assert secret not in html, (url, secret)
    html = client.get(page_of(listed["angkor"])).get_data(as_text=True)
    for shown in ("Overtime paid at the normal rate", "All overtime now paid at 150%", "payslips.png", "Cambodia"):
        assert shown in html


# --- evidence files on the portal ---------------------------------------------------------------------


def test_public_evidence_is_served_to_anyone(client, listed):
    answer = client.get(f"/transparency/files/{listed['photo'].id}")
    assert answer.status_code == 200 and answer.data == f.public_png_bytes()
    assert answer.headers["Content-Type"] == "image/png"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Disposition"].startswith("inline") and "payslips.png" in \
        answer.headers["Content-Disposition"]
    answer = client.get(f"/transparency/files/{listed['scan'].id}")
    assert answer.status_code == 200 and answer.headers["Content-Disposition"].startswith("attachment")


def test_files_not_shown_on_a_public_page_are_not_served(app, client, world, listed):
    assert client.get(f"/transparency/files/{listed['private_file'].id}").status_code == 404  # non-public finding
    assert client.get(f"/transparency/files/{listed['old_file'].id}").status_code == 404  # older cycle
    assert client.get("/transparency/files/987654").status_code == 404
    # A factory that is not listed (one cycle): its public finding's file stays private.
    cycle = released_cycles(world.mekong, days_ago(100))[0]
    finding = f.make_finding(cycle, "Overtime Wages", "Mekong overtime", publicly_reported=True)
    mekong_file = f.make_evidence_file(f.make_public_response(finding, "Paid"), app.config["STORAGE_DIR"])
    db.session.commit()
    assert client.get(f"/transparency/files/{mekong_file.id}").status_code == 404


def test_evidence_is_public_only_once_an_ea_verified_the_response(app, client, world, listed):
    """PUB-2: the public reads a response's text at once, marked as not yet verified by Better
    Work, and its files only after an EA verified the response (workers' privacy)."""
    from bwportal.domain.public import issues

    leave = db.session.scalar(db.select(Finding).filter_by(text="Annual leave not paid"))
    response = issues.response_for(leave.id)
    payroll = f.make_evidence_file(response, app.config["STORAGE_DIR"], original_name="payroll-faces.png")
    db.session.commit()
    html = client.get(page_of(listed["angkor"])).get_data(as_text=True)
    card = html[html.index("Annual leave not paid"):]
    card = card[:card.index("</li>")]
    assert "Leave paid from next month" in card and "Not yet verified by Better Work" in card
    assert "payroll-faces.png" not in html and f"/transparency/files/{payroll.id}" not in html
    assert client.get(f"/transparency/files/{payroll.id}").status_code == 404
    issues.verify(response, world.ea, response.version)
    db.session.commit()
    html = app.test_client().get(page_of(listed["angkor"])).get_data(as_text=True)
    assert "payroll-faces.png" in html
    assert app.test_client().get(f"/transparency/files/{payroll.id}").status_code == 200
    # Edited after verification: unverified again, and the file is private again until verified.
    issues.save_response(leave, world.factory_user, "Leave paid from this month", response.version, [])
    db.session.commit()
    assert app.test_client().get(f"/transparency/files/{payroll.id}").status_code == 404


def test_the_upload_form_says_when_files_become_public(login, world, listed):
    """PUB-2: the factory is told, where it uploads, that files are public only once verified."""
    finding = listed["public_finding"]
    html = login(world.factory_user).get(
        f"/factories/{world.angkor.id}/public-issues/{finding.id}/respond").get_data(as_text=True)
    assert "Files become public only after your Enterprise Advisor has verified the response" in html
    assert "not yet verified by Better Work" in html


def test_a_release_counts_on_the_programme_s_local_day(app, world):
    """PUB-3 (issue 16, 12): "released by today" is each programme's local date. At 20:00 UTC
    on 1 March it is 2 March in Phnom Penh (a report released on 2 March is out) and still
    1 March in Managua (not out there yet)."""
    import time_machine

    from bwportal.models import Programme

    managua = f.make_programme(name="Nicaragua", country="NI", committee_short="PICC", default_locale="es",
                               timezone="America/Managua")
    nicaragua = f.make_factory(managua, name="Managua Sewing")
    for factory in (world.angkor, nicaragua):
        f.make_cycle(factory, 1, date(2025, 1, 10), date(2025, 2, 1))
        f.make_cycle(factory, 2, date(2026, 2, 1), date(2026, 3, 2))
    db.session.commit()
    assert db.session.get(Programme, world.kh.id).timezone == "Asia/Phnom_Penh"
    with time_machine.travel(datetime(2026, 3, 1, 20, 0, tzinfo=UTC), tick=False):
        client = app.test_client()
        html = client.get("/transparency").get_data(as_text=True)
        assert "Angkor Garments" in html and "Managua Sewing" not in html
        assert client.get(page_of(world.angkor)).status_code == 200
        assert client.get(page_of(nicaragua)).status_code == 404
    with time_machine.travel(datetime(2026, 3, 2, 7, 0, tzinfo=UTC), tick=False):  # 01:00 in Managua
        assert app.test_client().get(page_of(nicaragua)).status_code == 200


def test_a_public_file_missing_on_disk_is_not_found(app, client, listed):
    from pathlib import Path

    (Path(app.config["STORAGE_DIR"]) / "evidence" / listed["photo"].stored_name).unlink()
    assert client.get(f"/transparency/files/{listed['photo'].id}").status_code == 404


# --- anonymous, cacheable -------------------------------------------------------------------------------


def test_pages_work_without_signing_in_and_are_cacheable(app, world, listed):
    for url in ("/transparency", page_of(listed["angkor"]), f"/transparency/files/{listed['photo'].id}"):
        fresh = app.test_client()  # no cookies at all
        answer = fresh.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["Cache-Control"] == "public, max-age=300", url


def test_a_visitor_with_a_session_gets_private_pages(app, login, world, listed):
    fresh = app.test_client()
    first = fresh.get("/transparency")  # an anonymous first visit starts no session: cacheable
    assert "Set-Cookie" not in first.headers and first.headers["Cache-Control"] == "public, max-age=300"
    fresh.get("/language?locale=km&next=/transparency")  # choosing a language does
    assert fresh.get_cookie(app.config["SESSION_COOKIE_NAME"]) is not None
    answer = fresh.get(page_of(listed["angkor"]))
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "private"
    signed_in = login(world.buyer)
    answer = signed_in.get("/transparency")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "private"


def test_no_form_but_the_search_and_the_language(client, listed):
    for url in ("/transparency", page_of(listed["angkor"])):
        html = client.get(url).get_data(as_text=True)
        assert 'method="post"' not in html and 'name="csrf_token"' not in html  # nothing to post
        assert 'class="language-form" method="get"' in html
        assert "Sign out" not in html


def test_the_sign_in_page_links_to_the_portal(client, world):
    assert 'href="/transparency"' in client.get("/sign-in").get_data(as_text=True)


def test_the_domain_hands_out_plain_data(app, world, listed):
    with app.test_request_context():
        page = public.factory_page(listed["angkor"].id, TODAY)
    assert page.factory == public.ListedFactory(listed["angkor"].id, "Angkor Garments", "KH", "Cambodia")
    assert all(isinstance(value, (str, bool, list)) for finding in page.findings
               for value in vars(finding).values())
