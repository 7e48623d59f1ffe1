"""Personal access tokens for the read API (API-1) on /account: made with a name and a
lifetime, shown once, kept only as a hash, revoked by their owner, and revoked with the
account's sessions (sign out everywhere, a new password, deactivation)."""

import re

from bwportal.domain.people import api_tokens, passwords
from bwportal.domain.people import management as people
from bwportal.extensions import db
from bwportal.models import ApiToken, AuditEvent
from tests import factories as f

ME = "/api/v1/me"


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def test_a_token_is_made_on_the_account_page_and_shown_once(client, login, world):
    client = login(world.buyer)
    made = client.post("/account/tokens", data={"name": "Supplier system", "days": "30"})
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    secret = re.search(r'value="(bwp_[^"]+)"', made.get_data(as_text=True))[1]
    assert client.get(ME, headers=bearer(secret)).get_json()["token"]["name"] == "Supplier system"
    again = client.get("/account").get_data(as_text=True)
    assert secret not in again and secret[:12] in again and "Supplier system" in again  # shown once; named after
    row = db.session.scalar(db.select(ApiToken))
    assert row.token_hash == api_tokens.token_hash(secret) and secret not in (row.token_hash, row.prefix)
    assert (row.expires_at.replace(tzinfo=None) - row.created_at.replace(tzinfo=None)).days == 30
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="api.token_create")).actor_id == world.buyer.id


def test_a_token_needs_a_name_and_a_listed_lifetime(client, login, world):
    client = login(world.buyer)
    for data in ({"name": "", "days": "30"}, {"name": "ERP", "days": "7"}):
        refused = client.post("/account/tokens", data=data)
        assert refused.status_code == 422 and "bwp_" not in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(ApiToken.id))) == 0


def test_the_owner_revokes_a_token_and_nobody_else_can(client, login, world):
    token, secret = f.make_api_token(world.buyer)
    db.session.commit()
    other = login(world.other_buyer)
    assert other.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert client.get(ME, headers=bearer(secret)).status_code == 200
    owner = login(world.buyer)
    assert owner.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    assert client.get(ME, headers=bearer(secret)).status_code == 401
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="api.token_revoke")) is not None


def test_tokens_die_with_the_accounts_sessions(client, world):
    """Sign out everywhere, a new password and deactivation each revoke every token."""
    cases = {
        "sign out everywhere": lambda user: passwords.sign_out_everywhere(user),
        "new password": lambda user: passwords.change_password(user, current=f.PASSWORD, new="a new long password"),
        "deactivated": lambda user: people.set_active(world.admin, user, False),
    }
    for label, end in cases.items():
        user = f.make_user(world.ea.role, programme=world.kh, email=f"{label.replace(' ', '-')}@example.com")
        _token, secret = f.make_api_token(user)
        db.session.commit()
        assert client.get(ME, headers=bearer(secret)).status_code == 200, label
        end(user)
        db.session.commit()
        assert client.get(ME, headers=bearer(secret)).status_code == 401, label
        if label == "deactivated":
            people.set_active(world.admin, user, True)  # reactivation brings no token back
            db.session.commit()
            assert client.get(ME, headers=bearer(secret)).status_code == 401
