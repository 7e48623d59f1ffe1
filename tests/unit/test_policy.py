"""Actions per role (domain.policy)."""

import pytest

from bwportal.domain.policy import ROLE_ACTIONS, can
from bwportal.models import Role


class FakeUser:
    is_authenticated = True

    def __init__(self, role, active=True):
        self.role, self.active = role, active


@pytest.mark.parametrize(
    "role, action, allowed",
    [
        (Role.FACTORY, "enterprise.edit", True),
        (Role.ADMIN, "enterprise.edit", True),
        (Role.EA, "enterprise.edit", False),
        (Role.BUYER, "enterprise.edit", False),
        (Role.ASSESSOR, "enterprise.edit", False),
        *[(role, "enterprise.view", True) for role in Role],
        *[(role, "no.such-action", False) for role in Role],
    ],
)
def test_role_action_table(role, action, allowed):
    assert can(FakeUser(role), action) is allowed


def test_every_role_has_an_entry():
    assert set(ROLE_ACTIONS) == set(Role)


def test_inactive_or_anonymous_may_do_nothing():
    assert not can(FakeUser(Role.ADMIN, active=False), "enterprise.view")
    assert not can(None, "enterprise.view")
