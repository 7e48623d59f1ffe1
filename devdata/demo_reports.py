"""Demo progress reports: Angkor Garments' PR1 in draft with four sections filled, and
Mekong Apparel's PR1 submitted (complete, PR-4), waiting for ea2@demo.test's review."""

from datetime import date

from sqlalchemy import select

from bwportal.domain.reports import editing
from bwportal.domain.reports import workflow as wf
from bwportal.extensions import db
from bwportal.models import Cycle, Factory, ProgressReport, ReportKind, User

OVERVIEW = {
    "process": {"comment": "The PICC met twice since the assessment to go through the findings and agree "
                           "priorities. Overtime and emergency exits came first."},
    "q1": {"value": ["shared_findings", "discussed_ip", "lead_persons", "public_first"],
           "comment": "The IP will be shared with all workers at the next monthly meeting."},
}
SOCIAL_DIALOGUE = {
    "q1": {"value": "yes", "comment": ""},
    "q2": {"value": ["meets_regularly"], "comment": "Last meeting: 12-11-2026. Monthly meetings planned."},
    "q3": {"value": ["election"], "comment": "Elected on 03-02-2026, following the labour law."},
    "q4": {"value": ["minutes_shared", "management_meets_chair"], "comment": ""},
    "q5": {"comment": ""},
}
SYSTEMS = {
    "hr": {"value": ["written_policies", "compliance_person"], "comment": "Grievance box installed in May."},
    "osh": {"value": ["policy_signed", "osh_committee", "evacuation_drills"], "comment": ""},
}
LEARNING = {
    "plan": {"value": ["exists", "with_committee"], "comment": "Supervisors first, then line leaders."},
    "given": {"value": ["bw_training", "internal"], "comment": "Supervisory Skills Training in June."},
}


def _user(email):
    return db.session.scalar(select(User).filter_by(email=email))


def _pr1(factory_name, author_email):
    factory = db.session.scalar(select(Factory).filter_by(name=factory_name))
    cycle = db.session.scalar(select(Cycle).filter_by(factory_id=factory.id, number=1))
    if db.session.scalar(select(ProgressReport).filter_by(cycle_id=cycle.id, kind=ReportKind.PR1)) is not None:
        return None, None
    author = _user(author_email)
    report = editing.create_report(factory, cycle, ReportKind.PR1, date.today(), author)
    db.session.flush()
    editing.save_section(report, "overview", OVERVIEW, author, None)
    editing.save_section(report, "social_dialogue", SOCIAL_DIALOGUE, author, None)
    editing.save_section(report, "systems", SYSTEMS, author, None)
    editing.save_section(report, "learning", LEARNING, author, None)
    db.session.flush()
    return report, author


def seed_demo_reports() -> None:
    _pr1("Angkor Garments", "factory@demo.test")
    report, author = _pr1("Mekong Apparel", "factory2@demo.test")
    if report is not None:
        editing.save_section(report, "feedback", {"feedback": {"value": "The PICC training was very useful."}},
                             author, None)
        db.session.flush()
        db.session.refresh(report)
        wf.fire(report, "submit", author)
    db.session.commit()
