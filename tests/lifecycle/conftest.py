"""The lifecycle story's cast: the world's Angkor Garments with its EA, lead assessor, admin and
subscribed buyer, a second brand that starts buying from Angkor later on, and an assessor who
leads none of its assessments."""

import pytest

from bwportal.extensions import db
from bwportal.models import Role
from tests import factories as f

from .steps import Story


@pytest.fixture
def story(app, client, world, mailbox, jobs):
    late_brand = f.make_buyer_org(name="Late Brand")
    world.angkor.customers = [*world.angkor.customers, late_brand]
    late_buyer = f.make_user(Role.BUYER, buyer_organisation=late_brand, email="late-buyer@example.com")
    # An assessor of the programme who does not lead Angkor's assessments (002 §3.4.1).
    other_assessor = f.make_user(Role.ASSESSOR, programme=world.kh, email="other-assessor@example.com",
                                 name="Other Assessor")
    for user in (world.factory_user, world.ea, world.buyer, late_buyer):
        user.locale = "en"
    db.session.commit()
    return Story(app=app, client=client, world=world, mailbox=mailbox, run_jobs=jobs, late_buyer=late_buyer,
                 other_assessor=other_assessor)
