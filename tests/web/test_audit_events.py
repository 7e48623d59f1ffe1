"""Issue 9, item 7: the audit trail records sign-ins, role changes, report decisions,
verifications, exports and downloads (who, when, what, from where), and the programme's
admin reads them, in readable words; another programme's admin and non-admins do not."""

import re
from datetime import date, timedelta
from html import escape
from pathlib import Path

import pytest
from sqlalchemy import select

from bwportal.domain.people import management as people
from bwportal.domain.time import today_in
from bwportal.extensions import db
from bwportal.models import (
    AuditEvent,
    EnrolmentStatus,
    IPStatus,
    ProgressReport,
    ProposalStatus,
    ReportKind,
    Role,
    User,
)
from tests import factories as f
from tests.helpers import translated

from .test_transparency import listed  # noqa: F401  (a published factory with evidence files)

ADDR = "203.0.113.7"
CHECKS = {"check_committee_agrees": "y", "check_evidence_reviewed": "y", "check_root_causes_followed": "y"}
COVERED: set[str] = set()


@pytest.fixture
def client(app, app_ctx):
    """Every request comes from ADDR, so each record must carry the request's address."""
    test_client = app.test_client()
    test_client.environ_base["REMOTE_ADDR"] = ADDR
    return test_client


@pytest.fixture(scope="module", autouse=True)
def covered():
    yield
    print("\naudit actions covered through the web:", ", ".join(sorted(COVERED)))


def recorded(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)))


def check(event: AuditEvent, actor, programme, obj=None, label: str | None = None) -> AuditEvent:
    """The event's who, whose programme, about what, and from where."""
    assert event.actor_id == (actor.id if actor is not None else None)
    assert event.programme_id == (programme.id if programme is not None else None)
    assert event.remote_addr == ADDR
    assert event.at is not None
    if obj is not None:
        assert (event.object_type, event.object_id) == (obj.__tablename__, obj.id)
    if label is not None:
        assert label in event.object_label
    COVERED.add(event.action)
    return event


def only_its_admin_sees(login, world, event: AuditEvent, words: str):
    """Cambodia's admin finds the event (filtered by its action, in readable words); the
    Indonesian admin does not, and the trail is no page for anyone else."""
    label = escape(event.object_label)
    html = login(world.admin).get(f"/admin/audit?action={event.action}").get_data(as_text=True)
    assert f">{event.action}</code>" in html and words in html and label in html and ADDR in html
    other = login(world.admin_id).get(f"/admin/audit?action={event.action}").get_data(as_text=True)
    assert label not in other
    if not event.action.startswith("auth."):  # the other admin's own sign-ins are theirs to see
        assert f">{event.action}</code>" not in other
    for user in (world.ea, world.factory_user, world.buyer):
        assert login(user).get("/admin/audit").status_code in (403, 404)


def sign_in(client, email, password=f.PASSWORD):
    return client.post("/sign-in", data={"email": email, "password": password})


# --- sign-ins -------------------------------------------------------------------------------

def test_sign_in_sign_out_and_failures_are_recorded(login, client, world):
    assert sign_in(client, world.factory_user.email).status_code == 302
    [event] = recorded("auth.sign_in")
    check(event, world.factory_user, world.kh, world.factory_user, "factory@example.com")
    client.post("/sign-out")
    [event] = recorded("auth.sign_out")
    check(event, world.factory_user, world.kh, world.factory_user)

    wrong = sign_in(client, world.factory_user.email, "not the password")
    unknown = sign_in(client, "nobody.here@unknown.example", "not the password")
    no_address = sign_in(client, "my secret passphrase", "not the password")
    # The same answer for each: nothing tells the visitor whether the account exists.
    assert wrong.status_code == unknown.status_code == no_address.status_code == 401
    message = "The e-mail address or password is not right."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    failed_known, failed_unknown, failed_garbage = recorded("auth.sign_in_failed")
    check(failed_known, world.factory_user, world.kh, world.factory_user)
    assert failed_known.changes == {"reason": "password"}
    # An unknown address: no account, no programme (no admin reads it), and only a masked trace.
    check(failed_unknown, None, None, label="n…@unknown.example")
    assert "nobody" not in failed_unknown.object_label and failed_unknown.changes == {"reason": "unknown"}
    check(failed_garbage, None, None)
    assert failed_garbage.object_label == ""  # maybe a password typed into the wrong box: never kept
    assert not any("not the password" in str(e.changes) + e.object_label for e in recorded("auth.sign_in_failed"))

    only_its_admin_sees(login, world, failed_known, "Sign-in refused")
    html = login(world.admin).get("/admin/audit?action=auth.sign_in_failed").get_data(as_text=True)
    assert "unknown.example" not in html


def test_a_deactivated_account_is_refused_and_the_reason_recorded(client, world):
    world.factory2_user.active = False
    db.session.commit()
    assert sign_in(client, world.factory2_user.email).status_code == 401
    [event] = recorded("auth.sign_in_failed")
    check(event, world.factory2_user, world.kh, world.factory2_user)
    assert event.changes == {"reason": "inactive"}
    assert recorded("auth.sign_in") == []


def test_accepting_an_invitation_is_recorded(login, client, world):
    invitation, token = people.invite(world.admin, email="new.ea@example.com", name="Sokha", role=Role.EA,
                                      locale="en", programme=world.kh, days=7)
    db.session.commit()
    response = client.post(f"/invitation/{token}", data={"name": "Sokha Chan", "locale": "en",
                                                          "password": "a long enough phrase",
                                                          "confirm": "a long enough phrase"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).filter_by(email="new.ea@example.com"))
    [event] = recorded("user.join")
    check(event, user, world.kh, user, "new.ea@example.com")
    only_its_admin_sees(login, world, event, "Accepted an invitation")


# --- role changes -----------------------------------------------------------------------------

def test_the_account_manager_flag_is_recorded_before_and_after(login, client, world):
    """A person's role is set by the invitation and never edited; the account-manager flag is
    what the admin changes, and the trail keeps its before and after."""
    admin = login(world.admin)
    url = f"/admin/people/{world.factory_user.id}"
    assert admin.post(url, data={"name": world.factory_user.name, "is_account_manager": "y"}).status_code == 302
    assert admin.post(url, data={"name": world.factory_user.name}).status_code == 302
    granted, withdrawn = recorded("user.edit")
    check(granted, world.admin, world.kh, world.factory_user, "factory@example.com")
    assert granted.changes == {"is_account_manager": [False, True]}
    assert withdrawn.changes == {"is_account_manager": [True, False]}
    only_its_admin_sees(login, world, granted, "Changed a person&#39;s account")


# --- progress reports -------------------------------------------------------------------------

def reports_url(world):
    return f"/factories/{world.angkor.id}/reports"


def test_report_submission_send_back_and_approval_are_recorded(login, world, pr1):
    report = pr1
    url = f"{reports_url(world)}/{report.id}"
    assert login(world.factory_user).post(url + "/submit").status_code == 302
    assert login(world.ea).post(url + "/send_back", data={"comment": "Add the dates"}).status_code == 302
    assert login(world.factory_user).post(url + "/submit").status_code == 302
    assert login(world.ea).post(url + "/approve").status_code == 302

    first, second = recorded("report.submit")
    check(first, world.factory_user, world.kh, report, "Angkor Garments: PR1")
    assert first.changes == {"kind": "pr1", "status": ["draft", "submitted"]}
    [back] = recorded("report.send_back")
    check(back, world.ea, world.kh, report)
    assert back.changes["status"] == ["submitted", "draft"]
    [approved] = recorded("report.approve")
    check(approved, world.ea, world.kh, report)
    assert approved.changes["status"] == ["submitted", "approved"]
    only_its_admin_sees(login, world, approved, "Approved a report")

    # A refused move writes nothing (a second approve: 409, the report is final already).
    assert login(world.ea).post(url + "/approve").status_code == 409
    assert len(recorded("report.approve")) == 1


def test_releasing_a_pr2_is_recorded(login, world, cycle):
    item = f.make_ip_item(cycle, "Overtime Wages", "Overtime unpaid", by=world.ea)
    db.session.commit()
    ea = login(world.ea)
    created = ea.post(reports_url(world) + "/new", data={"cycle_id": str(cycle.id),
                                                         "report_date": date.today().isoformat()})
    report = db.session.scalar(select(ProgressReport).order_by(ProgressReport.id.desc()))
    assert report.kind is ReportKind.PR2
    ea.post(created.location, data={f"items__{item.id}": "confirmed", f"items__{item.id}__note": "Seen"})
    ea.post(f"{reports_url(world)}/{report.id}/summary", data={"improvements": "Overtime is now paid correctly"})
    assert ea.post(f"{reports_url(world)}/{report.id}/release").status_code == 302
    [event] = recorded("report.release")
    check(event, world.ea, world.kh, report, "PR2")
    assert event.changes == {"kind": "pr2", "status": ["draft", "approved"]}
    only_its_admin_sees(login, world, event, "Released a report")


# --- verifications ----------------------------------------------------------------------------

def ip_url(world, item=None, suffix=""):
    return f"/factories/{world.angkor.id}/ip" + (f"/{item.id}" if item else "") + suffix


def reported_item(login, world, cycle, text):
    item = f.make_ip_item(cycle, "Overtime Wages", text, by=world.ea)
    db.session.commit()
    assert login(world.factory_user).post(ip_url(world, item, "/remediated"),
                                          data={"note": "Payroll corrected"}).status_code == 302
    return item


def test_the_eas_verification_and_return_of_ip_items_are_recorded(login, world, cycle):
    done = reported_item(login, world, cycle, "Overtime not paid")
    returned = reported_item(login, world, cycle, "Payslips missing")
    ea = login(world.ea)
    today = today_in(world.kh.timezone)
    assert ea.post(ip_url(world, done, "/verify"), data={**CHECKS, "completion_date": today.isoformat()}) \
        .status_code == 302
    assert ea.post(ip_url(world, returned, "/return"), data={"comment": "Slips for March missing"}).status_code == 302

    [verified] = recorded("ip.verify")
    check(verified, world.ea, world.kh, done, "Overtime not paid")
    assert verified.changes == {"status": ["pending", "completed"], "completion_date": today.isoformat()}
    [back] = recorded("ip.return")
    check(back, world.ea, world.kh, returned, "Payslips missing")
    only_its_admin_sees(login, world, verified, "Verified an item as Completed")
    only_its_admin_sees(login, world, back, "Returned an item to the factory")


def test_verifying_a_public_response_is_recorded(login, world, cycle):
    finding = f.make_finding(cycle, "Overtime Wages", "Overtime paid at the normal rate", publicly_reported=True)
    response = f.make_public_response(finding)
    db.session.commit()
    ea = login(world.ea)
    base = f"/factories/{world.angkor.id}/public-issues/{finding.id}"
    assert ea.post(base + "/verify", data={"version": str(response.version)}).status_code == 302
    assert ea.post(base + "/unverify").status_code == 302
    [verified] = recorded("public_response.verify")
    check(verified, world.ea, world.kh, response, "Overtime paid at the normal rate")
    [unverified] = recorded("public_response.unverify")
    check(unverified, world.ea, world.kh, response)
    only_its_admin_sees(login, world, verified, "Verified a response")


def test_committee_decisions_are_recorded(login, world):
    add = f.make_member_proposal(world.angkor, "add", data={
        "name": "Srey Pov", "role": "worker_rep", "gender": "female", "how_chosen": "elected", "since": "2026-01-10"})
    other = f.make_member_proposal(world.angkor, "add", data={
        "name": "Dara Kim", "role": "worker_rep", "gender": "male", "how_chosen": "elected", "since": "2026-01-10"})
    db.session.commit()
    ea = login(world.ea)
    base = f"/factories/{world.angkor.id}/committee/proposals"
    assert ea.post(f"{base}/{add.id}/accept").status_code == 302
    assert ea.post(f"{base}/{other.id}/decline").status_code == 302
    [accepted] = recorded("committee.accept")
    check(accepted, world.ea, world.kh, add, "Srey Pov")
    assert accepted.changes == {"proposal": "add", "status": [ProposalStatus.PENDING.value,
                                                              ProposalStatus.ACCEPTED.value]}
    [declined] = recorded("committee.decline")
    check(declined, world.ea, world.kh, other, "Dara Kim")
    only_its_admin_sees(login, world, accepted, "Accepted a proposed change of members")


def test_the_eas_training_confirmation_is_recorded(login, world):
    today = today_in(world.kh.timezone)
    cycle = f.make_cycle(world.angkor, 1, today - timedelta(days=100))
    f.make_training_credits(cycle, days=10)
    session = f.make_training_session(f.make_training_course(world.kh, "Fire Safety"), today + timedelta(days=7))
    enrolment = f.make_enrolment(world.angkor, session, EnrolmentStatus.REQUESTED, participants=4)
    db.session.commit()
    response = login(world.ea).post(f"/factories/{world.angkor.id}/training/enrolments/{enrolment.id}/confirm")
    assert response.status_code == 302
    [event] = recorded("training.confirm")
    check(event, world.ea, world.kh, enrolment, "Fire Safety")
    assert event.changes == {"status": ["requested", "registered"], "participants": 4}
    only_its_admin_sees(login, world, event, "Confirmed a training registration")


# --- exports and downloads --------------------------------------------------------------------

def test_an_ip_export_is_recorded_with_its_filters_before_the_file_is_sent(login, world, cycle, monkeypatch):
    f.make_ip_item(cycle, "Overtime Wages", "Overtime not paid", by=world.ea)
    db.session.commit()
    buyer = login(world.buyer)
    answer = buyer.get(ip_url(world, suffix="/export.csv?status=pending"))
    assert answer.status_code == 200 and answer.headers["Content-Disposition"].startswith("attachment")
    xlsx = login(world.factory_user).get(ip_url(world, suffix="/export.xlsx"))
    assert xlsx.status_code == 200
    csv_event, xlsx_event = recorded("ip.export")
    check(csv_event, world.buyer, world.kh, world.angkor, "Angkor Garments: CSV")
    assert csv_event.changes == {"format": "csv", "items": 1, "filters": {"status": IPStatus.PENDING.value}}
    check(xlsx_event, world.factory_user, world.kh, world.angkor)
    assert xlsx_event.changes == {"format": "xlsx", "items": 1}
    only_its_admin_sees(login, world, csv_event, "Exported the Improvement Plan")

    # An export that cannot be recorded is not sent.
    def broken(*_args, **_kwargs):
        raise RuntimeError("the audit trail is down")

    monkeypatch.setattr("bwportal.blueprints.ip.routes.record_export", broken)
    with pytest.raises(RuntimeError):
        login(world.factory_user).get(ip_url(world, suffix="/export.csv"))
    assert len(recorded("ip.export")) == 2


def test_evidence_downloads_by_users_are_recorded_public_ones_are_not(login, app, client, world, listed):  # noqa: F811
    photo = listed["photo"]
    # The Transparency Portal's copy is public data: anonymous downloads leave no record.
    assert client.get(f"/transparency/files/{photo.id}").status_code == 200
    assert recorded("evidence.download") == []
    answer = login(world.buyer).get(f"/factories/{world.angkor.id}/public-issues/files/{photo.id}")
    assert answer.status_code == 200 and answer.data == f.public_png_bytes()
    [event] = recorded("evidence.download")
    check(event, world.buyer, world.kh, photo, "Overtime paid at the normal rate")
    assert event.changes == {"file": "payslips.png", "size": photo.size, "verified": True}
    # A file that is gone is a 404 and no download.
    missing = listed["scan"]
    (Path(app.config["STORAGE_DIR"]) / "evidence" / missing.stored_name).unlink()
    assert login(world.buyer).get(f"/factories/{world.angkor.id}/public-issues/files/{missing.id}") \
        .status_code == 404
    assert len(recorded("evidence.download")) == 1
    only_its_admin_sees(login, world, event, "Downloaded an evidence file")


def test_pdf_downloads_are_recorded(login, world, pr1, jobs):
    report = pr1
    ea = login(world.ea)
    asked = ea.post(f"{reports_url(world)}/{report.id}/pdf")
    assert asked.status_code == 302 and re.search(r"/documents/\d+$", asked.location)
    jobs()
    assert ea.get(asked.location).status_code == 200
    assert recorded("document.download") == []  # the status page is no download
    download = ea.get(asked.location + "/file")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    [event] = recorded("document.download")
    document_id = int(asked.location.rsplit("/", 1)[1])
    assert (event.object_type, event.object_id) == ("document", document_id)
    check(event, world.ea, world.kh, label=f"Angkor Garments: pr1-{world.angkor.id}-{report.id}-en.pdf")
    assert event.changes == {"kind": "pr1", "final": False, "locale": "en"}
    only_its_admin_sees(login, world, event, "Downloaded a PDF")


# --- the trail page ---------------------------------------------------------------------------

def test_the_trail_filters_by_area_and_offers_every_kind_in_the_users_words(login, client, world):
    sign_in(login(world.factory_user), world.factory_user.email, "wrong")  # signed in: no attempt
    client.post("/sign-out")
    assert sign_in(client, world.factory_user.email, "wrong").status_code == 401
    admin = login(world.admin)
    page = admin.get("/admin/audit").get_data(as_text=True)
    for code in ("auth.sign_in", "auth.sign_in_failed", "auth.sign_out", "report.approve", "ip.verify",
                 "ip.export", "public_response.verify", "document.download", "evidence.download",
                 "committee.accept", "training.confirm", "user.edit"):
        assert f'<option value="{code}"' in page, code
    assert '<option value="auth">' in page  # an area: all its actions
    area = admin.get("/admin/audit?action=auth").get_data(as_text=True)
    assert ">auth.sign_in_failed</code>" in area and ">auth.sign_in</code>" in area
    assert '<option value="auth" selected>' in area
    # An older link's prefix still filters, and stays chosen.
    prefix = admin.get("/admin/audit?action=auth.sign_in_").get_data(as_text=True)
    assert ">auth.sign_in_failed</code>" in prefix and ">auth.sign_in</code>" not in prefix
    assert '<option value="auth.sign_in_" selected>' in prefix
    by_actor = admin.get("/admin/audit?actor=factory@example.com").get_data(as_text=True)
    assert "Sign-in refused" in by_actor and "admin@example.com</td>" not in by_actor

    # The admin's language frames the names of the kinds.
    world.admin.locale = "km"
    db.session.commit()
    khmer = login(world.admin).get("/admin/audit").get_data(as_text=True)
    assert f'<optgroup label="{translated("km", "Improvement Plan")}">' in khmer
    assert f'<optgroup label="{translated("km", "Training")}">' in khmer
