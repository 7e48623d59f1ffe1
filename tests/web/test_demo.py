"""flask seed-demo: idempotent, and every README login works."""

import pytest
from sqlalchemy import func, select

from bwportal.extensions import db
from bwportal.models import EAAssignment, Factory, IPEvent, IPItem, Subscription, User
from devdata.demo import DEMO_PASSWORD, USERS, seed_demo


def counts():
    return [db.session.scalar(select(func.count()).select_from(m))
            for m in (Factory, User, EAAssignment, Subscription, IPItem, IPEvent)]


def test_seed_demo_twice_adds_nothing_the_second_time(app_ctx):
    seed_demo()
    first = counts()
    seed_demo()
    assert counts() == first
    assert first[:5] == [3, 8, 3, 1, 29]


def test_cli_command_runs(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "factory@demo.test" in result.output
    with app.app_context():
        from tests.conftest import _empty_tables

        _empty_tables()


@pytest.mark.parametrize("email, sees", [
    ("factory@demo.test", ["Angkor Garments"]),
    ("factory2@demo.test", ["Mekong Apparel"]),
    ("factory-id@demo.test", ["Bandung Textiles"]),
    ("ea@demo.test", ["Angkor Garments"]),
    ("ea2@demo.test", ["Mekong Apparel", "Bandung Textiles"]),
    ("buyer@demo.test", ["Angkor Garments"]),
    ("admin@demo.test", ["Angkor Garments", "Mekong Apparel"]),
    ("assessor@demo.test", ["Angkor Garments", "Mekong Apparel"]),
])
def test_every_demo_login_works_and_sees_its_factories(client, email, sees):
    seed_demo()
    assert email in {u["email"] for u in USERS}
    response = client.post("/sign-in", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    html = client.get("/home", follow_redirects=True).get_data(as_text=True)  # buyers: their dashboard
    all_names = {"Angkor Garments", "Mekong Apparel", "Bandung Textiles"}
    assert {n for n in all_names if n in html} == set(sees)
