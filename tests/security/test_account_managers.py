"""Account managers and invitations (issue 17 item 8; ROLE-5, AUTH-1): an invitation answers
the same whatever exists elsewhere, touches only the inviter's own invitations, and the people
of a deactivated factory cannot sign in."""

from sqlalchemy import select

from bwportal.domain.people import management as people
from bwportal.extensions import db
from bwportal.models import Invitation, Role
from tests import factories as f
from tests.conftest import sign_in


def _manager(world, login):
    world.factory_user.is_account_manager = True
    db.session.commit()
    return login(world.factory_user)


def _invite(manager, world, email):
    return manager.post(f"/factories/{world.angkor.id}/people/invite",
                        data={"email": email, "name": "Someone", "locale": "en"}, follow_redirects=True)


def test_inviting_answers_the_same_whatever_exists_elsewhere(login, world, mailbox):
    """An account of another factory (Bandung, Indonesia) or of a programme's staff answers
    exactly as an address nobody uses: no enumeration of accounts."""
    manager = _manager(world, login)
    unknown = _invite(manager, world, "nobody@example.com")
    elsewhere = _invite(manager, world, world.factory_id_user.email)
    staff = _invite(manager, world, world.admin_id.email)
    assert unknown.status_code == elsewhere.status_code == staff.status_code == 200
    for response, email in ((unknown, "nobody@example.com"), (elsewhere, world.factory_id_user.email),
                            (staff, world.admin_id.email)):
        page = response.get_data(as_text=True)
        assert "already an account" not in page
        assert f"Invitation sent to {email}" in page
    # An account of the manager's own factory is one the manager sees anyway: that is said.
    colleague = f.make_user(Role.FACTORY, factory=world.angkor, email="colleague@angkor.example")
    db.session.commit()
    own = manager.post(f"/factories/{world.angkor.id}/people/invite",
                       data={"email": colleague.email, "name": "C", "locale": "en"})
    assert own.status_code == 422 and "already an account" in own.get_data(as_text=True)


def test_an_invitation_leaves_other_factories_and_admins_invitations_alone(login, world, mailbox):
    """An admin's EA invitation of an address stays valid when a factory invites it too."""
    admin = login(world.admin)
    admin.post("/admin/invitations/new", data={"email": "shared@example.com", "name": "S", "role": "ea",
                                               "locale": "en"})
    [admins] = db.session.scalars(select(Invitation).filter_by(email="shared@example.com"))
    manager = _manager(world, login)
    _invite(manager, world, "shared@example.com")
    _invite(manager, world, "shared@example.com")  # again: this replaces the factory's own
    db.session.expire_all()
    rows = list(db.session.scalars(select(Invitation).filter_by(email="shared@example.com")
                                   .order_by(Invitation.id)))
    assert people.invitation_state(rows[0]) == "valid" and rows[0].id == admins.id
    assert [people.invitation_state(r) for r in rows[1:]] == ["revoked", "valid"]


def test_people_of_a_deactivated_factory_cannot_sign_in(app, client, login, world):
    session = app.test_client()
    sign_in(session, world.factory_user)
    world.angkor.active = False
    db.session.commit()
    # The open session ends, and the password no longer signs in.
    assert session.get("/account").status_code == 302
    refused = client.post("/sign-in", data={"email": world.factory_user.email, "password": f.PASSWORD})
    assert refused.status_code == 401
    world.angkor.active = True
    db.session.commit()
    sign_in(client, world.factory_user)
