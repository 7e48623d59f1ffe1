"""Test data builders: each test makes just what it needs."""

from itertools import count

from bwportal.domain.accounts import hash_password
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


def catalogue_point(name: str):
    """A seeded compliance point by its English name (the migrations load the catalogue)."""
    from bwportal.models import CompliancePoint

    return db.session.scalar(db.select(CompliancePoint).filter_by(name=name))


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
    from bwportal.models import Finding

    point = catalogue_point(point_name)
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
