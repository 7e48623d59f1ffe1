"""A factory's whole life (issue 16): Angkor Garments through three service cycles, played as
its people do over HTTP, on the days they do it (time-machine; Phnom Penh days). The rules of
the seeds are asserted where they apply:

- CYC-1: a cycle starts with its advisory period; visits and self-diagnosed items are recorded
  before its assessment, which is recorded later; the five-month notices count from its start.
- PR-1, PR-3, PR-11: "New" only where it can succeed, the report date is the programme's day;
  due dates, reminders, overdue marks and buyer notices follow the cycle's PR1 obligation (met
  once any PR1 of the cycle is final); a corrective PR1 starts from the final one's answers.
- What the factory must see: "Sent back", the EA's reason, the sections with EA comments.
- PR-4: the overview counts from the IP as the report covers it (a merged repeat included),
  agreeing with the annex.
- PR-9, PUB-1: buyers read what their subscription covers, kept when a back-dated cycle is
  recorded; buyers read the covered cycles' assessment reports.
- IP-6: an item needing worker interviews, merged with cycle 2's repeat, waits again: refused
  after cycle 2's release, Completed only once cycle 3's released report has not found it,
  through the not-repeated review; its page says so in the same words.
- IP-8: only items of an earlier assessment's findings are flagged not repeated (the factory's
  self-diagnosed items are not); the EA's review records the grievance mechanism's
  effectiveness and enhancements, and buyers read them.
- 002 §3.4.1: each new report is released only once its lead assessor (or an admin, not
  another assessor) commented on every open publicly reported item; the refusal lists the
  items left; buyers read the comment on the item.
- PUB-2, PUB-3: the Transparency Portal lists the factory from its second released cycle (on
  the programme's local day), shows the latest released assessment only, switches cycles on
  the release day, shows a response's text at once marked unverified and its files only once
  an EA verified it.
- IP-4, PR-4: PR1 refused while incomplete (questions unanswered, findings not in the IP,
  imported items without the factory's fields [36]-[42]), listing what is missing, then accepted.
- 002 §3.2.1: PR2 refused while an item waits for verification, listing it, then released.
- PR-8: the IP annex shows every field of each item.

Each phase is a function; steps live in ``steps.py``.
"""

import re
from datetime import date

from bwportal.extensions import db
from bwportal.models import ProgressReport, ReportStatus
from tests.lifecycle.steps import Story


def counts_in(html: str) -> dict[str, int]:
    """The overview's three counts as the editor shows them."""
    box = html[html.index('class="counts-box"'):]
    box = box[:box.index("</dl>")]
    return dict(zip(("findings", "advisory", "completed"), map(int, re.findall(r"<dd>(\d+)</dd>", box)),
                    strict=True))


def test_a_factory_through_three_cycles(story: Story):
    first = cycle_one(story)
    second = cycle_two(story, first)
    cycle_three(story, first, second)


# --- cycle 1 ---------------------------------------------------------------------------------------


def cycle_one(s: Story) -> dict:
    w = s.world
    with s.on(date(2025, 1, 6)):
        cycle = s.start_cycle(w.ea, 1, date(2025, 1, 6))  # CYC-1: the EA starts the advisory period
        assert (cycle.start_date, cycle.assessment_date) == (date(2025, 1, 6), None)
        assert "Not assessed yet" in s.page(w.factory_user, s.url("/cycles"))
        # PR-1: no PR1 can be created before the assessment, so none is offered.
        assert "New: Progress Report 1" not in s.page(w.factory_user, s.url("/reports"))

    with s.on(date(2025, 1, 20)):  # CYC-1: advisory and self-diagnosis before the assessment
        visit = s.log_visit(cycle, date(2025, 1, 20), "Self-diagnosis started with the PICC")
        exits = s.add_self_diagnosed_item(cycle, visit, "Fire exits blocked by stock", "Emergency Preparedness")
        assert (exits.cycle_id, exits.origin.value, exits.advisory_visit_id) == (cycle.id, "advisory", visit.id)

    with s.on(date(2025, 4, 15)):  # the assessment, recorded by the assessor once it took place
        s.record_assessment(cycle, date(2025, 4, 15))
        wages = s.add_finding(cycle, "Overtime Wages", "Overtime paid at the normal rate", public=True)
        leave = s.add_finding(cycle, "Paid Leave", "Annual leave not paid", public=True)
        s.add_finding(cycle, "Regular Hours", "Workers do 66 hours a week", public=False)
        pregnant = s.add_finding(cycle, "Gender", "Pregnant workers moved to lower-paid jobs", public=True)

    with s.on(date(2025, 5, 6)):
        s.release(cycle, date(2025, 5, 6))  # PR1 due on 5 June
        s.public_page(404)  # PUB-3: one released cycle: not on the Transparency Portal yet

    with s.on(date(2025, 5, 10), hour=2):  # 02:00 in Phnom Penh, still 9 May in UTC
        form = s.new_pr1_form()
        assert 'value="2025-05-10"' in form  # PR-1: the report date is the programme's today
        report = s.create_pr1(cycle)
        assert report.report_date == date(2025, 5, 10)
        # IP-4, PR-4, 000 "Important notes": refused while incomplete, with what is missing: the
        # sections' questions, the findings not yet in the IP, then the imported items' fields.
        page = s.refused(report)
        gaps = page[page.index('class="report-gaps"'):]
        assert "The report cannot be submitted yet" in page
        assert "Management Systems</a>: HR management system" in gaps
        assert "Overtime paid at the normal rate" in gaps  # not imported yet
        menu = page[page.index('class="section-menu"'):]
        assert menu[:menu.index("</nav>")].count("To complete") == 4
        s.import_findings()
        s.write_pr1(report)
        page = s.refused(report)
        gaps = page[page.index('class="report-gaps"'):]
        assert "Questions to answer" not in gaps and "To complete" not in page
        imported = gaps[gaps.index("Improvement Plan items to complete"):]
        assert imported.count("Lead person, Root cause, Description of actions needed, Progress, Target date") == 4
        assert "Fire exits blocked by stock" not in imported  # filled in when it was put forward
        s.fill_open_items()
        assert counts_in(s.editor(report)) == {"findings": 4, "advisory": 1, "completed": 0}  # PR-4
        s.submit(report)
        db.session.expire_all()
        assert db.session.get(ProgressReport, report.id).status is ReportStatus.SUBMITTED

    reason = "Please say what the PICC did about the overtime findings."
    with s.on(date(2025, 5, 14)):
        s.comment(report, "systems", "Which HR criteria are met?")
        s.send_back(report, reason)
        # What the factory must see: "Sent back" everywhere, the reason on top and in the e-mail.
        assert "Sent back" in s.page(w.factory_user, "/home")
        assert 'report-sent-back">Sent back<' in s.page(w.factory_user, s.url("/reports"))
        editor = s.editor(report)
        top = editor[:editor.index('class="editor"')]
        assert 'report-sent-back">Sent back<' in top and "Please say what the PICC did" in top
        menu = editor[editor.index('class="section-menu"'):]
        menu = menu[:menu.index("</nav>")]
        assert re.search(r'/systems"[^>]*>[^<]*<span class="badge has-comments">', menu)
        assert not re.search(r'/overview"[^>]*>[^<]*<span class="badge has-comments">', menu)
        [mail] = s.mails_to(w.factory_user, "sent back")
        assert "Please say what the PICC did about the overtime findings." in s.mailbox.text(mail)

    # PR-3: the cycle owes its PR1 (sent back is a draft): a week before, 5 months minus 3 days
    # after the cycle's start (6 January), on the day.
    s.sweep(date(2025, 5, 28))
    assert s.notices("pr1_due_soon") == []
    s.sweep(date(2025, 5, 29))
    assert s.notices("pr1_due_soon") == [(w.factory_user.email, "2025-06-05")]
    s.sweep(date(2025, 6, 3))
    assert s.notices("pr1_factory_reminder") == [(w.factory_user.email, "2025-06-03")]
    s.sweep(date(2025, 6, 5))
    assert s.notices("pr1_due_today") == [(w.factory_user.email, "2025-06-05")]
    with s.on(date(2025, 6, 8)):
        home = s.page(w.factory_user, "/home")
        assert "3 days overdue" in home and "Sent back" in home

    with s.on(date(2025, 6, 9)):
        s.write_pr1(report, note="Revised after the send-back.")
        s.submit(report)
        assert "Sent back" not in s.page(w.factory_user, s.url("/reports"))
    with s.on(date(2025, 6, 10)):
        s.approve(report)
        assert len(s.mails_to(w.buyer, "final Progress Report 1 is released")) == 1  # PR-9
        assert s.reads(w.buyer, s.url(f"/reports/{report.id}")) == 200
        assert s.reads(s.late_buyer, s.url(f"/reports/{report.id}")) == 404  # not subscribed
    s.sweep(date(2025, 6, 20))  # 5 months and 14 days after the start: the PR1 is final
    assert s.notices("pr1_buyer_notice") == []

    # PR-11, 000 [7]: a change after the final report is a new PR1, starting from its answers;
    # it owes nothing: no reminder, no buyer notice, no overdue mark.
    with s.on(date(2025, 7, 1)):
        assert "New: Progress Report 1" in s.page(w.factory_user, s.url("/reports"))
        corrective = s.create_pr1(cycle)
        assert "Revised after the send-back." in s.editor(corrective, "learning")
        for page in (s.page(w.factory_user, "/home"), s.page(w.factory_user, s.url("/reports")),
                     s.editor(corrective)):
            assert "days overdue" not in page and "Due on" not in page
        assert "Progress Report 1 of cycle 1 is final." in s.page(w.factory_user, "/home")
    for day in (date(2025, 7, 2), date(2025, 7, 14)):
        s.sweep(day)
    assert [len(s.notices(k)) for k in ("pr1_due_soon", "pr1_due_today", "pr1_factory_reminder",
                                        "pr1_buyer_notice")] == [1, 1, 1, 0]
    with s.on(date(2025, 7, 2)):
        s.write_pr1(corrective, note="Corrected figures.")
        s.submit(corrective)
        inbox = s.page(w.ea, "/inbox")
        assert "Corrects the final report of this cycle" in inbox and "days overdue" not in inbox
    with s.on(date(2025, 7, 3)):
        s.approve(corrective)
        assert len(s.mails_to(w.buyer, "final Progress Report 1 is released")) == 2

    # 002 §3.2.1: the EA releases PR2 only on an up-to-date IP.
    with s.on(date(2025, 7, 31)):
        s.report_remediated(exits)
        pr2 = s.create_pr2(cycle)
    with s.on(date(2025, 8, 1)):
        page = s.refused(pr2, "release")
        assert "cannot be released while Improvement Plan items wait for verification" in page
        waiting = page[page.index('class="report-gaps"'):]
        assert f"#{exits.id} Fire exits blocked by stock" in waiting
        s.verify(exits, date(2025, 8, 1))
        s.release_pr2(pr2)
    return {"cycle": cycle, "report": report, "corrective": corrective, "wages": wages, "leave": leave,
            "pregnant": pregnant}


# --- cycle 2 ---------------------------------------------------------------------------------------


def cycle_two(s: Story, first: dict) -> dict:
    w = s.world
    with s.on(date(2025, 12, 1)):
        cycle = s.start_cycle(w.ea, 2, date(2025, 12, 1))
    with s.on(date(2025, 12, 20)):
        visit = s.log_visit(cycle, date(2025, 12, 20), "Second self-diagnosis with the PICC")
        chemicals = s.add_self_diagnosed_item(cycle, visit, "Chemicals stored without safety data sheets",
                                              "Chemicals and Hazardous Substances")
        assert (chemicals.cycle_id, cycle.assessment_date) == (cycle.id, None)  # CYC-1: before the assessment

    with s.on(date(2026, 3, 10)):
        s.record_assessment(cycle, date(2026, 3, 10))
        repeat = s.add_finding(cycle, "Overtime Wages", "Overtime still paid at the normal rate", public=True)
        exit_locked = s.add_finding(cycle, "Emergency Preparedness", "Exit on floor 2 locked", public=True)
        pregnant_again = s.add_finding(cycle, "Gender", "Pregnant workers still moved to lower-paid jobs",
                                       public=True)
        # 002 §3.4.1: not released before the lead assessor commented on every open public item.
        wages_item, leave_item, pregnant_item = (s.item_of(first[k]) for k in ("wages", "leave", "pregnant"))
        refused = s.release(cycle, date(2026, 3, 31), expect=422)
        left = refused[refused.index("Items still without a comment"):]
        left = left[:left.index("</")]
        assert all(area in left for area in ("Overtime paid at the normal rate", "Annual leave not paid",
                                             "Pregnant workers moved to lower-paid jobs"))
        assert "Workers do 66 hours a week" not in left  # not publicly reported
        s.lead_comment(wages_item, "Overtime is still paid at the normal rate.", user=s.other_assessor, expect=403)
        s.lead_comment(wages_item, "Overtime is still paid at the normal rate.")
        s.lead_comment(leave_item, "Leave is paid since May 2025.")
        refused = s.release(cycle, date(2026, 3, 31), expect=422)
        left = refused[refused.index("Items still without a comment"):]
        assert "Pregnant workers moved to lower-paid jobs" in left[:left.index("</")]
        assert "Overtime paid at the normal rate" not in left[:left.index("</")]
        s.lead_comment(pregnant_item, "Workers interviewed: moves continue.", user=w.admin)  # in the lead's place
        s.release(cycle, date(2026, 3, 31))  # PR1 due on 30 April
    with s.on(date(2026, 3, 30)):
        s.public_page(404)  # PUB-3: the second report is not released yet
    with s.on(date(2026, 3, 31), hour=2):  # 02:00 in Phnom Penh, 30 March in UTC
        page = s.public_page()  # PUB-3: released today, on the programme's day
        assert "Exit on floor 2 locked" in page and "Overtime still paid at the normal rate" in page
        assert "Annual leave not paid" not in page  # the latest released assessment only
    with s.on(date(2026, 3, 31)):
        wages_item = s.item_of(first["wages"])
        s.import_findings(merges={
            repeat: (wages_item, "Repeated in cycle 2: followed up in the same item."),
            pregnant_again: (pregnant_item, "Repeated in cycle 2: the same practice, followed up here.")})
        s.fill_open_items()
        # IP-8: cycle 1's leave finding was not repeated: reviewed with the committee.
        assert s.reload(leave_item).review_with_committee
        assert not s.reload(pregnant_item).review_with_committee  # repeated, merged
        # Buyers read the lead assessor's comment for cycle 2's report on the item.
        page = s.item_page(w.buyer, wages_item)
        assert "Overtime is still paid at the normal rate." in page and "assessment of cycle 2" in page

    with s.on(date(2026, 4, 1)):  # PUB-2: the text at once, marked; the file only once verified
        s.respond_publicly(exit_locked, "The lock was removed and the exit is checked daily.", "exit-photo.png")
        page = s.public_page()
        assert "The lock was removed and the exit is checked daily." in page
        assert "Not yet verified by Better Work" in page and "exit-photo.png" not in page
        assert s.public_file("exit-photo.png") == 404
        assert s.reads(w.buyer, s.url("/public-issues")) == 200  # PUB-1: subscribed buyers see them
    with s.on(date(2026, 4, 3)):
        s.verify_response(exit_locked)
        assert "exit-photo.png" in s.public_page() and s.public_file("exit-photo.png") == 200

    with s.on(date(2026, 4, 6)):
        s.complete_item(wages_item, date(2026, 4, 6))  # cycle 1's item, repeated in cycle 2
        # IP-6: the worker-interview item was found again by cycle 2: cycle 2's release does
        # not end its wait, and its page says so in the words of the refusal.
        wait = "it can be Completed only once an assessment released after cycle 2"
        assert wait in s.verify(pregnant_item, date(2026, 4, 6), expect=422)
        assert wait in s.item_page(w.factory_user, pregnant_item)
        assert s.reload(pregnant_item).status.is_open
        # IP-8: the leave item, not repeated, is Completed through the review, not the three checks.
        assert "how effective the grievance mechanism is" in s.verify(leave_item, date(2026, 4, 6), expect=422)
        s.review_not_repeated(leave_item, date(2026, 4, 6), "Workers raise leave questions at the PICC; answered "
                              "within a week.", "Leave rules posted on every floor.")
        page = s.item_page(w.buyer, leave_item)
        assert "answered within a week" in page and "Leave rules posted on every floor." in page
    with s.on(date(2026, 4, 7)):
        s.complete_item(s.item_of(exit_locked), date(2026, 4, 7))
    with s.on(date(2026, 4, 10)):
        report = s.create_pr1(cycle)
        # PR-4: findings of cycle 2 in the IP (the merged repeat too), the issue put forward in
        # cycle 2, and those Completed: the merged item counts although it was opened in cycle 1.
        assert counts_in(s.editor(report)) == {"findings": 3, "advisory": 1, "completed": 2}
        s.write_pr1(report)
        annex = s.page(w.factory_user, s.url(f"/reports/{report.id}?preview=1"))
        annex = annex[annex.index("Annex: Improvement Plan"):]
        for area in ("Overtime paid at the normal rate", "Exit on floor 2 locked"):
            entry = re.search(rf"<h3 dir=\"auto\">{area}.*?</article>", annex, re.S)[0]
            assert "<dd>Completed</dd>" in entry  # the annex agrees with the count
        # PR-8: every field of the item, as the guide's IP shows it (the EA's verification date too).
        entry = re.search(r"<h3 dir=\"auto\">Overtime paid at the normal rate.*?</article>", annex, re.S)[0]
        for shown in ("Lack of training or skills", "Supervisors were not trained", "Train the supervisors",
                      "Chea Mony", "HR team", "Training planned", "Apr 6, 2026", "Cycle 1"):
            assert shown in entry, shown
        assert "Chemicals stored without safety data sheets" in annex

    # PR-3, CYC-1: from the cycle's start (1 December) the factory hears on 28 April, around
    # the due date (30 April), not three months after it.
    s.sweep(date(2026, 4, 23))
    assert s.notices("pr1_due_soon")[-1] == (w.factory_user.email, "2026-04-30")
    s.sweep(date(2026, 4, 28))
    assert s.notices("pr1_factory_reminder")[-1] == (w.factory_user.email, "2026-04-28")

    with s.on(date(2026, 4, 29)):
        s.submit(report)
    with s.on(date(2026, 5, 10)):  # a second brand starts buying: covers cycle 2 on (PR-9)
        subscription = s.subscribe(s.late_buyer)
        assert subscription.first_cycle_number == 2
        late = s.late_buyer
        assert s.reads(late, s.url(f"/reports/{first['report'].id}")) == 404  # cycle 1: not covered
        assert s.reads(late, s.url(f"/cycles/{first['cycle'].id}")) == 404
        assert s.reads(late, s.url(f"/cycles/{cycle.id}")) == 200  # the assessment report it covers
        cycles_page = s.page(late, s.url("/cycles"))
        assert "Cycle 2" in cycles_page and "Cycle 1" not in cycles_page
        assert s.reads(w.buyer, s.url(f"/cycles/{first['cycle'].id}")) == 200  # covered since cycle 1
    # 5 months and 14 days after the start (15 May): submitted, not final: both brands are told.
    s.sweep(date(2026, 5, 15))
    assert sorted(s.notices("pr1_buyer_notice")) == sorted([(w.buyer.email, "2026-05-15"),
                                                            (s.late_buyer.email, "2026-05-15")])
    with s.on(date(2026, 5, 18)):
        s.approve(report)
        assert len(s.mails_to(s.late_buyer, "final Progress Report 1 is released")) == 1
        assert s.reads(s.late_buyer, s.url(f"/reports/{report.id}")) == 200
    return {"cycle": cycle, "report": report, "exit_locked": exit_locked, "pregnant_item": pregnant_item,
            "chemicals": chemicals}


# --- cycle 3 ---------------------------------------------------------------------------------------


def cycle_three(s: Story, first: dict, second: dict) -> None:
    w = s.world
    with s.on(date(2026, 6, 1)):
        # The admin records cycle 3 late, dated back to 5 May: before the second brand was
        # accepted (10 May). PR-9: it keeps the cycle-2 report it was told about.
        cycle = s.record_late_cycle(w.admin, 3, date(2026, 5, 5))
        assert s.reads(s.late_buyer, s.url(f"/reports/{second['report'].id}")) == 200
        dashboard = s.page(s.late_buyer, "/dashboard")
        assert "Cycle 3" in dashboard
    pregnant_item = second["pregnant_item"]
    with s.on(date(2026, 6, 15)):
        visit = s.log_visit(cycle, date(2026, 6, 15), "Third cycle advisory visit")
        s.add_self_diagnosed_item(cycle, visit, "No grievance box on floor 3", "Dialogue, Discipline and Disputes")
    with s.on(date(2026, 8, 20)):
        s.record_assessment(cycle, date(2026, 8, 20))
        s.add_finding(cycle, "Minimum Wages/Piece Rate Wages", "Piece rates below the minimum wage", public=True)
        # 002 §3.4.1: the one open public item left needs cycle 3's comment (cycle 2's is not it).
        refused = s.release(cycle, date(2026, 9, 10), expect=422)
        assert "Pregnant workers moved to lower-paid jobs" in refused[refused.index("Items still without a comment"):]
        s.lead_comment(pregnant_item, "Not found again in this assessment; interviews found no moves.")
        s.release(cycle, date(2026, 9, 10))  # PR1 due on 10 October
    with s.on(date(2026, 9, 1)):  # IP-6: cycle 3 not released yet: still waiting
        assert "only once an assessment released after cycle 2" in s.verify(pregnant_item, date(2026, 9, 1), 422)
    with s.on(date(2026, 9, 9)):  # PUB-3: until the release, cycle 2's findings and its verified file
        page = s.public_page()
        assert "Exit on floor 2 locked" in page and "Piece rates below the minimum wage" not in page
        assert s.public_file("exit-photo.png") == 200
    with s.on(date(2026, 9, 10)):  # the new report replaces them
        page = s.public_page()
        assert "Piece rates below the minimum wage" in page and "Exit on floor 2 locked" not in page
        assert s.public_file("exit-photo.png") == 404
        s.import_findings()
        # IP-8: cycle 3 did not find the worker-interview item again: flagged for the review;
        # the issues the factory put forward (chemicals, grievance box) were never assessed.
        assert s.reload(pregnant_item).review_with_committee
        assert not s.reload(second["chemicals"]).review_with_committee
        s.fill_open_items()
        # IP-6: released after its latest finding and not found again: the review may complete it.
        page = s.item_page(w.factory_user, pregnant_item)
        assert "an assessment released after cycle 2" in page and "may now be Completed" in page
        s.review_not_repeated(pregnant_item, date(2026, 9, 10), "Workers interviewed by the assessors used the "
                              "hotline without fear.", "A woman worker representative joined the PICC.")
        assert s.reload(pregnant_item).status.value == "completed"
        page = s.item_page(w.buyer, pregnant_item)
        assert "Not found again in this assessment" in page and "assessment of cycle 3" in page
        home = s.page(w.factory_user, "/home")
        assert "Due on Oct 10, 2026" in home and "Start the report" in home
    s.sweep(date(2026, 10, 2))  # 5 October (5 months after 5 May) minus 3 days
    assert s.notices("pr1_factory_reminder")[-1] == (w.factory_user.email, "2026-10-02")
    with s.on(date(2026, 10, 5)):
        report = s.create_pr1(cycle)
        s.write_pr1(report)
        s.submit(report)
    with s.on(date(2026, 10, 8)):
        s.approve(report)
    s.sweep(date(2026, 10, 19))  # 5 months and 14 days: final, no buyer notice for cycle 3
    assert [due for _email, due in s.notices("pr1_buyer_notice")] == ["2026-05-15", "2026-05-15"]

    with s.on(date(2026, 10, 20)):  # PR-9: each brand reads the finals of the cycles it covers
        finals = [first["report"], first["corrective"], second["report"], report]
        assert [s.reads(w.buyer, s.url(f"/reports/{r.id}")) for r in finals] == [200, 200, 200, 200]
        assert [s.reads(s.late_buyer, s.url(f"/reports/{r.id}")) for r in finals] == [404, 404, 200, 200]
