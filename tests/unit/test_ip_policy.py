"""IP-2 and IP-3: the field-ownership table of seed 002, exhaustively, and who sets which status."""

import pytest

from bwportal.domain.policy import IP_FIELD_OWNERS, ip_field_writable, ip_status_settable
from bwportal.models import IPStatus, Origin, Role


class FakeUser:
    is_authenticated = True
    active = True

    def __init__(self, role):
        self.role = role


# Seed 002, "Who is responsible for entering data to the system?", written out again here
# on purpose: the policy module must match this, not itself.
SEED_002 = {
    #                          assessment findings   additional findings (advisory)
    "area_of_improvement":    ("Better Work",        "Factory"),
    "cluster_id":             ("Better Work",        "Factory"),
    "compliance_point_id":    ("Better Work",        "Factory"),
    "root_cause_id":          ("Factory",            "Factory"),
    "root_cause_description": ("Factory",            "Factory"),
    "actions_needed":         ("Factory",            "Factory"),
    "lead_person":            ("Factory",            "Factory"),
    "additional_persons":     ("Factory",            "Factory"),
    "target_date":            ("Factory",            "Factory"),
    "progress":               ("Factory",            "Factory"),
    "no_progress":            ("Factory",            "Factory"),
    "status":                 ("Both",               "Both"),
    "key_work_ahead":         ("Better Work",        "Better Work"),
    "completion_date":        ("Better Work",        "Better Work"),
}
WRITERS = {"Better Work": {Role.EA}, "Factory": {Role.FACTORY}, "Both": {Role.EA, Role.FACTORY}}


def test_policy_covers_exactly_the_fields_of_the_table():
    assert set(IP_FIELD_OWNERS) == set(SEED_002)


CASES = [
    (field, origin, role)
    for field in SEED_002
    for origin in Origin
    for role in Role
]


@pytest.mark.parametrize("field, origin, role", CASES, ids=[f"{f}-{o.value}-{r.value}" for f, o, r in CASES])
def test_every_field_by_origin_and_role(field, origin, role):
    owner = SEED_002[field][0 if origin is Origin.ASSESSMENT else 1]
    expected = role in WRITERS[owner]
    assert ip_field_writable(FakeUser(role), field, origin) is expected


def test_inactive_user_writes_nothing():
    user = FakeUser(Role.FACTORY)
    user.active = False
    assert not any(ip_field_writable(user, f, Origin.ADVISORY) for f in SEED_002)


@pytest.mark.parametrize("role, status, allowed", [
    (Role.FACTORY, IPStatus.PENDING, True),
    (Role.FACTORY, IPStatus.IN_PROGRESS, True),
    (Role.FACTORY, IPStatus.DELAYED, False),
    (Role.FACTORY, IPStatus.COMPLETED, False),
    (Role.EA, IPStatus.PENDING, True),
    (Role.EA, IPStatus.IN_PROGRESS, True),
    (Role.EA, IPStatus.DELAYED, False),  # only the daily job sets Delayed
    (Role.EA, IPStatus.COMPLETED, False),  # only through verification, with its checks
    *[(role, status, False) for role in (Role.BUYER, Role.ASSESSOR, Role.ADMIN) for status in IPStatus],
])
def test_status_choices_by_role(role, status, allowed):
    assert ip_status_settable(FakeUser(role), status) is allowed
