"""What each role may do, as data. Views ask ``can``; templates ask it through ``can`` too."""

from ..models import Role

# Action names are "<area>.<verb>". Tenancy (which factory) is decided separately by
# domain.tenancy; this table says what a role may do to a factory it can see.
ROLE_ACTIONS: dict[Role, frozenset[str]] = {
    Role.FACTORY: frozenset({"enterprise.view", "enterprise.edit"}),
    Role.EA: frozenset({"enterprise.view"}),
    Role.ASSESSOR: frozenset({"enterprise.view"}),
    Role.BUYER: frozenset({"enterprise.view"}),
    Role.ADMIN: frozenset({"enterprise.view", "enterprise.edit"}),
}


def can(user, action: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    return action in ROLE_ACTIONS.get(user.role, frozenset())
