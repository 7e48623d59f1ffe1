"""Demo data for a developer's machine and the browser tests. Safe to run again: it only
adds what is missing, so edits made while trying the portal survive a second run."""

from datetime import UTC, datetime

from sqlalchemy import select

from bwportal.domain.people.accounts import hash_password
from bwportal.domain.programmes.catalogues import seed_programme_catalogue
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

DEMO_PASSWORD = "demo-password"

PROGRAMMES = [
    dict(name="Cambodia", country="KH", committee_short="PICC",
         committee_long="Performance Improvement Consultative Committee",
         default_locale="km", timezone="Asia/Phnom_Penh"),
    dict(name="Indonesia", country="ID", committee_short="LKS Bipartit",
         committee_long="Lembaga Kerja Sama Bipartit", default_locale="id", timezone="Asia/Jakarta"),
]

FACTORIES = [
    dict(programme="Cambodia", name="Angkor Garments",
         address="National Road 4, Sangkat Chaom Chau, Phnom Penh", contact_name="Sok Dara",
         phone="+855 23 555 0101", email="hr@angkor-garments.example",
         ownership_info="Privately owned, Cambodian and Hong Kong shareholders",
         male_employees=420, female_employees=1830, customers=["Northwind Apparel"]),
    dict(programme="Cambodia", name="Mekong Apparel",
         address="Street 598, Khan Russey Keo, Phnom Penh", contact_name="Chan Sopheap",
         phone="+855 23 555 0202", email="office@mekong-apparel.example",
         ownership_info="Subsidiary of Mekong Holdings", male_employees=250, female_employees=960,
         customers=["Northwind Apparel", "Blue Harbor Clothing"]),
    dict(programme="Indonesia", name="Bandung Textiles",
         address="Jl. Soekarno-Hatta 123, Bandung, Jawa Barat", contact_name="Siti Rahma",
         phone="+62 22 555 0303", email="hrd@bandung-textiles.example",
         ownership_info="PT Bandung Tekstil, Indonesian owned", male_employees=310, female_employees=1240,
         customers=["Blue Harbor Clothing"]),
]

BUYERS = ["Northwind Apparel", "Blue Harbor Clothing"]

# Demo users read English until they pick another language (Cambodia's default is Khmer).
USERS = [
    dict(email="factory@demo.test", name="Sok Dara", role=Role.FACTORY, factory="Angkor Garments", locale="en",
         is_account_manager=True),
    dict(email="factory2@demo.test", name="Chan Sopheap", role=Role.FACTORY, factory="Mekong Apparel", locale="en"),
    dict(email="factory-id@demo.test", name="Siti Rahma", role=Role.FACTORY, factory="Bandung Textiles",
         locale="id"),
    dict(email="ea@demo.test", name="Vannak Lim", role=Role.EA, programme="Cambodia", locale="en"),
    dict(email="ea2@demo.test", name="Dewi Lestari", role=Role.EA, programme="Cambodia", locale="en"),
    dict(email="buyer@demo.test", name="Grace Miller", role=Role.BUYER, buyer="Northwind Apparel", locale="en"),
    dict(email="admin@demo.test", name="Rithy Keo", role=Role.ADMIN, programme="Cambodia", locale="en"),
    dict(email="assessor@demo.test", name="Bopha Nhem", role=Role.ASSESSOR, programme="Cambodia", locale="en"),
]

ASSIGNMENTS = [
    ("ea@demo.test", "Angkor Garments"),
    ("ea2@demo.test", "Mekong Apparel"),
    ("ea2@demo.test", "Bandung Textiles"),
]
SUBSCRIPTIONS = [("Northwind Apparel", "Angkor Garments")]


def _get_or_create(model, lookup: dict, **values):
    obj = db.session.scalar(select(model).filter_by(**lookup))
    if obj is None:
        obj = model(**lookup, **values)
        db.session.add(obj)
        db.session.flush()
    return obj


def seed_demo() -> None:
    programmes = {}
    for spec in PROGRAMMES:
        values = {k: v for k, v in spec.items() if k != "name"}
        programmes[spec["name"]] = _get_or_create(Programme, {"name": spec["name"]}, **values)
        seed_programme_catalogue(programmes[spec["name"]])  # its own catalogues, once
    buyers = {name: _get_or_create(BuyerOrganisation, {"name": name}) for name in BUYERS}
    factories = {}
    for spec in FACTORIES:
        spec = dict(spec)
        customers = spec.pop("customers")
        programme = programmes[spec.pop("programme")]
        factory = db.session.scalar(select(Factory).filter_by(name=spec["name"]))
        if factory is None:
            factory = Factory(programme=programme, **spec)
            factory.customers = [buyers[c] for c in customers]
            db.session.add(factory)
            db.session.flush()
        factories[factory.name] = factory
    password_hash = hash_password(DEMO_PASSWORD)
    for spec in USERS:
        spec = dict(spec)
        links = {
            "factory_id": factories[spec.pop("factory")].id if "factory" in spec else None,
            "programme_id": programmes[spec.pop("programme")].id if "programme" in spec else None,
            "buyer_organisation_id": buyers[spec.pop("buyer")].id if "buyer" in spec else None,
        }
        _get_or_create(User, {"email": spec.pop("email")}, password_hash=password_hash, **spec, **links)
    for email, factory_name in ASSIGNMENTS:
        ea = db.session.scalar(select(User).filter_by(email=email))
        _get_or_create(EAAssignment, {"ea_id": ea.id, "factory_id": factories[factory_name].id, "ended_at": None})
    for buyer_name, factory_name in SUBSCRIPTIONS:
        _get_or_create(
            Subscription,
            {"buyer_organisation_id": buyers[buyer_name].id, "factory_id": factories[factory_name].id},
            status=SubscriptionStatus.ACTIVE,
            accepted_at=datetime.now(UTC),
        )
    db.session.commit()
    from .demo_annexes import seed_demo_annexes
    from .demo_ip import seed_demo_ip
    from .demo_reports import seed_demo_reports

    seed_demo_ip()
    seed_demo_annexes()
    seed_demo_reports()
