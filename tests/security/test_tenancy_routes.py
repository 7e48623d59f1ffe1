"""TEN-1 over the URL map: every route that takes a factory id answers 404 to every role
that may not see that factory, and never shows its data. Objects of another factory under
a visible factory's URL are 404 too. A route with an argument the sweep does not know
fails the test until it is described in ARGUMENTS."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from bwportal.domain import ip_operations as ops
from bwportal.domain import report_workflow as wf
from bwportal.extensions import db
from bwportal.models import ReportKind, Role
from tests import factories as f
from tests.conftest import sign_in

from .routes import all_routes

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

# Route argument -> the id of that kind of object belonging to a given factory.
ARGUMENTS = {
    "item_id": lambda objects: objects["item"].id,
    "cycle_id": lambda objects: objects["cycle"].id,
    "visit_id": lambda objects: objects["visit"].id,
    "report_id": lambda objects: objects["report"].id,
    "session_id": lambda objects: objects["session"].id,
    "enrolment_id": lambda objects: objects["enrolment"].id,
    "member_id": lambda objects: objects["member"].id,
    "proposal_id": lambda objects: objects["proposal"].id,
    "meeting_id": lambda objects: objects["meeting"].id,
    "finding_id": lambda objects: objects["finding"].id,
    "file_id": lambda objects: objects["file"].id,
    "subscription_id": lambda objects: objects["subscription"].id,
    "assignment_id": lambda objects: objects["assignment"].id,
    "user_id": lambda objects: objects["user"].id,
    "document_id": lambda objects: objects["document"].id,
    "change": lambda objects: "deactivate",
    "kind": lambda objects: "lead",
    "fmt": lambda objects: "csv",
    "action": lambda objects: "submit",
}
FORM = {"name": "Hijack", "male_employees": "1", "female_employees": "1", "version": "1", "note": "x",
        "body": "x", "comment": "x", "description": "x", "text": "x"}


@pytest.fixture
def objects(world):
    """A cycle, a visit and an IP item for every factory of the world."""
    made = {}
    for name in ("angkor", "mekong", "bandung"):
        factory = getattr(world, name)
        cycle = f.make_cycle(factory, 1, date.today() - timedelta(days=100))
        visit = f.make_visit(cycle, date.today() - timedelta(days=10))
        item = ops.item_from_finding(f.make_finding(cycle, "Overtime Wages", f"Secret finding of {factory.name}"),
                                     None)
        report = wf.create_report(factory, cycle, ReportKind.PR1, date.today(), None)
        db.session.flush()
        wf.save_section(report, "feedback", {"feedback": {"value": f"Secret finding of {factory.name}"}},
                        SimpleNamespace(id=None, role=Role.FACTORY), None)
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
    meeting = CommitteeMeeting(factory_id=factory.id, meeting_date=date.today(),
                               key_issues=f"Secret finding of {factory.name}", chair=member)
    finding = item.findings[0] if item.findings else None
    response = PublicResponse(factory_id=factory.id, finding=finding, text=f"Secret finding of {factory.name}")
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


def factory_routes(app):
    routes = [r for r in all_routes(app) if "factory_id" in r.arguments]
    unknown = sorted({a for r in routes for a in r.arguments - {"factory_id"} if a not in ARGUMENTS})
    assert not unknown, f"describe these route arguments for the sweep in ARGUMENTS: {unknown}"
    return routes


def _call(client, route, method, factory, objects):
    values = {arg: ARGUMENTS[arg](objects) for arg in route.arguments - {"factory_id"}}
    return client.open(route.url(factory_id=factory.id, **values), method=method, data=FORM)


@pytest.mark.parametrize("who", sorted(ROLES))
def test_foreign_ids_answer_404_without_data(app, client, world, objects, who):
    own_name, foreign_names = ROLES[who]
    sign_in(client, getattr(world, who))
    calls = 0
    for route in factory_routes(app):
        for method in sorted(route.methods):
            for foreign in foreign_names:
                factory = getattr(world, foreign)
                # The foreign factory, with its own objects.
                response = _call(client, route, method, factory, objects[foreign])
                assert response.status_code == 404, (who, method, route.rule.rule, foreign)
                assert factory.name.encode() not in response.data
                assert b"Secret finding" not in response.data
                calls += 1
                # Training sessions belong to a programme, not a factory: another factory's
                # session of the same programme is a valid session here.
                own = getattr(world, own_name)
                shared = "session_id" in route.arguments and factory.programme_id == own.programme_id
                if route.arguments - {"factory_id", "fmt", "action", "change", "kind"} and not shared:
                    # A visible factory's URL with another factory's object in it: 404, or 403
                    # where the role may not use the route at all; never the object.
                    response = _call(client, route, method, getattr(world, own_name), objects[foreign])
                    assert response.status_code in (403, 404), (who, method, route.rule.rule, "mixed", foreign)
                    assert b"Secret finding" not in response.data
                    calls += 1
    assert calls > 0
    print(f"{who}: {calls} calls with foreign ids, all 404")


def test_unknown_factory_id_is_404_too(client, world):
    sign_in(client, world.admin)
    assert client.get("/factories/987654/organization").status_code == 404


def test_anonymous_is_sent_to_sign_in_on_every_factory_route(app, client, world, objects):
    for route in factory_routes(app):
        for method in route.methods:
            response = _call(client, route, method, world.angkor, objects["angkor"])
            assert response.status_code == 302 and "/sign-in" in response.location, route.rule.rule
