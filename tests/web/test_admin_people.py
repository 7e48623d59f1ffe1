"""Invitations, accounts, account managers (issue 6, people)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bwportal.extensions import db
from bwportal.models import AuditEvent, Invitation, Role, User
from tests import factories as f
from tests.conftest import sign_in
from tests.helpers import translated


def _fresh(user_id):
    db.session.expire_all()
    return db.session.get(User, user_id)


def _invite(client, **data):
    values = {"email": "new.ea@example.com", "name": "Sokha Chan", "role": "ea", "locale": "km"}
    values.update(data)
    return client.post("/admin/invitations/new", data=values)


def test_invitation_end_to_end(login, world, mailbox, client):
    admin = login(world.admin)
    response = _invite(admin)
    assert response.status_code == 302
    [message] = mailbox.messages(to="new.ea@example.com")
    assert message["Content-Language"] == "km"
    # The e-mail is in the invitee's language (Khmer), plain text and HTML.
    assert message["Subject"] == translated("km", "You are invited to the Better Work portal")
    link = mailbox.link(message)
    assert message.get_body(("html",)).get_content().count(link) == 1
    admin.post("/sign-out")

    page = client.get(link)
    assert page.status_code == 200
    assert 'lang="km"' in page.get_data(as_text=True)
    assert 'value="Sokha Chan"' in page.get_data(as_text=True)

    response = client.post(link, data={"name": "Sokha Chan", "locale": "km", "password": "a long enough phrase",
                                       "confirm": "a long enough phrase"})
    assert response.status_code == 302 and "/sign-in" in response.location
    user = db.session.scalar(select(User).filter_by(email="new.ea@example.com"))
    assert user.role is Role.EA and user.programme_id == world.kh.id and user.locale == "km" and user.active
    sign_in(client, user, password="a long enough phrase")
    assert client.get("/home").status_code == 200
    client.post("/sign-out")

    # The link works once.
    again = client.get(link)
    assert again.status_code == 410
    replay = client.post(link, data={"name": "X", "locale": "en", "password": "another long phrase",
                                     "confirm": "another long phrase"})
    assert replay.status_code == 410
    assert db.session.scalar(select(db.func.count()).select_from(User).filter_by(email="new.ea@example.com")) == 1
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.programme_id == world.kh.id)))
    assert {"user.invite", "user.join"} <= actions


def test_expired_link_does_not_work(login, world, mailbox, client):
    _invite(login(world.admin))
    link = mailbox.link(mailbox.messages(to="new.ea@example.com")[0])
    invitation = db.session.scalar(select(Invitation).filter_by(email="new.ea@example.com"))
    invitation.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    client.post("/sign-out")
    response = client.get(link)
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True).lower() or "ផុត" in response.get_data(as_text=True)
    response = client.post(link, data={"name": "X", "locale": "en", "password": "a long enough phrase",
                                       "confirm": "a long enough phrase"})
    assert response.status_code == 410
    assert db.session.scalar(select(User).filter_by(email="new.ea@example.com")) is None


def test_a_new_invitation_replaces_the_old_link_and_unknown_tokens_are_404(login, world, mailbox, client):
    admin = login(world.admin)
    _invite(admin)
    _invite(admin)
    first, second = mailbox.messages(to="new.ea@example.com")
    admin.post("/sign-out")
    assert client.get(mailbox.link(first)).status_code == 410
    assert client.get(mailbox.link(second)).status_code == 200
    assert client.get("/invitation/not-a-token").status_code == 404


def test_weak_password_and_mismatch_keep_the_form(login, world, mailbox, client):
    _invite(login(world.admin), locale="en")
    link = mailbox.link(mailbox.messages(to="new.ea@example.com")[0])
    client.post("/sign-out")
    short = client.post(link, data={"name": "Sokha", "locale": "en", "password": "short", "confirm": "short"})
    assert short.status_code == 422
    assert "at least 10 characters" in short.get_data(as_text=True)
    assert 'value="Sokha"' in short.get_data(as_text=True)
    mismatch = client.post(link, data={"name": "Sokha", "locale": "en", "password": "a long enough phrase",
                                       "confirm": "another phrase"})
    assert mismatch.status_code == 422
    assert "not the same" in mismatch.get_data(as_text=True)
    assert db.session.scalar(select(User).filter_by(email="new.ea@example.com")) is None


def test_invitation_refuses_existing_accounts_and_bad_input(login, world, mailbox):
    admin = login(world.admin)
    taken = _invite(admin, email=world.ea.email.upper())
    assert taken.status_code == 422
    assert "already an account" in taken.get_data(as_text=True)
    bad = _invite(admin, email="not an address", role="nonsense")
    assert bad.status_code == 422
    assert 'value="not an address"' in bad.get_data(as_text=True)
    buyer_without_brand = _invite(admin, role="buyer")
    assert buyer_without_brand.status_code == 422
    assert mailbox.messages() == []


def test_buyer_invitation_belongs_to_the_brand(login, world, mailbox, client):
    _invite(login(world.admin), email="buyer.new@example.com", role="buyer",
            buyer_organisation_id=str(world.brand.id), locale="en")
    link = mailbox.link(mailbox.messages(to="buyer.new@example.com")[0])
    client.post("/sign-out")
    client.post(link, data={"name": "B", "locale": "en", "password": "a long enough phrase",
                            "confirm": "a long enough phrase"})
    user = db.session.scalar(select(User).filter_by(email="buyer.new@example.com"))
    assert user.role is Role.BUYER and user.buyer_organisation_id == world.brand.id


def test_factory_user_invitation_from_the_factory_page(login, world, mailbox, client):
    admin = login(world.admin)
    response = admin.post("/admin/invitations/new", data={
        "factory_id": str(world.angkor.id), "email": "hr@angkor.example", "name": "Dara", "role": "factory",
        "locale": "km", "is_account_manager": "y"})
    assert response.status_code == 302
    invitation = db.session.scalar(select(Invitation).filter_by(email="hr@angkor.example"))
    assert invitation.factory_id == world.angkor.id and invitation.is_account_manager
    # Another programme's factory is not the admin's to invite to.
    foreign = admin.post("/admin/invitations/new", data={
        "factory_id": str(world.bandung.id), "email": "x@bandung.example", "name": "X", "role": "factory",
        "locale": "id"})
    assert foreign.status_code == 404


def test_deactivated_user_cannot_sign_in_and_is_signed_out(login, world, client, app):
    ea_client = app.test_client()
    sign_in(ea_client, world.ea)
    assert ea_client.get(f"/factories/{world.angkor.id}/ip").status_code == 200
    admin = login(world.admin)
    assert admin.post(f"/admin/people/{world.ea.id}/deactivate").status_code == 302
    # The open session ends at once, and the password no longer opens it.
    assert ea_client.get(f"/factories/{world.angkor.id}/ip").status_code == 302
    refused = ea_client.post("/sign-in", data={"email": world.ea.email, "password": f.PASSWORD})
    assert refused.status_code == 401
    # Their records stay theirs: the account is there, only inactive.
    assert _fresh(world.ea.id).active is False
    assert admin.post(f"/admin/people/{world.admin.id}/deactivate").status_code == 302
    assert _fresh(world.admin.id).active, "an admin cannot lock themselves out"
    admin.post(f"/admin/people/{world.ea.id}/reactivate")
    sign_in(ea_client, _fresh(world.ea.id))


def test_people_list_is_the_programmes_and_searchable(login, world):
    admin = login(world.admin)
    page = admin.get("/admin/people?q=ea2").get_data(as_text=True)
    assert world.ea2.email in page and world.ea.email not in page
    everyone = admin.get("/admin/people?status=all").get_data(as_text=True)
    assert world.factory_user.email in everyone and world.factory_id_user.email not in everyone
    by_role = admin.get("/admin/people?role=assessor").get_data(as_text=True)
    assert world.assessor.email in by_role and world.ea.email not in by_role
    assert admin.get(f"/admin/people/{world.factory_id_user.id}").status_code == 404
    assert admin.get("/admin/people?role=bogus&page=abc").status_code == 200


def test_account_manager_keeps_the_factorys_users(login, world, mailbox, client):
    world.factory_user.is_account_manager = True
    db.session.commit()
    manager = login(world.factory_user)
    page = manager.get(f"/factories/{world.angkor.id}/people")
    assert page.status_code == 200 and world.factory_user.email in page.get_data(as_text=True)
    invited = manager.post(f"/factories/{world.angkor.id}/people/invite",
                           data={"email": "qc@angkor.example", "name": "Vanna", "locale": "km"})
    assert invited.status_code == 302
    invitation = db.session.scalar(select(Invitation).filter_by(email="qc@angkor.example"))
    assert invitation.factory_id == world.angkor.id and invitation.role is Role.FACTORY
    colleague = f.make_user(Role.FACTORY, factory=world.angkor, email="colleague@angkor.example")
    db.session.commit()
    assert manager.post(f"/factories/{world.angkor.id}/people/{colleague.id}/deactivate").status_code == 302
    assert _fresh(colleague.id).active is False
    # Another factory's user under this factory's URL is a 404.
    assert manager.post(f"/factories/{world.angkor.id}/people/{world.factory2_user.id}/deactivate").status_code == 404
    assert _fresh(world.factory2_user.id).active


def test_factory_users_who_are_not_account_managers_cannot_manage_people(login, world):
    user = login(world.factory_user)
    assert user.get(f"/factories/{world.angkor.id}/people").status_code == 403
    assert user.post(f"/factories/{world.angkor.id}/people/invite",
                     data={"email": "x@example.com", "name": "X", "locale": "en"}).status_code == 403
    assert "/people" not in user.get(f"/factories/{world.angkor.id}/organization").get_data(as_text=True)


def test_first_admin_of_a_new_programme_from_the_command_line(app, world, mailbox, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["programme", "invite-admin", "--programme", "Indonesia", "--email",
                                 "Lead@Example.org", "--name", "Programme lead"])
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1]
    [message] = mailbox.messages(to="lead@example.org")
    assert message["Content-Language"] == "id"  # the programme's language
    path = mailbox.link(message)
    assert link.endswith(path)
    client.post(path, data={"name": "Lead", "locale": "id", "password": "a long enough phrase",
                            "confirm": "a long enough phrase"})
    user = db.session.scalar(select(User).filter_by(email="lead@example.org"))
    assert user.role is Role.ADMIN and user.programme_id == world.idn.id
    again = runner.invoke(args=["programme", "invite-admin", "--programme", "Indonesia", "--email",
                                "lead@example.org", "--name", "X"])
    assert again.exit_code != 0 and "already an account" in again.output
    assert runner.invoke(args=["programme", "invite-admin", "--programme", "Atlantis", "--email", "a@b.cd",
                               "--name", "X"]).exit_code != 0


def test_opening_a_link_while_signed_in_signs_nobody_out_until_it_is_used(login, world, mailbox):
    admin = login(world.admin)
    _invite(admin, locale="en")
    link = mailbox.link(mailbox.messages(to="new.ea@example.com")[0])
    assert admin.get(link).status_code == 200
    assert admin.get("/admin").status_code == 200, "a GET changes nothing"
    response = admin.post(link, data={"name": "Sokha", "locale": "en", "password": "a long enough phrase",
                                      "confirm": "a long enough phrase"})
    assert response.status_code == 302
    assert admin.get("/admin").status_code == 302, "the browser now belongs to the new account's sign-in"
