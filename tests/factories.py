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


def make_cycle(factory, number=1, assessment_date=None, report_release_date=None, **kw):
    from datetime import date, timedelta

    from bwportal.models import Cycle

    assessment_date = assessment_date or date.today() - timedelta(days=120)
    cycle = Cycle(factory_id=factory.id, number=number, assessment_date=assessment_date,
                  report_release_date=report_release_date, **kw)
    db.session.add(cycle)
    db.session.flush()
    return cycle


def make_finding(cycle, point_name="Overtime Wages", text="Overtime not paid at 150%", publicly_reported=None):
    from bwportal.models import CompliancePoint, Finding

    point = row_by_name(CompliancePoint, cycle.factory.programme_id, point_name)
    finding = Finding(factory_id=cycle.factory_id, cycle_id=cycle.id, cluster_id=point.cluster_id,
                      compliance_point_id=point.id, text=text,
                      publicly_reported=point.publicly_reported if publicly_reported is None else publicly_reported)
    db.session.add(finding)
    db.session.flush()
    return finding


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


# --- IP items and reports in a chosen state (dashboards, DASH-1) -----------------------------

def make_ip_item(cycle, point_name="Overtime Wages", status=None, target_date=None, publicly_reported=False,
                 reported_at=None, completion_date=None, completed_by=None, area="Item"):
    """An assessment item of ``cycle``, from a finding of its assessment, in the state asked
    for: status, target date, reported remediated at, completed on (and by)."""
    from bwportal.domain.ip import operations as ops
    from bwportal.models import IPStatus

    item = ops.item_from_finding(make_finding(cycle, point_name, area, publicly_reported=publicly_reported), None)
    item.status = status or IPStatus.PENDING
    item.target_date = target_date
    item.remediation_reported_at = reported_at
    if item.status is IPStatus.COMPLETED:
        item.completion_date = completion_date or target_date
        item.completed_by_id = completed_by.id
    db.session.flush()
    return item


def make_pr1(cycle, status=None, submitted_at=None, approved_at=None, first_submitted_at=None):
    """A PR1 of ``cycle`` with its workflow evidence: a submit transition at
    ``first_submitted_at`` (or ``submitted_at``), the report's own ``submitted_at`` and
    ``approved_at``; a report sent back and submitted again has both."""
    from bwportal.models import ProgressReport, ReportKind, ReportStatus, ReportTransition

    status = status or ReportStatus.DRAFT
    report = ProgressReport(factory_id=cycle.factory_id, cycle_id=cycle.id, kind=ReportKind.PR1,
                            report_date=cycle.assessment_date, status=status, submitted_at=submitted_at,
                            approved_at=approved_at)
    db.session.add(report)
    db.session.flush()
    D, S, A = ReportStatus.DRAFT, ReportStatus.SUBMITTED, ReportStatus.APPROVED
    moves = []
    if first_submitted_at is not None and first_submitted_at != submitted_at:
        moves += [("submit", D, S, first_submitted_at), ("send_back", S, D, first_submitted_at)]
    if submitted_at is not None:
        moves.append(("submit", D, S, submitted_at))
    if approved_at is not None:
        moves.append(("approve", S, A, approved_at))
    for action, src, dst, when in moves:
        db.session.add(ReportTransition(report_id=report.id, factory_id=cycle.factory_id, action=action,
                                        from_status=src, to_status=dst, created_at=when))
    db.session.flush()
    return report


def make_api_token(user, name="Supplier system", days=90, **kw):
    """A personal access token for the read API: (row, the secret to send)."""
    from bwportal.domain.people import api_tokens

    token, secret = api_tokens.create(user, name, days)
    for key, value in kw.items():  # e.g. expires_at, revoked_at
        setattr(token, key, value)
    db.session.flush()
    return token, secret


def make_report(factory, cycle, *, kind=None, status=None, snapshot=None, **kw):
    """A progress report as it stands after its workflow (final: approved, with its snapshot)."""
    from datetime import UTC, date, datetime

    from bwportal.domain.reports.snapshot import take
    from bwportal.models import ProgressReport, ReportKind, ReportStatus

    status = status or ReportStatus.DRAFT
    done = status is not ReportStatus.DRAFT
    report = ProgressReport(factory_id=factory.id, cycle_id=cycle.id, kind=kind or ReportKind.PR1,
                            report_date=kw.pop("report_date", date.today()), status=ReportStatus.DRAFT, **kw)
    db.session.add(report)
    db.session.flush()
    if done:  # frozen as the workflow freezes it (PR-8), in the state it reached
        report.snapshot = snapshot if snapshot is not None else take(report)
        report.status, report.submitted_at = status, datetime.now(UTC)
        report.approved_at = datetime.now(UTC) if status is ReportStatus.APPROVED else None
        db.session.flush()
    return report
