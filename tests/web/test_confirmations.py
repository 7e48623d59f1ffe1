"""Submit, Approve and Send back ask first (issue 19 item 7, PR-4): the buttons lead to a
confirmation step that changes nothing and carries the real POST button; the EA's decision
comes after the report's content."""

from bwportal.extensions import db
from bwportal.models import ProgressReport, ReportStatus
from tests import factories as f

from .test_reports import HX, base, create, fresh


def _submitted(login, world, cycle) -> ProgressReport:
    factory = login(world.factory_user)
    report, _loc = create(factory, world, cycle)
    for slug, data in f.submittable_form().items():  # IP-4: complete before it can go
        factory.post(f"{base(world)}/{report.id}/{slug}", data=data)
    assert factory.post(f"{base(world)}/{report.id}/submit").status_code == 302
    return report


def test_submit_button_leads_to_a_confirmation_that_changes_nothing(login, world, cycle):
    factory = login(world.factory_user)
    report, location = create(factory, world, cycle)
    editor = factory.get(location).get_data(as_text=True)
    confirm = f"{base(world)}/{report.id}/submit/confirm"
    assert f'action="{confirm}"' in editor and f'action="{base(world)}/{report.id}/submit"' not in editor
    page = factory.post(confirm)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "You cannot edit it while it is reviewed" in html
    assert f'action="{base(world)}/{report.id}/submit"' in html and "Yes, submit the report" in html
    assert fresh(report).status is ReportStatus.DRAFT
    assert login(world.buyer).get(confirm).status_code in (403, 404)


def test_approve_and_send_back_come_after_the_content_and_ask_first(login, world, cycle):
    report = _submitted(login, world, cycle)
    ea = login(world.ea)
    document = ea.get(f"{base(world)}/{report.id}").get_data(as_text=True)
    assert document.index('id="review"') > document.index("Annex: Publicly reported issues")
    assert f'action="{base(world)}/{report.id}/approve/confirm"' in document
    assert f'action="{base(world)}/{report.id}/approve"' not in document

    page = ea.get(f"{base(world)}/{report.id}/approve/confirm").get_data(as_text=True)
    assert "It becomes final" in page and f'action="{base(world)}/{report.id}/approve"' in page
    assert fresh(report).status is ReportStatus.SUBMITTED

    # The comment typed before Send back comes along to the confirmation, still editable.
    back = ea.post(f"{base(world)}/{report.id}/send_back/confirm", data={"comment": "Add the meeting dates"})
    html = back.get_data(as_text=True)
    assert back.status_code == 200 and ">Add the meeting dates</textarea>" in html
    assert f'action="{base(world)}/{report.id}/send_back"' in html
    assert fresh(report).status is ReportStatus.SUBMITTED
    assert ea.post(f"{base(world)}/{report.id}/send_back",
                   data={"comment": "Add the meeting dates"}).status_code == 302
    assert fresh(report).status is ReportStatus.DRAFT


def test_inbox_confirms_in_place_with_htmx_then_approves(login, world, cycle):
    report = _submitted(login, world, cycle)
    ea = login(world.ea)
    inbox = ea.get("/inbox").get_data(as_text=True)
    assert f'hx-post="{base(world)}/{report.id}/approve/confirm"' in inbox
    fragment = ea.post(f"{base(world)}/{report.id}/approve/confirm", data={"from": "inbox"}, headers=HX)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html and f'id="report-{report.id}"' in html
    assert f'hx-post="{base(world)}/{report.id}/approve"' in html and 'name="from" value="inbox"' in html
    assert fresh(report).status is ReportStatus.SUBMITTED
    done = ea.post(f"{base(world)}/{report.id}/approve", data={"from": "inbox"}, headers=HX)
    assert done.status_code == 200
    db.session.expire_all()
    assert fresh(report).status is ReportStatus.APPROVED
    # Nothing left to confirm once approved.
    assert ea.get(f"{base(world)}/{report.id}/approve/confirm").status_code == 403
