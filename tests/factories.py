"""Test data builders: each test makes just what it needs."""

from itertools import count

from bwportal.domain.people.accounts import hash_password
from bwportal.domain.programmes.catalogues import row_by_name, seed_programme_catalogue
from bwportal.extensions import db
from bwportal.models import (
    BuyerOrganisation,
    EAAssignment,
    Factory,
    Programme,
    Role,
    Subscription,
    SubscriptionStatus,
    User,
)

PASSWORD = "correct horse battery"
_PASSWORD_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose; hash once
_seq = count(1)


def make_programme(**kw) -> Programme:
    n = next(_seq)
    values = dict(name=f"Programme {n}", country="KH", committee_short="PICC",
                  committee_long="Performance Improvement Consultative Committee",
                  default_locale="km", timezone="Asia/Phnom_Penh")
    values.update(kw)
    programme = Programme(**values)
    db.session.add(programme)
    db.session.flush()
    # Its own copy of the standard catalogue, as every programme gets; training courses are
    # left to the tests that need them (make_training_course).
    seed_programme_catalogue(programme, courses=False)
    return programme


def make_factory(programme=None, customers=(), **kw) -> Factory:
    n = next(_seq)
    values = dict(name=f"Factory {n}", address=f"{n} Street", contact_name=f"Contact {n}",
                  phone="+855 23 555 0101", email=f"f{n}@example.com", ownership_info="Private",
                  male_employees=10, female_employees=20)
    values.update(kw)
    factory = Factory(programme=programme or make_programme(), **values)
    factory.customers = list(customers)
    db.session.add(factory)
    db.session.flush()
    return factory


def make_buyer_org(**kw) -> BuyerOrganisation:
    org = BuyerOrganisation(name=kw.get("name", f"Brand {next(_seq)}"))
    db.session.add(org)
    db.session.flush()
    return org


def make_user(role: Role, *, factory=None, programme=None, buyer_organisation=None, **kw) -> User:
    n = next(_seq)
    values = dict(email=f"user{n}@example.com", name=f"User {n}", password_hash=_PASSWORD_HASH)
    values.update(kw)
    user = User(role=role, factory=factory, programme=programme,
                buyer_organisation=buyer_organisation, **values)
    db.session.add(user)
    db.session.flush()
    return user


def assign_ea(ea: User, factory: Factory, **kw) -> EAAssignment:
    assignment = EAAssignment(ea=ea, factory=factory, **kw)
    db.session.add(assignment)
    db.session.flush()
    return assignment


def subscribe(org: BuyerOrganisation, factory: Factory, status=SubscriptionStatus.ACTIVE) -> Subscription:
    subscription = Subscription(buyer_organisation=org, factory=factory, status=status)
    db.session.add(subscription)
    db.session.flush()
    return subscription


def catalogue_point(name: str, programme):
    """A compliance point of ``programme``'s catalogue (seeded by make_programme) by its English name."""
    from bwportal.models import CompliancePoint

    return row_by_name(CompliancePoint, programme.id, name)


def catalogue_row(model, name: str, programme):
    """A cluster, root cause or "raised by" source of ``programme``'s catalogue by its English name."""
    return row_by_name(model, programme.id, name)


def make_cycle(factory, number=1, assessment_date=None, report_release_date=None, start_date=None, **kw):
    """A cycle (CYC-1). Given ``start_date`` alone, a cycle in its advisory period, not assessed
    yet; given an assessment date alone, a cycle that starts on it (as before cycles had a
    start of their own); given neither, one assessed 120 days ago."""
    from datetime import date, timedelta

    from bwportal.models import Cycle

    if assessment_date is None and start_date is None:
        assessment_date = date.today() - timedelta(days=120)
    cycle = Cycle(factory_id=factory.id, number=number, start_date=start_date or assessment_date,
                  assessment_date=assessment_date, report_release_date=report_release_date, **kw)
    db.session.add(cycle)
    db.session.flush()
    return cycle


def make_report(cycle, kind=None, status=None, answers=None, report_date=None, approved_at=None, **kw):
    """A progress report of ``cycle`` (PR1 by default) in ``status`` (a draft by default), with
    ``answers`` {section key: answers} saved; no snapshot, no workflow evidence."""
    from datetime import UTC, date, datetime

    from bwportal.models import ProgressReport, ReportKind, ReportSection, ReportStatus

    status = status or ReportStatus.DRAFT
    report = ProgressReport(factory_id=cycle.factory_id, cycle_id=cycle.id, kind=kind or ReportKind.PR1,
                            report_date=report_date or date.today(), status=status, **kw)
    if status is ReportStatus.APPROVED:
        report.approved_at = approved_at or datetime.now(UTC)
    db.session.add(report)
    for key, section in (answers or {}).items():  # written with the report: a final one is then locked
        db.session.add(ReportSection(report=report, factory_id=cycle.factory_id, key=key, answers=section))
    db.session.flush()
    return report


def make_finding(cycle, point_name="Overtime Wages", text="Overtime not paid at 150%", publicly_reported=None):
    from bwportal.models import CompliancePoint, Finding

    point = row_by_name(CompliancePoint, cycle.factory.programme_id, point_name)
    finding = Finding(factory_id=cycle.factory_id, cycle_id=cycle.id, cluster_id=point.cluster_id,
                      compliance_point_id=point.id, text=text,
                      publicly_reported=point.publicly_reported if publicly_reported is None else publicly_reported)
    db.session.add(finding)
    db.session.flush()
    return finding


def make_ip_item(cycle, origin=None, *, finding=None, findings=(), status=None, completed_by=None,
                 completion_date=None, point_name="Overtime Wages", area="An improvement item", **kw):
    """An IP item of ``cycle`` (IP-1): from ``finding`` (an assessment item, which also tracks
    ``findings``, e.g. merged repeats of later cycles) or an advisory one. Completed needs the
    EA who verified it (``completed_by``)."""
    from datetime import date

    from bwportal.models import CompliancePoint, IPItem, IPStatus, Origin

    status = status or IPStatus.PENDING
    if finding is not None:
        origin = origin or Origin.ASSESSMENT
        point_id, cluster_id, area = finding.compliance_point_id, finding.cluster_id, finding.text
    else:
        point = row_by_name(CompliancePoint, cycle.factory.programme_id, point_name)
        point_id, cluster_id = point.id, point.cluster_id
    item = IPItem(factory_id=cycle.factory_id, cycle_id=cycle.id, origin=origin or Origin.ADVISORY,
                  area_of_improvement=area, cluster_id=cluster_id, compliance_point_id=point_id, status=status,
                  publicly_reported=bool(finding is not None and finding.publicly_reported), **kw)
    if status is IPStatus.COMPLETED:
        item.completion_date = completion_date or date.today()
        item.completed_by_id = completed_by.id
    db.session.add(item)
    db.session.flush()
    for tracked in (finding, *findings):
        if tracked is not None:
            tracked.ip_item_id = item.id
    db.session.flush()
    return item


def make_visit(cycle, visit_date=None, description="Advisory visit", ea=None):
    from datetime import date

    from bwportal.models import AdvisoryVisit

    visit = AdvisoryVisit(factory_id=cycle.factory_id, cycle_id=cycle.id, visit_date=visit_date or date.today(),
                          description=description, ea_id=ea.id if ea else None)
    db.session.add(visit)
    db.session.flush()
    return visit


# --- publicly reported issues (PUB-1, PUB-2) -------------------------------------------------

def public_png_bytes(width=1, height=1) -> bytes:
    """A real, tiny PNG image, built byte by byte."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def make_public_response(finding, text="We paid the overtime owed", verified_by=None, **kw):
    from datetime import UTC, datetime

    from bwportal.models import PublicResponse

    response = PublicResponse(factory_id=finding.factory_id, finding=finding, text=text,
                              verified_by_id=verified_by.id if verified_by else None,
                              verified_at=datetime.now(UTC) if verified_by else None, **kw)
    db.session.add(response)
    db.session.flush()
    return response


def make_evidence_file(response, upload_dir, content=None, original_name="photo.png", content_type="image/png"):
    """An evidence file row with its bytes stored under ``upload_dir``/evidence/."""
    import secrets
    from pathlib import Path

    from bwportal.models import EvidenceFile

    content = public_png_bytes() if content is None else content
    folder = Path(upload_dir) / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"{secrets.token_urlsafe(24)}.{content_type.rsplit('/', 1)[-1]}"
    (folder / stored).write_bytes(content)
    evidence = EvidenceFile(factory_id=response.factory_id, response=response, stored_name=stored,
                            original_name=original_name, content_type=content_type, size=len(content))
    db.session.add(evidence)
    db.session.flush()
    return evidence


# --- training and committee (TRN-1, COM-1/2) ------------------------------------------

def make_training_course(programme, name="Supervisory Skills Training", days=1, **kw):
    from bwportal.models import TrainingCourse

    course = TrainingCourse(programme_id=programme.id, name=name, name_translations={}, days=days, **kw)
    db.session.add(course)
    db.session.flush()
    return course


def make_training_session(course, starts_on=None, location="Phnom Penh", seats=None):
    from datetime import date, timedelta

    from bwportal.models import TrainingSession

    session = TrainingSession(programme_id=course.programme_id, course_id=course.id,
                              starts_on=starts_on or date.today() + timedelta(days=30), location=location, seats=seats)
    db.session.add(session)
    db.session.flush()
    return session


def make_enrolment(factory, session, status, participants=1, note=""):
    from bwportal.models import Enrolment

    enrolment = Enrolment(factory_id=factory.id, session_id=session.id, status=status, participants=participants,
                          note=note)
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def make_committee_member(factory, name="Sokha Chan", role=None, gender=None, how_chosen=None, since=None,
                          until=None):
    from bwportal.models import CommitteeMember, Gender, HowChosen, MemberRole

    member = CommitteeMember(factory_id=factory.id, name=name, role=role or MemberRole.WORKER_REP,
                             gender=gender or Gender.FEMALE, how_chosen=how_chosen or HowChosen.ELECTED,
                             since=since, until=until)
    db.session.add(member)
    db.session.flush()
    return member


def make_member_proposal(factory, action="add", member=None, data=None, note=""):
    from bwportal.models import MemberProposal

    proposal = MemberProposal(factory_id=factory.id, member_id=member.id if member else None, action=action,
                              data=data or {}, note=note)
    db.session.add(proposal)
    db.session.flush()
    return proposal


def make_committee_meeting(factory, meeting_date=None, attendees=(), chair=None, key_issues="Overtime planning"):
    from datetime import date

    from bwportal.models import CommitteeMeeting

    meeting = CommitteeMeeting(factory_id=factory.id, meeting_date=meeting_date or date.today(),
                               key_issues=key_issues, chair_id=chair.id if chair else None)
    meeting.attendees = list(attendees)
    db.session.add(meeting)
    db.session.flush()
    return meeting
