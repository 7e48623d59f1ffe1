"""Which factories a dashboard counts: those ``domain.tenancy`` lets the user see, active."""

from sqlalchemy import Select, select

from ...models import Factory
from ..tenancy import visible_factory_ids


def active_factory_ids(user) -> Select:
    """A SELECT of the ids of the active factories ``user`` may see; use it in ``IN (...)``."""
    return select(Factory.id).where(Factory.id.in_(visible_factory_ids(user)), Factory.active)
