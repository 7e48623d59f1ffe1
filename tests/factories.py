"""Test data builders: the one place that builds rows for the tests (and the benchmarks).

Each builder takes keyword arguments with sensible defaults, adds what it builds, flushes
(never commits: a test commits when its requests must see the data) and returns it. Where the
portal has an operation that makes the row (an IP item from a finding, a report and its
sections, a step of the report workflow), the builder goes through it, so the data is what the
portal itself would hold: events, snapshots and notices included.

The builders are grouped by area, in this order; add a new one to its area's section:
programmes and people · cycles and findings · IP · reports · annexes (visits, training,
committee) · public issues · subscriptions · notices.
"""

import io
import secrets
import struct
import zlib
from datetime import UTC, date, datetime, timedelta
from itertools import count
from types import SimpleNamespace

from bwportal.domain.ip import operations as ip_ops
from bwportal.domain.notices import outbox
from bwportal.domain.people.accounts import hash_password
from bwportal.domain.programmes.catalogues import row_by_name, seed_programme_catalogue
from bwportal.domain.reports import editing
from bwportal.domain.reports import snapshot as report_snapshot
from bwportal.domain.reports import workflow as report_workflow
from bwportal.extensions import db
from bwportal.infra.storage import FolderStorage
from bwportal.models import (
    AdvisoryVisit,
    BuyerOrganisation,
    CommitteeMeeting,
    CommitteeMember,
    CompliancePoint,
    Cycle,
    Document,
    DocumentStatus,
    EAAssignment,
    Enrolment,
    EvidenceFile,
    Factory,
    FactoryTraining,
    Finding,
    FindingsImport,
    FindingsImportStatus,
    Gender,
    HowChosen,
    IPItem,
    IPStatus,
    MemberProposal,
    MemberRole,
    Origin,
    OutboxMessage,
    Programme,
    ProgressReport,
    PublicResponse,
    RaisedBy,
    ReportKind,
    ReportStatus,
    Role,
    RootCause,
    Subscription,
    SubscriptionStatus,
    TrainingCourse,
    TrainingSession,
    User,
)

PASSWORD = "correct horse battery"
_PASSWORD_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose; hash once
_seq = count(1)


# --- programmes and people ---------------------------------------------------------------

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


def catalogue_point(name: str, programme) -> CompliancePoint:
    """A compliance point of ``programme``'s catalogue (seeded by make_programme) by its English name."""
    return row_by_name(CompliancePoint, programme.id, name)


def catalogue_row(model, name: str, programme):
    """A cluster, root cause or "raised by" source of ``programme``'s catalogue by its English name."""
    return row_by_name(model, programme.id, name)


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
    """A user who signs in with PASSWORD (pass ``password_hash`` for another)."""
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


def make_api_token(user, name="Supplier system", days=90, **kw):
    """A personal access token for the read API: (row, the secret to send)."""
    from bwportal.domain.people import api_tokens

    token, secret = api_tokens.create(user, name, days)
    for key, value in kw.items():  # e.g. expires_at, revoked_at
        setattr(token, key, value)
    db.session.flush()
    return token, secret


# --- cycles and findings -----------------------------------------------------------------

def make_cycle(factory, number=1, assessment_date=None, report_release_date=None, start_date=None,
               **kw) -> Cycle:
    """Cycle ``number`` of ``factory`` (CYC-1), its assessment report not released unless
    ``report_release_date`` is given. Given ``start_date`` alone, a cycle in its advisory period,
    not assessed yet; given an assessment date alone, a cycle that starts on it; given neither,
    one assessed 120 days ago."""
    if assessment_date is None and start_date is None:
        assessment_date = date.today() - timedelta(days=120)
    cycle = Cycle(factory_id=factory.id, number=number, start_date=start_date or assessment_date,
                  assessment_date=assessment_date, report_release_date=report_release_date, **kw)
    db.session.add(cycle)
    db.session.flush()
    return cycle


def make_released_cycle(factory, number=1, *, assessed_days_ago=60, released_days_ago=39, **kw) -> Cycle:
    """A cycle whose assessment report is out: assessed 60 days ago and released 39 days ago
    by default, so its PR1 (due 30 days after the release) is 9 days late."""
    today = date.today()
    return make_cycle(factory, number, today - timedelta(days=assessed_days_ago),
                      today - timedelta(days=released_days_ago), **kw)


def make_finding(cycle, point_name="Overtime Wages", text="Overtime not paid at 150%", publicly_reported=None,
                 *, point=None) -> Finding:
    """A finding of ``cycle``'s assessment on the compliance point named ``point_name`` (or on
    ``point``); publicly reported as the point is, unless told."""
    point = point or row_by_name(CompliancePoint, cycle.factory.programme_id, point_name)
    finding = Finding(factory_id=cycle.factory_id, cycle_id=cycle.id, cluster_id=point.cluster_id,
                      compliance_point_id=point.id, text=text,
                      publicly_reported=point.publicly_reported if publicly_reported is None else publicly_reported)
    db.session.add(finding)
    db.session.flush()
    return finding


# --- IP -----------------------------------------------------------------------------------

def complete_fields(programme, **overrides) -> dict:
    """Fields [36]-[42] of the guide as the factory fills them for an item (IP-4): lead person,
    root cause, actions, progress and a target date two months ahead (overrides win)."""
    return {"lead_person": "Chea Mony", "additional_persons": "HR team",
            "root_cause_id": catalogue_row(RootCause, "Lack of training or skills", programme).id,
            "root_cause_description": "Supervisors were not trained", "actions_needed": "Train the supervisors",
            "progress": "Training planned", "target_date": date.today() + timedelta(days=60), **overrides}


def make_ip_item(cycle=None, point_name="Overtime Wages", text="Overtime not paid at 150%", *, finding=None,
                 point=None, publicly_reported=None, by=None, findings=(), complete=False, **fields) -> IPItem:
    """An IP item made from an assessment finding, as the import makes it (with its "created"
    event by ``by``): from ``finding``, or from a new finding of ``cycle`` (see make_finding);
    it also tracks ``findings`` (repeats of later assessments merged into it, IP-8).
    ``fields`` (status, lead_person, target_date, completed_by...) are then set on the item as
    they are, without the rules or events of an edit; ``complete`` first fills the factory's
    fields [36]-[42] (``complete_fields``), as a PR1 submission requires (IP-4)."""
    if finding is None:
        finding = make_finding(cycle, point_name, text, publicly_reported, point=point)
    item = ip_ops.item_from_finding(finding, by)
    if complete:
        fields = complete_fields(finding.cycle.factory.programme, **fields)
    for field, value in fields.items():
        setattr(item, field, value)
    db.session.flush()
    for repeat in findings:
        repeat.ip_item_id = item.id
    db.session.flush()
    return item


def make_advisory_item(cycle, point_name="Welfare Facilities", area="Not enough drinking water points", *,
                       point=None, by=None, visit=None, raised_by=None, status=None, completed_by=None,
                       completion_date=None, complete=False, **fields) -> IPItem:
    """An item the factory or its EA put forward during ``cycle`` (origin advisory), created as
    the IP's "new item" form creates it, by ``by``; ``raised_by`` names the catalogue's source
    ("Self-diagnosis", "Management"...), ``visit`` the advisory visit it came from. ``fields``
    are set with it (lead_person, target_date...); ``status`` (Completed: on ``completion_date``,
    today unless told, by ``completed_by``) is then set as it is, without the rules of a change."""
    factory = cycle.factory
    point = point or catalogue_point(point_name, factory.programme)
    if complete:  # fields [36]-[42] filled, as a PR1 submission requires (IP-4)
        fields = complete_fields(factory.programme, **fields)
    raised_by_id = catalogue_row(RaisedBy, raised_by, factory.programme).id if raised_by else None
    values = {"area_of_improvement": area, "cluster_id": point.cluster_id, "compliance_point_id": point.id, **fields}
    item = ip_ops.create_item(factory, by, cycle, Origin.ADVISORY, values, visit=visit, raised_by_id=raised_by_id)
    if status is not None:
        item.status = status
    if completed_by is not None:
        item.completed_by_id = completed_by.id
    if completion_date is not None or completed_by is not None:
        item.completion_date = completion_date or date.today()
    db.session.flush()
    return item


def make_ip_item_in_state(cycle, point_name="Overtime Wages", status=None, target_date=None, *,
                          publicly_reported=False, reported_at=None, completion_date=None, completed_by=None,
                          area="Item") -> IPItem:
    """An assessment item of ``cycle`` in the state asked for (the dashboards' figures count
    them): status, target date, reported remediated at, completed on (by ``completed_by``)."""
    status = status or IPStatus.PENDING
    completed = status is IPStatus.COMPLETED
    return make_ip_item(cycle, point_name, area, publicly_reported=publicly_reported, status=status,
                        target_date=target_date, remediation_reported_at=reported_at,
                        completion_date=(completion_date or target_date) if completed else None,
                        completed_by_id=completed_by.id if completed else None)


def make_ip_items(cycle, count: int, *, lead_person="", reported_at=None, **fields) -> list[IPItem]:
    """``count`` assessment items of ``cycle`` ("Finding 0"...), for lists longer than a page;
    ``reported_at``: each reported remediated then (the verification queue's)."""
    items = [make_ip_item(cycle, "Overtime Wages", f"Finding {i}", lead_person=lead_person,
                          remediation_reported_at=reported_at, **fields) for i in range(count)]
    return items


# --- reports ------------------------------------------------------------------------------

# The fewest answers with which a report of each kind may be submitted (or released).
# A PR1 answers every required question of its sections (PR-4); see also ``complete_ip``.
SUBMITTABLE = {
    ReportKind.PR1: {
        "overview": {"q1": {"value": ["shared_findings"], "comment": ""}},
        "social_dialogue": {"q1": {"value": "yes"}, "q2": {"value": ["meets_regularly"]},
                            "q3": {"value": ["election"]}, "q4": {"value": ["minutes_shared"]}},
        "systems": {"hr": {"value": ["written_policies"]}, "osh": {"value": ["policy_signed"]}},
        "learning": {"plan": {"value": ["exists"]}, "given": {"value": ["internal"]}},
    },
    ReportKind.PR2: {"summary": {"improvements": {"value": "Good progress"}}},
}

def submittable_form(kind=ReportKind.PR1, **extra) -> dict[str, dict]:
    """The SUBMITTABLE answers as the editor's forms post them: {section slug: form data};
    ``extra`` ({section key: {field: value}}) adds to a section's data."""
    from bwportal.domain.reports.spec import section_by_key

    forms = {}
    for key, answers in SUBMITTABLE[kind].items():
        data = {}
        for q, answer in answers.items():
            data[q] = answer.get("value", "")
            if answer.get("comment"):
                data[f"{q}__comment"] = answer["comment"]
        forms[section_by_key(kind, key).slug] = {**data, **extra.get(key, {})}
    return forms


# Who writes a report when the test names no one: a nameless user of the author's role.
_ANY_AUTHOR = {
    ReportKind.PR1: SimpleNamespace(id=None, role=Role.FACTORY, is_authenticated=True, active=True),
    ReportKind.PR2: SimpleNamespace(id=None, role=Role.EA, is_authenticated=True, active=True),
}


def make_report(cycle, kind=ReportKind.PR1, *, author=None, sections=None, report_date=None,
                status=ReportStatus.DRAFT, frozen=False, approved_at=None) -> ProgressReport:
    """A report of ``cycle`` created and written as its author does (one open report of a kind
    per cycle): ``sections`` ({section key: answers}, saved in that order) default to the
    SUBMITTABLE answers; pass {} for a blank report. ``author`` (the factory's user for a PR1,
    an EA for a PR2) creates it and saves the sections; without one they are nobody's.

    ``status`` other than draft puts the report in that state directly, with its dates, but
    without the workflow: no transition, snapshot or notice (finalise_report goes the real way);
    ``frozen`` takes its snapshot as submission would (PR-8)."""
    report = editing.create_report(cycle.factory, cycle, kind, report_date or date.today(), author)
    db.session.flush()
    writer = author or _ANY_AUTHOR[kind]
    for key, answers in (SUBMITTABLE[kind] if sections is None else sections).items():
        editing.save_section(report, key, answers, writer, None)
    if status is not ReportStatus.DRAFT:
        if frozen:  # taken while it is a draft, as submission takes it
            report.snapshot = report_snapshot.take(report)
        now = datetime.now(UTC)
        report.status = status
        if kind is ReportKind.PR1 or status is ReportStatus.SUBMITTED:
            report.submitted_at = now
        if status is ReportStatus.APPROVED:
            report.approved_at = approved_at or now
    db.session.flush()
    return report


def submit_report(report, author) -> ProgressReport:
    """The factory's user submits the PR1 through the workflow (its snapshot taken, the EA told)."""
    report_workflow.fire(report, "submit", author)
    db.session.flush()
    return report


def finalise_report(report, ea, *, author=None) -> ProgressReport:
    """The report made final through the workflow: a PR1 submitted by ``author`` (unless it is
    already) and approved by the EA; a PR2 released by the EA."""
    if report.kind is ReportKind.PR2:
        report_workflow.fire(report, "release", ea)
    else:
        if report.status is ReportStatus.DRAFT:
            submit_report(report, author)
        report_workflow.fire(report, "approve", ea)
    db.session.flush()
    return report


def make_document(report, locale="en", *, status=DocumentStatus.READY, final=None,
                  requested_by=None) -> Document:
    """A PDF of ``report`` in ``locale``: a ready row by default (its file need not exist);
    ``status=DocumentStatus.QUEUED`` for one a worker is still to render. Final (kept and
    shared) when the report is, unless told."""
    stored_name = f"{secrets.token_urlsafe(24)}.pdf" if status is DocumentStatus.READY else ""
    document = Document(factory_id=report.factory_id, kind="report", report_id=report.id, locale=locale,
                        status=status, final=report.status is ReportStatus.APPROVED if final is None else final,
                        requested_by_id=requested_by.id if requested_by else None, stored_name=stored_name)
    db.session.add(document)
    db.session.flush()
    return document


def make_findings_import(cycle, user, text: str, point_name: str = "Overtime Wages") -> FindingsImport:
    """A findings file a worker has read: ready to save, one row of ``text`` (by ``user``)."""
    point = catalogue_point(point_name, cycle.factory.programme)
    job = FindingsImport(factory_id=cycle.factory_id, cycle_id=cycle.id, requested_by_id=user.id, locale="en",
                         filename="findings.csv", digest=secrets.token_hex(32), status=FindingsImportStatus.READY,
                         result={"rows": [[2, point.cluster_id, point.id, text, True]], "defaults": []})
    db.session.add(job)
    db.session.flush()
    return job


def make_pr1(cycle, status=None, submitted_at=None, approved_at=None, first_submitted_at=None):
    """A PR1 of ``cycle`` with its workflow evidence: a submit transition at
    ``first_submitted_at`` (or ``submitted_at``), the report's own ``submitted_at`` and
    ``approved_at``; a report sent back and submitted again has both."""
    from bwportal.models import ReportTransition

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


# --- annexes: visits, training, committee (CYC-3, TRN-1, COM-1/2) -------------------------

def make_visit(cycle, visit_date=None, description="Advisory visit", ea=None) -> AdvisoryVisit:
    visit = AdvisoryVisit(factory_id=cycle.factory_id, cycle_id=cycle.id, visit_date=visit_date or date.today(),
                          description=description, ea_id=ea.id if ea else None)
    db.session.add(visit)
    db.session.flush()
    return visit


def make_training_credits(cycle, days=10) -> FactoryTraining:
    """The factory's training credit days for ``cycle``."""
    credits = FactoryTraining(factory_id=cycle.factory_id, cycle_id=cycle.id, credit_days=days)
    db.session.add(credits)
    db.session.flush()
    return credits


def make_training_course(programme, name="Supervisory Skills Training", days=1, **kw) -> TrainingCourse:
    course = TrainingCourse(programme_id=programme.id, name=name, name_translations={}, days=days, **kw)
    db.session.add(course)
    db.session.flush()
    return course


def make_training_session(course, starts_on=None, location="Phnom Penh", seats=None) -> TrainingSession:
    session = TrainingSession(programme_id=course.programme_id, course_id=course.id,
                              starts_on=starts_on or date.today() + timedelta(days=30), location=location, seats=seats)
    db.session.add(session)
    db.session.flush()
    return session


def make_enrolment(factory, session, status, participants=1, note="") -> Enrolment:
    enrolment = Enrolment(factory_id=factory.id, session_id=session.id, status=status, participants=participants,
                          note=note)
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def make_committee_member(factory, name="Sokha Chan", role=None, gender=None, how_chosen=None, since=None,
                          until=None) -> CommitteeMember:
    member = CommitteeMember(factory_id=factory.id, name=name, role=role or MemberRole.WORKER_REP,
                             gender=gender or Gender.FEMALE, how_chosen=how_chosen or HowChosen.ELECTED,
                             since=since, until=until)
    db.session.add(member)
    db.session.flush()
    return member


def make_member_proposal(factory, action="add", member=None, data=None, note="") -> MemberProposal:
    proposal = MemberProposal(factory_id=factory.id, member_id=member.id if member else None, action=action,
                              data=data or {}, note=note)
    db.session.add(proposal)
    db.session.flush()
    return proposal


def make_committee_meeting(factory, meeting_date=None, attendees=(), chair=None,
                           key_issues="Overtime planning") -> CommitteeMeeting:
    meeting = CommitteeMeeting(factory_id=factory.id, meeting_date=meeting_date or date.today(),
                               key_issues=key_issues, chair_id=chair.id if chair else None)
    meeting.attendees = list(attendees)
    db.session.add(meeting)
    db.session.flush()
    return meeting


# --- public issues (PUB-1, PUB-2) ---------------------------------------------------------

def public_png_bytes(width=1, height=1) -> bytes:
    """A real, tiny PNG image, built byte by byte."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def make_public_response(finding, text="We paid the overtime owed", verified_by=None, **kw) -> PublicResponse:
    response = PublicResponse(factory_id=finding.factory_id, finding=finding, text=text,
                              verified_by_id=verified_by.id if verified_by else None,
                              verified_at=datetime.now(UTC) if verified_by else None, **kw)
    db.session.add(response)
    db.session.flush()
    return response


def make_evidence_file(response, storage_dir, content=None, original_name="photo.png",
                       content_type="image/png") -> EvidenceFile:
    """An evidence file row with its bytes kept in the folder storage ``storage_dir`` (the app's
    STORAGE_DIR: evidence/<name>); with ``storage_dir`` None, the row only: its file is missing."""
    content = public_png_bytes() if content is None else content
    stored = f"{secrets.token_urlsafe(24)}.{content_type.rsplit('/', 1)[-1].split('+')[0]}"
    if storage_dir is not None:
        FolderStorage(storage_dir).put(f"evidence/{stored}", io.BytesIO(content), content_type)
    evidence = EvidenceFile(factory_id=response.factory_id, response=response, stored_name=stored,
                            original_name=original_name, content_type=content_type, size=len(content))
    db.session.add(evidence)
    db.session.flush()
    return evidence


# --- subscriptions (ROLE-4) ----------------------------------------------------------------

def subscribe(org: BuyerOrganisation, factory: Factory, status=SubscriptionStatus.ACTIVE) -> Subscription:
    subscription = Subscription(buyer_organisation=org, factory=factory, status=status)
    db.session.add(subscription)
    db.session.flush()
    return subscription


# --- notices (JOB-2) ---------------------------------------------------------------------

def make_notice(recipient, factory, key=None, *, kind="mail.report_released", params=None) -> OutboxMessage:
    """A notice for ``recipient`` waiting in the outbox, written as the portal writes one: by
    default the e-mail that ``factory``'s final PR1 is released (``params`` fill the text of
    ``kind``'s message). ``key`` is the outbox's key, unique per notice."""
    key = key or f"test:{next(_seq)}"
    params = params or {"factory": factory.name, "report": "Progress Report 1", "cycle": 1}
    outbox.write(kind, key, recipient_id=recipient.id, factory_id=factory.id if factory else None,
                 payload={"params": params, "link": {"endpoint": "main.home"}})
    return db.session.scalar(db.select(OutboxMessage).filter_by(key=key))


# --- resumable uploads and IP evidence (issue 19) -------------------------------------------


def make_upload(factory, user, content: bytes, name="photo.jpg", sent: int | None = None, chunk=64 * 1024,
                updated_at=None):
    """A resumable upload of ``content`` by ``user``, with its first ``sent`` bytes (all of them
    by default) sent in chunks, as the upload script sends them."""
    from bwportal.domain import uploads

    upload = uploads.create(factory, user, name, len(content))
    sent = len(content) if sent is None else sent
    for offset in range(0, sent, chunk):
        uploads.append(upload, offset, content[offset:min(offset + chunk, sent)])
    if updated_at is not None:
        upload.updated_at = updated_at
    db.session.flush()
    return upload


def make_ip_evidence(item, user, content: bytes | None = None, name="committee-minutes.png", note=""):
    """Evidence attached to an IP item by ``user`` through the domain (stored in the app's storage)."""
    import io

    from bwportal.domain.ip import evidence
    from bwportal.domain.public.issues import check_file

    checked = check_file(name, io.BytesIO(public_png_bytes() if content is None else content))
    rows, _keys = evidence.add_evidence(item, user, [checked], note)
    return rows[0]
