"""What the security sweeps share: which factories each role may see, and a world of
objects in every factory, each carrying a distinctive private string ("Secret finding of
<factory>") that no other tenant's page may ever show."""

from datetime import date, timedelta

from bwportal.extensions import db
from bwportal.models import EnrolmentStatus, MemberRole, Role
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
        item = f.make_ip_item(cycle, "Overtime Wages", secret(factory))
        report = f.make_report(cycle, sections={"feedback": {"feedback": {"value": secret(factory)}}})
        people = _people_objects(world, factory)
        made[name] = {"cycle": cycle, "visit": visit, "item": item, "report": report,
                      "subscription": _subscription(world, factory), **people,
                      **_annex_objects(factory, item), "document": f.make_document(report, final=True),
                      "findings_import": f.make_findings_import(cycle, people["user"], secret(factory)),
                      # issue 19: an item's evidence, and an upload in progress of the factory's user
                      "evidence": f.make_ip_evidence(item, people["user"]),
                      "upload": f.make_upload(factory, people["user"], b"\xff\xd8\xff" + b"\x00" * 200, sent=100)}
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


def _annex_objects(factory, item):
    """Training, committee and public-response rows of one factory."""
    session = f.make_training_session(f.make_training_course(factory.programme, f"Course for {factory.name}"),
                                      date.today())
    enrolment = f.make_enrolment(factory, session, EnrolmentStatus.REQUESTED)
    member = f.make_committee_member(factory, f"Member of {factory.name}", MemberRole.CHAIR)
    proposal = f.make_member_proposal(factory, "remove", member)
    meeting = f.make_committee_meeting(factory, date.today(), chair=member, key_issues=secret(factory))
    finding = item.findings[0] if item.findings else None
    # The row only: the route sweep writes the bytes of the files it downloads.
    evidence = f.make_evidence_file(f.make_public_response(finding, secret(factory)), None)
    return {"session": session, "enrolment": enrolment, "member": member, "proposal": proposal,
            "meeting": meeting, "finding": finding, "file": evidence}


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
