"""What the service worker may keep (issue 19 item 6): a signed-in factory user's pages name
them with an opaque id (BW-Offline-User, and data-offline-user for app.js), different for each
user and after "sign out everywhere"; signed-out pages, other roles and non-GET answers carry
none, so the worker keeps nothing of them. /sw.js is served for the scope /."""

from bwportal.extensions import db
from bwportal.models import Role
from tests import factories as f

from .test_reports import HX, base, create

HEADER = "BW-Offline-User"


def test_only_a_factory_users_pages_name_them(login, world, cycle, client):
    mine = login(world.factory_user).get("/home")
    marker = mine.headers.get(HEADER)
    assert marker and len(marker) == 24 and str(world.factory_user.id) != marker
    assert f'data-offline-user="{marker}"' in mine.get_data(as_text=True)

    colleague = f.make_user(Role.FACTORY, factory=world.angkor, email="colleague@example.com")
    db.session.commit()
    assert login(colleague).get("/home").headers.get(HEADER) not in (None, marker)

    ea_page = login(world.ea).get("/home")
    assert HEADER not in ea_page.headers and "data-offline-user" not in ea_page.get_data(as_text=True)

    # Nor signed-out pages, nor saves (non-GET).
    signed_out = client.get("/sign-in")
    assert HEADER not in signed_out.headers and "data-offline-user" not in signed_out.get_data(as_text=True)
    factory = login(world.factory_user)
    report, _loc = create(factory, world, cycle)
    saved = factory.post(f"{base(world)}/{report.id}/feedback", headers=HX, data={"feedback": "x"})
    assert saved.status_code == 200 and HEADER not in saved.headers


def test_a_new_session_version_gives_a_new_id(login, world, cycle):
    before = login(world.factory_user).get("/home").headers[HEADER]
    world.factory_user.session_version += 1  # "sign out everywhere", a new password
    db.session.commit()
    assert login(world.factory_user).get("/home").headers[HEADER] != before


def test_the_service_worker_is_served_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response.headers["Cache-Control"]
    assert "BW-Offline-User" in response.get_data(as_text=True)
