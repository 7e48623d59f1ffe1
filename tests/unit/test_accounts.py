"""Sign-in rules: argon2, rehash, no enumeration, deactivated accounts."""

from argon2 import PasswordHasher

from bwportal.domain.people import accounts
from bwportal.domain.people.accounts import authenticate
from tests.factories import PASSWORD


def test_right_password_signs_in_and_stamps_the_time(world):
    user = authenticate("FACTORY@example.com ", PASSWORD)
    assert user is world.factory_user
    assert user.last_sign_in_at is not None


def test_wrong_password_unknown_email_and_deactivated_all_fail_alike(world):
    world.ea.active = False
    assert authenticate("factory@example.com", "wrong") is None
    assert authenticate("nobody@example.com", PASSWORD) is None
    assert authenticate("ea@example.com", PASSWORD) is None
    assert authenticate("", "") is None


def test_hash_is_argon2id(world):
    assert world.factory_user.password_hash.startswith("$argon2id$")


def test_outdated_hash_is_upgraded_on_sign_in(world, monkeypatch):
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    world.factory_user.password_hash = weak.hash(PASSWORD)
    old = world.factory_user.password_hash
    user = authenticate("factory@example.com", PASSWORD)
    assert user.password_hash != old
    assert not accounts._hasher.check_needs_rehash(user.password_hash)
    assert authenticate("factory@example.com", PASSWORD) is user
