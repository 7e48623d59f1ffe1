"""Demo Improvement Plans (issue: Angkor Garments' cycle 1 with about fifteen findings, some
publicly reported and some overdue, plus advisory items; smaller plans elsewhere)."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bwportal.domain.ip import operations as ops
from bwportal.domain.programmes.catalogues import row_by_name
from bwportal.extensions import db
from bwportal.models import (
    AdvisoryVisit,
    CompliancePoint,
    Cycle,
    EventKind,
    Factory,
    Finding,
    IPStatus,
    Origin,
    RaisedBy,
    RootCause,
    User,
)

# (compliance point, finding text, factory's plan or None, target in days from today or None)
ANGKOR_FINDINGS = [
    ("Overtime Wages", "Overtime on Sundays was paid at the normal rate instead of 200%.",
     ("Lack of awareness of legal requirements", "Recalculate and pay back Sunday overtime since January",
      "Chea Mony (Payroll)"), -20),
    ("Forced Labour and Overtime", "Workers could not refuse overtime on the cutting floor.",
     ("Production planning and working-time pressure", "Written overtime consent form; line leaders briefed",
      "Sok Dara (HR)"), 25),
    ("Emergency Preparedness", "Two emergency exits on floor 2 were locked during working hours.",
     ("Policy exists but is not implemented", "Daily exit check by the OSH officer, logged",
      "Kim Lay (OSH officer)"), -5),
    ("Chemicals and Hazardous Substances", "No safety data sheets for the spot-cleaning chemicals.", None, None),
    ("Paid Leave", "Annual leave not granted for workers with less than a year of service.",
     ("No policy or procedure (management system gap)", "Leave policy updated and explained to workers",
      "Sok Dara (HR)"), 40),
    ("Wage Information, Use and Deduction", "Deductions for lateness exceed the legal limit.", None, None),
    ("Gender", "Job advertisements asked for female workers only.",
     ("Lack of awareness of legal requirements", "Advertisements reviewed by HR before publishing",
      "Sok Dara (HR)"), 60),
    ("Employment Contracts", "Fixed-duration contracts renewed more than the law allows.", None, None),
    ("Worker Protection", "Needle guards missing on 12 sewing machines.",
     ("Lack of resources or investment", "Buy and fit needle guards; weekly check", "Kim Lay (OSH officer)"), -40),
    ("Welfare Facilities", "Drinking water not available on floor 3.", None, None),
    ("Regular Hours", "Working hours records do not match the time cards.",
     ("No policy or procedure (management system gap)", "Monthly reconciliation of time cards", "Chea Mony (Payroll)"),
     30),
    ("Health Services and First Aid", "First-aid boxes incomplete in two sections.", None, None),
    ("OSH Management Systems", "The OSH committee has not met since last year.",
     ("Weak communication or social dialogue", "Monthly OSH committee meetings with minutes", "Kim Lay (OSH officer)"),
     15),
    ("Termination", "Severance not paid to two workers dismissed in March.", None, None),
    ("Dialogue, Discipline and Disputes", "Disciplinary warnings given without hearing the worker.",
     ("Lack of training or skills", "Supervisor training on fair discipline", "Sok Dara (HR)"), 50),
]

ANGKOR_ADVISORY = [
    ("Working Environment", "Heat on the ironing line above 32°C in the afternoon.", "Self-diagnosis",
     ("Lack of resources or investment", "Install two extraction fans", "Kim Lay (OSH officer)"), 20),
    ("Grievance Mechanism", "Suggestion box is opened only by management.", "Union or worker representatives",
     ("Weak communication or social dialogue", "Box opened jointly by the PICC", "Sok Dara (HR)"), -10),
    ("Leave", "Sick leave certificates from local clinics refused.", "Enterprise Advisor", None, None),
]

OTHER_FINDINGS = {
    "Mekong Apparel": [
        ("Overtime Wages", "Night-shift premium missing on payslips."),
        ("Emergency Preparedness", "No evacuation drill in the last twelve months."),
        ("Minimum Wages/Piece Rate Wages", "Piece rates below the minimum wage for trainees."),
        ("Worker Protection", "Hearing protection not worn in the generator room."),
        ("Employment Contracts", "Contracts not given to workers in Khmer."),
    ],
    "Bandung Textiles": [
        ("Overtime", "Overtime above 14 hours a week in peak season."),
        ("Social Security and Other Benefits", "BPJS contributions missing for new workers."),
        ("Chemicals and Hazardous Substances", "Chemical store without ventilation."),
        ("Collective Bargaining", "The collective agreement expired and was not renegotiated."),
    ],
}


def _by_name(model, name):
    return db.session.scalar(select(model).filter_by(name=name))


def _cycle(factory, days_ago):
    cycle = db.session.scalar(select(Cycle).filter_by(factory_id=factory.id, number=1))
    if cycle is None:
        start = date.today() - timedelta(days=days_ago)
        # About 100 days of advisory and self-diagnosis came before the assessment (CYC-1).
        cycle = Cycle(factory_id=factory.id, number=1, start_date=start - timedelta(days=100), assessment_date=start,
                      report_release_date=start + timedelta(days=21))
        db.session.add(cycle)
        db.session.flush()
        return cycle, True
    return cycle, False


def _finding(cycle, point_name, text):
    point = row_by_name(CompliancePoint, cycle.factory.programme_id, point_name)
    finding = Finding(factory_id=cycle.factory_id, cycle_id=cycle.id, cluster_id=point.cluster_id,
                      compliance_point_id=point.id, text=text, publicly_reported=point.publicly_reported)
    db.session.add(finding)
    db.session.flush()
    return finding


def _fill(item, actor, plan, target_days, programme_id):
    cause, actions, lead = plan
    item.root_cause_id = row_by_name(RootCause, programme_id, cause).id
    item.actions_needed = actions
    item.lead_person = lead
    item.progress = "Started with the PICC; first steps done."
    item.target_date = date.today() + timedelta(days=target_days)
    item.status = IPStatus.DELAYED if target_days < 0 else IPStatus.IN_PROGRESS
    ops.record(item, EventKind.STATUS, actor, field="status", old=IPStatus.PENDING, new=item.status)


# What the factory writes for an item it has not started on yet: fields [36]-[42] of the guide
# are never left blank, so a PR1 can be submitted (IP-4); the item stays Pending.
NOT_STARTED = ("Lack of training or skills", "Agree the steps with the PICC at its next meeting.", "HR manager")


def _plan_only(item, plan, target_days, programme_id):
    cause, actions, lead = plan
    item.root_cause_id = row_by_name(RootCause, programme_id, cause).id
    item.actions_needed, item.lead_person = actions, lead
    item.progress = "No progress has been made yet: the PICC discusses it next month."
    item.no_progress = True
    item.target_date = date.today() + timedelta(days=target_days)


def seed_demo_ip() -> None:
    ea = db.session.scalar(select(User).filter_by(email="ea@demo.test"))
    factory_user = db.session.scalar(select(User).filter_by(email="factory@demo.test"))
    angkor = _by_name(Factory, "Angkor Garments")
    cycle, created = _cycle(angkor, 120)
    if created:
        visits = []
        for days, text in ((80, "Introduced the IP to the PICC; agreed priorities."),
                           (50, "Reviewed overtime records with payroll."),
                           (20, "PICC meeting on emergency exits and heat.")):
            visit = AdvisoryVisit(factory_id=angkor.id, cycle_id=cycle.id, description=text, ea_id=ea.id,
                                  visit_date=date.today() - timedelta(days=days))
            db.session.add(visit)
            visits.append(visit)
        db.session.flush()
        for point, text, plan, target in ANGKOR_FINDINGS:
            item = ops.item_from_finding(_finding(cycle, point, text), ea)
            if plan:
                _fill(item, factory_user, plan, target, angkor.programme_id)
            else:
                _plan_only(item, NOT_STARTED, 90, angkor.programme_id)
        for i, (point_name, text, raised_by, plan, target) in enumerate(ANGKOR_ADVISORY):
            point = row_by_name(CompliancePoint, angkor.programme_id, point_name)
            item = ops.create_item(angkor, factory_user, cycle, Origin.ADVISORY, {
                "area_of_improvement": text, "cluster_id": point.cluster_id, "compliance_point_id": point.id,
            }, visit=visits[i], raised_by_id=row_by_name(RaisedBy, angkor.programme_id, raised_by).id)
            if plan:
                _fill(item, factory_user, plan, target, angkor.programme_id)
            else:
                _plan_only(item, NOT_STARTED, 90, angkor.programme_id)
        db.session.flush()
        # One item waits in ea@demo.test's verification queue.
        waiting = db.session.scalar(select(Finding).filter_by(cycle_id=cycle.id, text=ANGKOR_FINDINGS[1][1])).ip_item
        waiting.remediation_reported_at = datetime.now(UTC) - timedelta(days=3)
        waiting.remediation_note = "Consent forms signed by all 412 cutting workers; PICC checked a sample."
        ops.record(waiting, EventKind.REMEDIATION_REPORTED, factory_user, body=waiting.remediation_note)
    for name, findings in OTHER_FINDINGS.items():
        factory = _by_name(Factory, name)
        cycle, created = _cycle(factory, 90)
        if created:
            for point, text in findings:
                item = ops.item_from_finding(_finding(cycle, point, text), None)
                _plan_only(item, NOT_STARTED, 90, factory.programme_id)
    db.session.commit()
