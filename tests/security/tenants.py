"""What the security sweeps share: which factories each role may see, and a world of
objects in every factory, each carrying a distinctive private string ("Secret finding of
<factory>") that no other tenant's page may ever show."""

from datetime import date, timedelta
from types import SimpleNamespace

from bwportal.domain.ip import operations as ops
from bwportal.domain.reports import editing
from bwportal.extensions import db
from bwportal.models import ReportKind, Role
from tests import factories as f

FACTORIES = ("angkor", "mekong", "bandung")

# who -> (a factory they may see, factories foreign to them), by World attribute
ROLES = {
    "factory_user": ("angkor", ["mekong", "bandung"]),
    "factory2_user": ("mekong", ["angkor", "bandung"]),
    "ea": ("angkor", ["mekong", "bandung"]),
    "ea2": ("mekong", ["angkor", "bandung"]),
    "buyer": ("angkor", ["mekong", "bandung"]),
    "other_buyer": ("bandung", ["angkor", "mekong"]),
    "admin": ("angkor", ["bandung"]),
    "admin_id": ("bandung", ["angkor", "mekong"]),
    "assessor": ("angkor", ["bandung"]),
}


def secret(factory) -> str:
    return f"Secret finding of {factory.name}"


def make_objects(world) -> dict[str, dict]:
    """A cycle, a visit, an IP item, a report, annexes, people and a document for every
    factory of the world, by factory attribute name."""
    made = {}
    for name in FACTORIES:
        factory = getattr(world, name)
        cycle = f.make_cycle(factory, 1, date.today() - timedelta(days=100))
        visit = f.make_visit(cycle, date.today() - timedelta(days=10))
        item = ops.item_from_finding(f.make_finding(cycle, "Overtime Wages", secret(factory)), None)
        report = editing.create_report(factory, cycle, ReportKind.PR1, date.today(), None)
        db.session.flush()
        editing.save_section(report, "feedback", {"feedback": {"value": secret(factory)}},
                        SimpleNamespace(id=None, role=Role.FACTORY, is_authenticated=True, active=True), None)
        made[name] = {"cycle": cycle, "visit": visit, "item": item, "report": report,
                      "subscription": _subscription(world, factory), **_people_objects(world, factory),
                      **_annex_objects(factory, cycle, item), "document": _document(factory, report)}
    db.session.commit()
    return made


def _subscription(world, factory):
    """The factory's subscription in the world, or a pending request from a brand it lists."""
    from bwportal.models import Subscription, SubscriptionStatus

    found = db.session.scalar(db.select(Subscription).filter_by(factory_id=factory.id))
    return found or f.subscribe(factory.customers[-1], factory, status=SubscriptionStatus.REQUESTED)


def _people_objects(world, factory):
    """A user of the factory and an advisor's assignment to it."""
    from bwportal.models import EAAssignment

    assignment = db.session.scalar(db.select(EAAssignment).filter_by(factory_id=factory.id))
    if assignment is None:
        assignment = f.assign_ea(f.make_user(Role.EA, programme=factory.programme), factory)
    return {"assignment": assignment, "user": f.make_user(Role.FACTORY, factory=factory, name="Secret finding user")}


def _annex_objects(factory, cycle, item):
    """Training, committee and public-response rows of one factory."""
    from bwportal.models import (
        CommitteeMeeting,
        CommitteeMember,
        Enrolment,
        EnrolmentStatus,
        EvidenceFile,
        Gender,
        HowChosen,
        MemberProposal,
        MemberRole,
        PublicResponse,
        TrainingCourse,
        TrainingSession,
    )

    course = TrainingCourse(programme_id=factory.programme_id, name=f"Course for {factory.name}",
                            name_translations={}, days=1)
    session = TrainingSession(programme_id=factory.programme_id, course=course, starts_on=date.today())
    enrolment = Enrolment(factory_id=factory.id, session=session, status=EnrolmentStatus.REQUESTED)
    member = CommitteeMember(factory_id=factory.id, name=f"Member of {factory.name}", role=MemberRole.CHAIR,
                             gender=Gender.FEMALE, how_chosen=HowChosen.ELECTED)
    proposal = MemberProposal(factory_id=factory.id, member=member, action="remove", data={})
    meeting = CommitteeMeeting(factory_id=factory.id, meeting_date=date.today(), key_issues=secret(factory),
                               chair=member)
    finding = item.findings[0] if item.findings else None
    response = PublicResponse(factory_id=factory.id, finding=finding, text=secret(factory))
    evidence = EvidenceFile(factory_id=factory.id, response=response, stored_name=f"sweep-{factory.id}.png",
                            original_name="photo.png", content_type="image/png", size=1)
    db.session.add_all([course, session, enrolment, member, proposal, meeting, response, evidence])
    db.session.flush()
    return {"session": session, "enrolment": enrolment, "member": member, "proposal": proposal,
            "meeting": meeting, "finding": finding, "file": evidence}


def _document(factory, report):
    """A rendered PDF of the factory's report (a ready row; its file need not exist)."""
    from bwportal.models import Document, DocumentStatus

    document = Document(factory_id=factory.id, kind="report", report_id=report.id, locale="en", final=True,
                        status=DocumentStatus.READY, stored_name=f"sweep-{factory.id}.pdf")
    db.session.add(document)
    db.session.flush()
    return document


class Coverage:
    """The (route, method, role) combinations the sweeps called, and how many requests."""

    def __init__(self):
        self.calls: dict[str, int] = {}
        self.combinations: dict[str, set] = {}

    def add(self, sweep: str, rule: str, method: str, who: str) -> None:
        self.calls[sweep] = self.calls.get(sweep, 0) + 1
        self.combinations.setdefault(sweep, set()).add((rule, method, who))

    def lines(self) -> list[str]:
        lines = [f"{sweep}: {len(self.combinations[sweep])} route x method x role combinations, "
                 f"{self.calls[sweep]} requests" for sweep in sorted(self.calls)]
        combos = set().union(*self.combinations.values()) if self.combinations else set()
        lines.append(f"all sweeps: {len(combos)} route x method x role combinations, "
                     f"{sum(self.calls.values())} requests")
        return lines
