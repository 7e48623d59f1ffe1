"""A report leaves its author only when it is complete (issue 16, defects 6 and 8).

IP-4, PR-4, 000 "Important notes": a PR1 is submitted with every section answered, every
finding of the cycle's assessment in the Improvement Plan and every open item's fields
[36]-[42] filled; the refusal lists what is missing (section and question; item and field)
and the section menu marks each section complete or not.
002 §3.2.1: a PR2 is released only on an up-to-date plan, with no item waiting for verification.
"""

from datetime import UTC, date, datetime, timedelta

from bwportal.extensions import db
from bwportal.models import IPItem, ProgressReport, ReportKind, ReportStatus
from tests import factories as f

CHECKS = {"check_committee_agrees": "y", "check_evidence_reviewed": "y", "check_root_causes_followed": "y"}


def _fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def test_pr1_is_refused_with_what_is_missing_then_accepted_once_complete(login, world, cycle):
    """IP-4, PR-4: four empty sections, an imported item without the factory's fields and a
    finding not in the IP each stop the submission, and each is listed."""
    item = f.make_ip_item(cycle, "Overtime Wages", "Sunday overtime at the normal rate", by=world.ea)
    left_out = f.make_finding(cycle, "Emergency Preparedness", "Fire exits locked during the shift")
    report = f.make_report(cycle, author=world.factory_user, sections={"social_dialogue": {"q1": {"value": "yes"}}})
    db.session.commit()
    base = f"/factories/{world.angkor.id}/reports/{report.id}"
    client = login(world.factory_user)

    refused = client.post(f"{base}/submit", follow_redirects=True)
    html = refused.get_data(as_text=True)
    assert _fresh(ProgressReport, report.id).status is ReportStatus.DRAFT
    assert "The report cannot be submitted yet" in html and "Before you submit" in html
    gaps = html[html.index('class="report-gaps"'):]
    for missing in ("Overview</a>: Q1. Since the assessment, the factory has:",
                    "Social Dialogue</a>: Q2. Since the assessment, the PICC:",
                    "Management Systems</a>: HR management system", "Management Systems</a>: OSH management system",
                    "Continuous Learning</a>: Learning plan", "Fire exits locked during the shift"):
        assert missing in gaps, missing
    line = gaps[gaps.index(f"#{item.id} Sunday overtime"):]
    line = line[:line.index("</li>")]
    for field in ("Lead person", "Root cause", "Description of actions needed", "Progress", "Target date"):
        assert field in line, field
    assert "Feedback to Better Work</a>" not in gaps  # nothing required there
    menu = html[html.index('class="section-menu"'):]
    menu = menu[:menu.index("</nav>")]
    assert menu.count("To complete") == 4 and ">Complete<" not in menu  # feedback asks nothing: no mark

    # The factory answers every section and fills the item; the EA imports the finding.
    saved = {s.key: s.version for s in _fresh(ProgressReport, report.id).sections}
    for slug, data in f.submittable_form().items():
        version = saved.get(slug.replace("-", "_"))
        data = {**data, **({"version": str(version)} if version else {})}
        assert client.post(f"{base}/{slug}", data=data).status_code == 302
    for name, value in f.complete_fields(world.kh).items():
        setattr(item, name, value)
    db.session.commit()
    still = client.post(f"{base}/submit", follow_redirects=True).get_data(as_text=True)
    assert "Fire exits locked during the shift" in still and "To complete" not in still
    menu = still[still.index('class="section-menu"'):]
    assert menu[:menu.index("</nav>")].count(">Complete<") == 4
    assert _fresh(ProgressReport, report.id).status is ReportStatus.DRAFT
    f.make_ip_item(finding=db.session.merge(left_out), complete=True)
    db.session.commit()
    assert client.post(f"{base}/submit").status_code == 302
    assert _fresh(ProgressReport, report.id).status is ReportStatus.SUBMITTED


def test_a_blank_text_or_a_completed_item_is_judged_as_the_guide_says(world, cycle):
    """IP-4: blank text is missing; a Completed item is not asked for anything more."""
    from bwportal.domain.reports.completeness import incomplete_items, missing_fields
    from bwportal.models import IPStatus

    blank = f.make_ip_item(cycle, complete=True, progress="   ")
    done = f.make_ip_item(cycle, "Emergency Preparedness", "Exits", status=IPStatus.COMPLETED,
                          completion_date=date.today(), completed_by_id=world.ea.id)
    db.session.commit()
    assert missing_fields(blank) == ("progress",)
    assert [(e.item.id, e.fields) for e in incomplete_items(world.angkor.id)] == [(blank.id, ("progress",))]
    assert done.id not in {e.item.id for e in incomplete_items(world.angkor.id)}


def test_pr2_is_not_released_while_an_item_waits_for_verification(login, world, cycle):
    """002 §3.2.1: the EA releases PR2 only on an up-to-date IP; the refusal lists the items
    waiting for verification (as the dashboards count them); once verified, it is released."""
    waiting = f.make_ip_item(cycle, "Overtime Wages", "Sunday overtime at the normal rate", complete=True,
                             remediation_reported_at=datetime.now(UTC) - timedelta(days=3))
    report = f.make_report(cycle, ReportKind.PR2, author=world.ea)
    db.session.commit()
    base = f"/factories/{world.angkor.id}"
    ea = login(world.ea)

    html = ea.post(f"{base}/reports/{report.id}/release", follow_redirects=True).get_data(as_text=True)
    assert _fresh(ProgressReport, report.id).status is ReportStatus.DRAFT
    assert "cannot be released while Improvement Plan items wait for verification" in html
    listed = html[html.index('class="report-gaps"'):]
    assert f"#{waiting.id} Sunday overtime at the normal rate" in listed

    verified = ea.post(f"{base}/ip/{waiting.id}/verify", data={**CHECKS, "completion_date": date.today().isoformat()})
    assert verified.status_code == 302 and _fresh(IPItem, waiting.id).status.value == "completed"
    assert ea.post(f"{base}/reports/{report.id}/release").status_code == 302
    assert _fresh(ProgressReport, report.id).status is ReportStatus.APPROVED
