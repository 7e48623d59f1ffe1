"""A cycle's PR1 obligation over the web (PR-1, PR-3, PR-11): deadlines, reminders and marks
about the cycle, not the newest report; a corrective PR1 after a final one; what the factory
sees of a send-back; where "New" is offered; the report date on the programme's day."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from bwportal.domain.reports.spec import Kind, sections_for
from bwportal.extensions import db
from bwportal.jobs import deadlines
from bwportal.models import OutboxMessage, ProgressReport, ReportKind, ReportSection, ReportStatus
from tests import factories as f

RELEASE = date(2026, 3, 2)  # PR1 due 1 April 2026
PHNOM_PENH = ZoneInfo("Asia/Phnom_Penh")


def at(day: date, hour: int = 10) -> datetime:
    """A moment of ``day`` in Phnom Penh (Angkor's programme)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=PHNOM_PENH)


def reports_url(world) -> str:
    return f"/factories/{world.angkor.id}/reports"


def sent(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == f"mail.{kind}")))


def full_answers(programme, section) -> dict:
    """Form data answering every question of ``section``, as a careful factory would."""
    data = {}
    for q in section.questions:
        if q.kind is Kind.TICKS:
            data[q.key] = [q.options[0].key]
        elif q.kind is Kind.YESNO:
            data[q.key] = "yes"
        elif q.kind is Kind.TEXT:
            data[q.key] = f"Our answer to {q.key}."
        if q.comment:
            data[f"{q.key}__comment"] = f"Our comments on {q.key}."
    return data


def write_every_section(client, world, report):
    """The factory saves every section of ``report`` in full, through the editor."""
    for section in sections_for(ReportKind.PR1, world.kh):
        url = f"{reports_url(world)}/{report.id}/{section.slug}"
        page = client.get(url).get_data(as_text=True)
        version = re.search(r'name="version" value="(\d+)"', page)
        data = full_answers(world.kh, section) | ({"version": version[1]} if version else {})
        assert client.post(url, data=data).status_code == 302, section.key


@pytest.fixture
def cycle(world):
    cycle = f.make_cycle(world.angkor, 1, date(2026, 2, 1), RELEASE)
    db.session.commit()
    return cycle


def test_a_corrective_pr1_after_a_final_one_owes_nothing(login, world, cycle):
    """PR-3, PR-11: with a final PR1 and a new draft of the same cycle, the sweep neither
    reminds the factory nor tells buyers "not final yet", and nothing shows it overdue."""
    f.make_report(cycle, status=ReportStatus.APPROVED, report_date=date(2026, 3, 20))
    corrective = f.make_report(cycle, report_date=date(2026, 5, 1))  # a new draft after the final one
    db.session.commit()
    for day in (date(2026, 3, 25), date(2026, 4, 1), date(2026, 6, 28), date(2026, 7, 15)):
        deadlines.sweep(at(day, 1))  # a week before the due day, the day, 5 months - 3 days, 5 months + 14 days
    assert [sent(kind) for kind in ("pr1_due_soon", "pr1_due_today", "pr1_factory_reminder",
                                    "pr1_buyer_notice")] == [[], [], [], []]
    with time_machine.travel(at(date(2026, 6, 10)), tick=False):  # 70 days after the due day
        client = login(world.factory_user)
        home = client.get("/home").get_data(as_text=True)
        listing = client.get(reports_url(world)).get_data(as_text=True)
        editor = client.get(f"{reports_url(world)}/{corrective.id}/overview").get_data(as_text=True)
        inbox_ea = login(world.ea)
        corrective.status = ReportStatus.SUBMITTED
        db.session.commit()
        inbox = inbox_ea.get("/inbox").get_data(as_text=True)
    for page in (home, listing, editor):
        assert "days overdue" not in page and "Due on" not in page
    assert "Progress Report 1 of cycle 1 is final." in home
    assert "Corrects the final report of this cycle" in inbox and "days overdue" not in inbox


def test_without_a_final_pr1_the_cycle_still_owes_it(login, world, cycle):
    """PR-3: the reminders and the overdue mark stand while no PR1 of the cycle is final (the
    contrast to the test above)."""
    draft = f.make_report(cycle, report_date=date(2026, 3, 20))
    db.session.commit()
    deadlines.sweep(at(date(2026, 4, 1), 1))
    assert len(sent("pr1_due_today")) == 1
    with time_machine.travel(at(date(2026, 4, 11)), tick=False):
        client = login(world.factory_user)
        assert "10 days overdue" in client.get("/home").get_data(as_text=True)
        assert "10 days overdue" in client.get(reports_url(world)).get_data(as_text=True)
        assert "10 days overdue" in client.get(f"{reports_url(world)}/{draft.id}/overview").get_data(as_text=True)


def test_a_corrective_pr1_starts_from_the_final_one_s_answers(login, world, cycle):
    """PR-11, 000 [7] "create a new progress report and restart the process": the new draft's
    sections hold the final report's answers, to be revised."""
    final = f.make_report(cycle, status=ReportStatus.APPROVED, sections={
        "social_dialogue": {"q1": {"value": "yes", "comment": "The PICC meets monthly."}},
        "feedback": {"feedback": {"value": "Useful visits.", "comment": ""}}})
    db.session.commit()
    client = login(world.factory_user)
    assert "New: Progress Report 1" in client.get(reports_url(world)).get_data(as_text=True)
    created = client.post(reports_url(world) + "/new", data={"cycle_id": str(cycle.id), "report_date": "2026-05-01"})
    assert created.status_code == 302
    corrective = db.session.scalar(select(ProgressReport).where(ProgressReport.id != final.id))
    sections = {s.key: s.answers for s in db.session.scalars(
        select(ReportSection).where(ReportSection.report_id == corrective.id))}
    assert sections == {"social_dialogue": {"q1": {"value": "yes", "comment": "The PICC meets monthly."}},
                        "feedback": {"feedback": {"value": "Useful visits.", "comment": ""}}}
    page = client.get(f"{reports_url(world)}/{corrective.id}/social-dialogue").get_data(as_text=True)
    assert "The PICC meets monthly." in page and 'name="version"' in page
    # The final report is untouched.
    assert {s.key for s in db.session.scalars(select(ReportSection).where(ReportSection.report_id == final.id))} \
        == {"social_dialogue", "feedback"}


def test_new_is_offered_only_where_creating_can_succeed(login, world):
    """PR-1 (issue 16, 12): no "New" without an assessed cycle, nor while the cycle's report is
    in progress; the new-report page says why instead of offering a form that fails."""
    client = login(world.factory_user)
    assert "New: Progress Report 1" not in client.get(reports_url(world)).get_data(as_text=True)  # no cycle
    advisory = f.make_cycle(world.angkor, 1, start_date=date.today() - timedelta(days=30))  # not assessed yet
    db.session.commit()
    assert "New: Progress Report 1" not in client.get(reports_url(world)).get_data(as_text=True)
    page = client.get(reports_url(world) + "/new").get_data(as_text=True)
    assert "no assessed cycle yet" in page and 'name="cycle_id"' not in page
    refused = client.post(reports_url(world) + "/new", data={"cycle_id": str(advisory.id),
                                                             "report_date": date.today().isoformat()})
    assert refused.status_code == 422 and "has not been assessed yet" in refused.get_data(as_text=True)
    advisory.assessment_date = date.today()
    db.session.commit()
    assert "New: Progress Report 1" in client.get(reports_url(world)).get_data(as_text=True)
    draft = f.make_report(advisory)
    db.session.commit()
    listing = client.get(reports_url(world)).get_data(as_text=True)
    assert "New: Progress Report 1" not in listing
    page = client.get(reports_url(world) + "/new").get_data(as_text=True)
    assert "already in progress" in page and f"/reports/{draft.id}" in page


def test_the_report_date_is_the_programme_s_today(login, world, cycle):
    """PR-1 [5] "the day the report was created": at 20:00 UTC on 1 March it is already 2 March
    in Phnom Penh, so the form proposes 2 March."""
    with time_machine.travel(datetime(2026, 3, 1, 20, 0, tzinfo=UTC), tick=False):
        page = login(world.factory_user).get(reports_url(world) + "/new").get_data(as_text=True)
    assert 'value="2026-03-02"' in page and 'value="2026-03-01"' not in page


def test_the_factory_sees_sent_back_and_why(login, world, cycle, mailbox, jobs):
    """What the factory must see after a send-back: "Sent back" on the home page, the reports
    list and the editor; the EA's reason at the top of the editor and in the e-mail; the
    sections carrying the EA's comments marked in the menu."""
    client = login(world.factory_user)
    created = client.post(reports_url(world) + "/new", data={"cycle_id": str(cycle.id), "report_date": "2026-03-20"})
    report = db.session.scalar(select(ProgressReport))
    write_every_section(client, world, report)
    assert client.post(f"{reports_url(world)}/{report.id}/submit").status_code == 302, created
    ea = login(world.ea)
    ea.post(f"{reports_url(world)}/{report.id}/comments", data={"section": "systems", "body": "Say which criteria."})
    reason = "Please describe the work of the OSH committee since the assessment."
    assert ea.post(f"{reports_url(world)}/{report.id}/send_back", data={"comment": reason}).status_code == 302
    jobs()
    [mail] = [m for m in mailbox.messages(to=world.factory_user.email) if "sent back" in m["Subject"]]
    assert reason in mailbox.text(mail)
    client = login(world.factory_user)
    home = client.get("/home").get_data(as_text=True)
    assert "Sent back" in home
    listing = client.get(reports_url(world)).get_data(as_text=True)
    assert 'report-sent-back">Sent back<' in listing
    editor = client.get(f"{reports_url(world)}/{report.id}/overview").get_data(as_text=True)
    assert 'report-sent-back">Sent back<' in editor
    top = editor[:editor.index('class="editor"')]
    assert reason in top and world.ea.name in top
    menu = editor[editor.index('class="section-menu"'):]
    menu = menu[:menu.index("</nav>")]
    systems = re.search(r'<li><a href="[^"]*/systems".*?</li>', menu, re.S)[0]
    overview = re.search(r'<li><a href="[^"]*/overview".*?</li>', menu, re.S)[0]
    assert "has-comments" in systems and "has-comments" not in overview
    # Submitted again: no longer "Sent back".
    assert client.post(f"{reports_url(world)}/{report.id}/submit").status_code == 302
    assert "Sent back" not in client.get(reports_url(world)).get_data(as_text=True)


def test_the_five_month_notices_count_from_the_cycle_start(world):
    """PR-3, CYC-1, 000 [7]: "5 months (minus 3 days)" for the factory and "5 months and 14
    days" for buyers count from the start of the cycle (its advisory period, about 100 days
    before the assessment), so they fall around the PR1 due date, not three months after it."""
    f.make_cycle(world.angkor, 1, date(2026, 2, 10), RELEASE, start_date=date(2025, 11, 1))  # PR1 due 1 April
    db.session.commit()
    deadlines.sweep(at(date(2026, 3, 28), 1))
    assert sent("pr1_factory_reminder") == []
    deadlines.sweep(at(date(2026, 3, 29), 1))  # 1 April (5 months after 1 November) minus 3 days
    [reminder] = sent("pr1_factory_reminder")
    assert (reminder.recipient_id, reminder.payload["params"]["due"]) == (world.factory_user.id, "2026-03-29")
    deadlines.sweep(at(date(2026, 4, 14), 1))
    assert sent("pr1_buyer_notice") == []
    deadlines.sweep(at(date(2026, 4, 15), 1))  # 1 April plus 14 days
    [notice] = sent("pr1_buyer_notice")
    assert (notice.recipient_id, notice.payload["params"]["due"]) == (world.buyer.id, "2026-04-15")
