"""Demo annexes: training, the PICC's members and a meeting, answers to publicly reported
findings, and a second released cycle for Bandung Textiles so that it shows on the
Transparency Portal (a factory appears there from its second cycle)."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bwportal.domain.annexes import committee, training
from bwportal.domain.ip import operations as ops
from bwportal.domain.programmes.catalogues import row_by_name
from bwportal.extensions import db
from bwportal.models import (
    CommitteeMember,
    CompliancePoint,
    Cycle,
    Enrolment,
    EnrolmentStatus,
    Factory,
    Finding,
    Gender,
    HowChosen,
    MemberRole,
    Programme,
    PublicResponse,
    TrainingCourse,
    TrainingSession,
    User,
)

MEMBERS = [
    ("Srey Mom", MemberRole.CHAIR, Gender.FEMALE, HowChosen.ELECTED),
    ("Sokha Chan", MemberRole.WORKER_REP, Gender.FEMALE, HowChosen.ELECTED),
    ("Dara Kim", MemberRole.WORKER_REP, Gender.MALE, HowChosen.ELECTED),
    ("Pisey Long", MemberRole.WORKER_REP, Gender.FEMALE, HowChosen.ELECTED),
    ("Sok Dara", MemberRole.MANAGEMENT_REP, Gender.MALE, HowChosen.SELECTED),
    ("Chea Mony", MemberRole.SECRETARY, Gender.FEMALE, HowChosen.SELECTED),
]


def _one(model, **by):
    return db.session.scalar(select(model).filter_by(**by))


def _training(angkor, ea):
    for programme in db.session.scalars(select(Programme)):
        training.seed_course_catalogue(programme)
    if db.session.scalar(select(TrainingSession).filter_by(programme_id=angkor.programme_id)) is not None:
        return
    today = date.today()

    def session(name, days_from_now, location):
        course = _one(TrainingCourse, programme_id=angkor.programme_id, name=name)
        s = TrainingSession(programme_id=angkor.programme_id, course=course, location=location,
                            starts_on=today + timedelta(days=days_from_now), seats=25)
        db.session.add(s)
        return s

    done = session("Occupational Safety and Health", -40, "Phnom Penh, Better Work office")
    registered = session("Supervisory Skills Training", 20, "Phnom Penh, Better Work office")
    recommended = session("Effective Grievance Mechanisms", 35, "Phnom Penh, Better Work office")
    session("Harassment Prevention", 50, "Kampong Speu")
    requested = session("Workplace Cooperation and Communication", 28, "Phnom Penh, Better Work office")
    db.session.flush()
    training.set_credits(angkor, 8)
    for s, status, people in ((done, EnrolmentStatus.COMPLETED, 4), (registered, EnrolmentStatus.REGISTERED, 6),
                              (recommended, EnrolmentStatus.RECOMMENDED, 1), (requested, EnrolmentStatus.REQUESTED, 5)):
        db.session.add(Enrolment(factory_id=angkor.id, session=s, status=status, participants=people,
                                 updated_by_id=ea.id))


def _committee(angkor, factory_user):
    if db.session.scalar(select(CommitteeMember).filter_by(factory_id=angkor.id)) is not None:
        return
    members = [committee.add_member(angkor, {"name": n, "role": r, "gender": g, "how_chosen": h,
                                             "since": date(2026, 2, 3), "until": None})
               for n, r, g, h in MEMBERS]
    db.session.flush()
    committee.log_meeting(angkor, factory_user, {
        "meeting_date": date.today() - timedelta(days=25), "chair_id": members[0].id,
        "key_issues": "Sunday overtime pay; locked exits on floor 2. Follow-up: HR to recalculate pay by the "
                      "end of the month; OSH officer to check exits daily.",
        "engagement": "Results shared on the notice board and at the line meetings.",
        "to_improve": "Send the agenda a week before.",
        "union_present": True, "ea_present": True, "externals_present": False,
    }, [m.id for m in members[:5]], date.today())


def _responses(angkor, factory_user, ea):
    cycle = _one(Cycle, factory_id=angkor.id, number=1)
    if db.session.scalar(select(PublicResponse).filter_by(factory_id=angkor.id)) is not None:
        return
    for text, answer, verified in (
        ("Two emergency exits on floor 2 were locked during working hours.",
         "Exits are unlocked and checked every morning by the OSH officer; the log is signed by the PICC.", True),
        ("Overtime on Sundays was paid at the normal rate instead of 200%.",
         "Sunday overtime since January is being recalculated; back pay with the November wages.", False),
    ):
        finding = _one(Finding, cycle_id=cycle.id, text=text)
        response = PublicResponse(factory_id=angkor.id, finding=finding, text=answer,
                                  updated_by_id=factory_user.id, updated_at=datetime.now(UTC))
        if verified:
            response.verified_by_id, response.verified_at = ea.id, datetime.now(UTC)
        db.session.add(response)


def _bandung_second_cycle():
    bandung = _one(Factory, name="Bandung Textiles")
    if _one(Cycle, factory_id=bandung.id, number=2) is not None:
        return
    start = date.today() - timedelta(days=40)
    first = _one(Cycle, factory_id=bandung.id, number=1)
    # Its advisory began after the first cycle's report was out (CYC-1).
    began = max(start - timedelta(days=100), first.report_release_date + timedelta(days=1)) if first else start
    cycle = Cycle(factory_id=bandung.id, number=2, start_date=began, assessment_date=start,
                  report_release_date=start + timedelta(days=21))
    db.session.add(cycle)
    db.session.flush()
    for point_name, text in (("Overtime", "Overtime still above 14 hours a week in peak season."),
                             ("Emergency Preparedness", "Fire extinguishers not inspected since March.")):
        point = row_by_name(CompliancePoint, bandung.programme_id, point_name)
        finding = Finding(factory_id=bandung.id, cycle_id=cycle.id, cluster_id=point.cluster_id,
                          compliance_point_id=point.id, text=text, publicly_reported=point.publicly_reported)
        db.session.add(finding)
        db.session.flush()
        ops.item_from_finding(finding, None)
        db.session.add(PublicResponse(factory_id=bandung.id, finding=finding,
                                      text="Peak-season plan agreed with the LKS Bipartit; weekly overtime report."
                                      if point_name == "Overtime" else "All extinguishers inspected and tagged."))


def seed_demo_annexes() -> None:
    angkor = _one(Factory, name="Angkor Garments")
    ea = _one(User, email="ea@demo.test")
    factory_user = _one(User, email="factory@demo.test")
    _training(angkor, ea)
    _committee(angkor, factory_user)
    _responses(angkor, factory_user, ea)
    _bandung_second_cycle()
    db.session.commit()
