"""The PR1's annexes as the guide shows them (PR-8; issue 16, defect 9): every field of each
IP item; the committee's members with gender and elected/selected, former members marked;
each meeting's chair and who was present. On the page, in the frozen snapshot and in the PDF."""

import re
from datetime import date, timedelta

from bwportal.extensions import db
from bwportal.jobs.documents import document_html
from bwportal.models import Gender, HowChosen, IPStatus, MemberRole, ProgressReport
from tests import factories as f


def _text(html: str) -> str:
    """The page's words, tags and runs of white space gone."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_annexes_show_every_field_on_the_page_in_the_snapshot_and_the_pdf(login, world, cycle):
    today = date.today()
    f.make_ip_item(cycle, "Overtime Wages", "Sunday overtime at the normal rate", by=world.ea, complete=True,
                   key_work_ahead="Audit the March payroll", root_cause_description="Payroll software default")
    f.make_advisory_item(cycle, "Emergency Preparedness", "Fire exits blocked by stock", by=world.factory_user,
                         status=IPStatus.COMPLETED, completion_date=today - timedelta(days=3),
                         completed_by=world.ea, **f.complete_fields(world.kh, actions_needed="Clear the exits"))
    chair = f.make_committee_member(world.angkor, "Srey Mom", MemberRole.CHAIR, Gender.FEMALE, HowChosen.ELECTED)
    f.make_committee_member(world.angkor, "Dara Kim", MemberRole.WORKER_REP, Gender.MALE, HowChosen.SELECTED,
                            since=today - timedelta(days=400), until=today - timedelta(days=30))
    meeting = f.make_committee_meeting(world.angkor, today - timedelta(days=5), attendees=[chair], chair=chair,
                                       key_issues="Overtime")
    meeting.union_present, meeting.ea_present, meeting.externals_present = True, True, False
    meeting.engagement = "Posters in the canteen"
    report = f.make_report(cycle, author=world.factory_user)
    f.submit_report(report, world.factory_user)
    db.session.commit()

    snap = db.session.get(ProgressReport, report.id).snapshot["annexes"]
    assert [(m["name"], m["former"], m["gender"], m["how_chosen"]) for m in snap["members"]] == [
        ("Srey Mom", False, "female", "elected"), ("Dara Kim", True, "male", "selected")]
    assert (snap["meetings"][0]["chair"], snap["meetings"][0]["union_present"]) == ("Srey Mom", True)

    page = _text(login(world.ea).get(f"/factories/{world.angkor.id}/reports/{report.id}").get_data(as_text=True))
    pdf = _text(document_html(f.make_document(report)))
    for html in (page, pdf):
        ip = html[html.index("Annex: Improvement Plan"):html.index("Annex: Training")]
        for shown in ("Root cause Lack of training or skills", "Root cause description Payroll software default",
                      "Description of actions needed Train the supervisors", "Description of actions needed Clear "
                      "the exits", "Key work ahead Audit the March payroll", "Lead person Chea Mony",
                      "Additional persons HR team", "Progress Training planned", "Cluster ",
                      f"Completion date {(today - timedelta(days=3)).strftime('%b')}", "Cycle 1 · Advisory"):
            assert shown in ip, shown
        members = html[html.index("Annex: PICC Members"):html.index("Annex: PICC Meetings")]
        current, former = members.split("Former members")
        assert "Srey Mom Chair Woman Elected" in current and "Dara Kim" not in current
        assert "Dara Kim Worker representative Man Selected" in former
        meetings = html[html.index("Annex: PICC Meetings"):html.index("Annex: Advisory Visit Log")]
        for shown in ("Chair Srey Mom", "Also present the union, the Enterprise Advisor",
                      "Engagement activities Posters in the canteen"):
            assert shown in meetings, shown
