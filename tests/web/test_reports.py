"""PR1 and PR2 through the web: editor, save to draft, workflow, EA review and inbox, buyers."""

import re
from datetime import date, timedelta

from bwportal.domain.reports import queries as report_queries
from bwportal.domain.time import factory_today
from bwportal.extensions import db
from bwportal.models import ProgressReport, ReportComment, ReportKind, ReportSection, ReportStatus
from tests import factories as f

HX = {"HX-Request": "true"}


def base(world):
    return f"/factories/{world.angkor.id}/reports"


def create(client, world, cycle):
    response = client.post(base(world) + "/new", data={"cycle_id": str(cycle.id),
                                                       "report_date": date.today().isoformat()})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    report = db.session.scalar(db.select(ProgressReport).order_by(ProgressReport.id.desc()))
    return report, response.location


def fresh(report) -> ProgressReport:
    db.session.expire_all()
    return db.session.get(ProgressReport, report.id)


def test_factory_creates_pr1_on_the_latest_cycle_and_lands_in_the_first_section(login, world, cycle):
    f.make_cycle(world.angkor, 2, date.today() - timedelta(days=5))
    db.session.commit()
    client = login(world.factory_user)
    form = client.get(base(world) + "/new").get_data(as_text=True)
    assert re.search(r'<option selected value="\d+">Cycle 2</option>', form)
    assert f'value="{factory_today(world.angkor).isoformat()}"' in form  # the programme's today (PR-1)
    report, location = create(client, world, cycle)
    assert location.endswith(f"/reports/{report.id}/overview")
    assert (report.kind, report.status, report.cycle_id) == (ReportKind.PR1, ReportStatus.DRAFT, cycle.id)
    again = client.post(base(world) + "/new", data={"cycle_id": str(cycle.id), "report_date": "2026-11-01"})
    assert again.status_code == 422 and "already has a report in progress" in again.get_data(as_text=True)


def test_section_editor_renders_the_spec_with_the_committee_name(login, world, cycle):
    client = login(world.factory_user)
    report, _loc = create(client, world, cycle)
    html = client.get(f"{base(world)}/{report.id}/social-dialogue").get_data(as_text=True)
    assert "Q1. Does the factory have a PICC?" in html
    for key in ("meets_regularly", "stopped", "newly_set_up", "membership_changed"):
        assert f'name="q2" value="{key}"' in html
    assert 'name="q1" value="yes"' in html and 'name="q2__comment"' in html
    for slug in ("overview", "social-dialogue", "systems", "learning", "feedback"):
        assert f"/reports/{report.id}/{slug}" in html  # the quick-jump menu


def test_save_to_draft_with_htmx_returns_only_the_section(login, world, cycle):
    client = login(world.factory_user)
    report, _loc = create(client, world, cycle)
    url = f"{base(world)}/{report.id}/social-dialogue"
    response = client.post(url, headers=HX, data={"q1": "yes", "q2": ["meets_regularly", "newly_set_up"],
                                                  "q2__comment": "Monthly"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith("<section") and "<html" not in html
    assert "Section saved to draft." in html and "Last saved" in html and world.factory_user.name in html
    section = db.session.scalar(db.select(ReportSection).filter_by(report_id=report.id, key="social_dialogue"))
    assert section.answers["q2"] == {"value": ["meets_regularly", "newly_set_up"], "comment": "Monthly"}


def test_save_and_next_without_javascript_redirects_to_the_next_section(login, world, cycle):
    client = login(world.factory_user)
    report, _loc = create(client, world, cycle)
    response = client.post(f"{base(world)}/{report.id}/overview", data={
        "process__comment": "PICC met twice", "next_section": "social_dialogue"})
    assert response.status_code == 302 and response.location.endswith("/social-dialogue")
    with_htmx = client.post(f"{base(world)}/{report.id}/social-dialogue", headers=HX,
                            data={"q1": "no", "next_section": "systems"})
    assert with_htmx.headers["HX-Push-Url"].endswith("/systems")
    assert "HR management system" in with_htmx.get_data(as_text=True)


def test_bad_answers_are_refused_and_the_typed_text_kept(login, world, cycle):
    client = login(world.factory_user)
    report, _loc = create(client, world, cycle)
    response = client.post(f"{base(world)}/{report.id}/social-dialogue", headers=HX,
                           data={"q1": "perhaps", "q2__comment": "Kept words"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Please answer yes or no." in html and "Kept words" in html
    assert db.session.scalar(db.select(ReportSection).filter_by(report_id=report.id)) is None


def test_stale_section_save_shows_both_texts(login, world, cycle):
    client = login(world.factory_user)
    report, _loc = create(client, world, cycle)
    url = f"{base(world)}/{report.id}/feedback"
    client.post(url, data={"feedback": "First text"})
    version = db.session.scalar(db.select(ReportSection.version).filter_by(report_id=report.id))
    client.post(url, data={"feedback": "Second text", "version": str(version)})
    response = client.post(url, headers=HX, data={"feedback": "Third text", "version": str(version)})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "Second text" in html and "Third text" in html
    db.session.expire_all()
    assert db.session.scalar(db.select(ReportSection.answers).filter_by(report_id=report.id))["feedback"]["value"] \
        == "Second text"


def test_the_ea_reads_drafts_comments_and_cannot_edit(login, world, cycle):
    report, _loc = create(login(world.factory_user), world, cycle)
    client = login(world.ea)
    url = f"{base(world)}/{report.id}/feedback"
    html = client.get(url).get_data(as_text=True)
    assert 'name="feedback"' not in html and "Comment for the factory" in html
    assert client.post(url, data={"feedback": "EA words"}).status_code == 403
    response = client.post(f"{base(world)}/{report.id}/comments", data={"section": "feedback",
                                                                         "body": "Please mention the training"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(ReportComment.body)) == "Please mention the training"
    factory_view = login(world.factory_user).get(url).get_data(as_text=True)
    assert "Comments from your Enterprise Advisor" in factory_view and "Please mention the training" in factory_view
    assert login(world.factory_user).post(f"{base(world)}/{report.id}/comments",
                                          data={"section": "feedback", "body": "x"}).status_code == 403


def _submit(client, world, report):
    for slug, data in f.submittable_form().items():
        client.post(f"{base(world)}/{report.id}/{slug}", data=data)
    return client.post(f"{base(world)}/{report.id}/submit")


def test_full_workflow_send_back_resubmit_approve_and_buyer_reads(login, world, cycle):
    factory = login(world.factory_user)
    report, _loc = create(factory, world, cycle)
    assert login(world.buyer).get(f"{base(world)}/{report.id}").status_code == 404  # drafts are not for buyers
    factory = login(world.factory_user)
    empty = factory.post(f"{base(world)}/{report.id}/submit", follow_redirects=True)
    assert "The report cannot be submitted yet" in empty.get_data(as_text=True)
    assert _submit(factory, world, report).status_code == 302
    assert fresh(report).status is ReportStatus.SUBMITTED
    assert factory.post(f"{base(world)}/{report.id}/feedback", data={"feedback": "late"}).status_code == 403

    ea = login(world.ea)
    inbox = ea.get("/inbox").get_data(as_text=True)
    assert f'id="report-{report.id}"' in inbox
    refused = ea.post(f"{base(world)}/{report.id}/send_back", data={"comment": "", "from": "inbox"}, headers=HX)
    assert refused.status_code == 422
    back = ea.post(f"{base(world)}/{report.id}/send_back", data={"comment": "Add the meeting dates",
                                                                 "from": "inbox"}, headers=HX)
    assert back.status_code == 200 and "sent back" in back.get_data(as_text=True)
    assert fresh(report).status is ReportStatus.DRAFT and fresh(report).snapshot is None

    factory = login(world.factory_user)
    version = next(s.version for s in fresh(report).sections if s.key == "social_dialogue")
    factory.post(f"{base(world)}/{report.id}/social-dialogue", data={
        **f.submittable_form()["social-dialogue"], "q2__comment": "Last meeting 12-11-2026", "version": str(version)})
    assert factory.post(f"{base(world)}/{report.id}/submit").status_code == 302

    ea = login(world.ea)
    assert ea.post(f"{base(world)}/{report.id}/approve", data={"from": "inbox"}, headers=HX).status_code == 200
    final = fresh(report)
    assert final.status is ReportStatus.APPROVED and final.approved_at is not None
    actions = [t.action for t in report_queries.transitions_of(final)]
    assert actions == ["submit", "send_back", "submit", "approve"]

    buyer = login(world.buyer)
    listing = buyer.get(base(world)).get_data(as_text=True)
    assert f"/reports/{report.id}" in listing
    document = buyer.get(f"{base(world)}/{report.id}").get_data(as_text=True)
    assert "Last meeting 12-11-2026" in document and "Annex: Improvement Plan" in document
    assert 'name="q1"' not in document and "Approve" not in document
    assert buyer.post(f"{base(world)}/{report.id}/approve").status_code == 403
    assert login(world.other_buyer).get(f"{base(world)}/{report.id}").status_code == 404


def test_factory_sees_what_is_due_on_its_home_page(login, world, cycle):
    html = login(world.factory_user).get("/home").get_data(as_text=True)
    due = cycle.report_release_date + timedelta(days=30)
    assert "What is due" in html and "Progress Report 1" in html
    from bwportal.domain.time import today_in

    overdue = (today_in(world.kh.timezone) - due).days  # released 39 days ago: 9 days late
    assert overdue > 0 and f"{overdue} days overdue" in html


def test_pr2_is_written_and_released_by_the_ea(login, world, cycle):
    item = f.make_ip_item(cycle, "Overtime Wages", "Overtime unpaid", by=world.ea)
    db.session.commit()
    assert login(world.factory_user).get(base(world) + "/new").get_data(as_text=True).count("Progress Report 1") >= 1
    ea = login(world.ea)
    report, location = create(ea, world, cycle)
    assert report.kind is ReportKind.PR2 and location.endswith("/ip-validation")
    page = ea.get(location).get_data(as_text=True)
    assert "Overtime unpaid" in page and f'name="items__{item.id}"' in page
    assert ea.post(location, data={f"items__{item.id}": "confirmed", f"items__{item.id}__note": "Seen"}).status_code \
        == 302
    early = ea.post(f"{base(world)}/{report.id}/release", follow_redirects=True)
    assert "Please answer every required question" in early.get_data(as_text=True)
    ea.post(f"{base(world)}/{report.id}/summary", data={"improvements": "Overtime is now paid correctly"})
    factory = login(world.factory_user)
    assert factory.get(f"{base(world)}/{report.id}/summary").status_code == 404  # a draft PR2 is the EA's
    assert factory.post(f"{base(world)}/{report.id}/summary", data={"improvements": "x"}).status_code == 404
    ea = login(world.ea)
    assert ea.post(f"{base(world)}/{report.id}/release").status_code == 302
    assert fresh(report).status is ReportStatus.APPROVED
    document = login(world.buyer).get(f"{base(world)}/{report.id}").get_data(as_text=True)
    assert "Overtime is now paid correctly" in document and "Status confirmed" in document
    assert login(world.factory_user).get(f"{base(world)}/{report.id}").status_code == 200


def test_pr_routes_refuse_a_report_of_another_factory(login, world, cycle):
    report = f.make_report(f.make_cycle(world.mekong, 1), author=world.factory2_user, sections={})
    db.session.commit()
    client = login(world.factory_user)
    assert client.get(f"{base(world)}/{report.id}").status_code == 404
    assert client.get(f"{base(world)}/{report.id}/overview").status_code == 404


def test_the_author_can_preview_the_whole_draft_with_its_annexes(login, world, cycle):
    client = login(world.factory_user)
    report, _loc = create(client, world, cycle)
    assert client.get(f"{base(world)}/{report.id}").status_code == 302  # to the editor
    preview = client.get(f"{base(world)}/{report.id}?preview=1")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Annex: Improvement Plan" in html and "Annex: Training" in html
    assert "Draft: this shows the Improvement Plan as it is now." in html
