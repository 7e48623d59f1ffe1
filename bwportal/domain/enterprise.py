"""Operations on a factory's enterprise data (ENT-1)."""

from datetime import UTC, datetime

from sqlalchemy import select

from ..extensions import db
from ..models import BuyerOrganisation
from .errors import Conflict

EDITABLE_FIELDS = (
    "name",
    "address",
    "contact_name",
    "phone",
    "email",
    "ownership_info",
    "male_employees",
    "female_employees",
)


class StaleEdit(Conflict):
    """The factory was saved by someone else since the form was opened."""


def update_enterprise_data(factory, user, data: dict, customer_ids, expected_version: int) -> None:
    """Write the enterprise data; raise StaleEdit if ``expected_version`` is out of date.

    The caller commits. The version column makes a concurrent commit fail too.
    """
    if expected_version != factory.version:
        raise StaleEdit()
    for field in EDITABLE_FIELDS:
        if field in data:
            setattr(factory, field, data[field])
    wanted = set(customer_ids or ())
    if wanted != {c.id for c in factory.customers}:
        factory.customers = list(
            db.session.scalars(select(BuyerOrganisation).where(BuyerOrganisation.id.in_(wanted)))
        )
    factory.updated_at = datetime.now(UTC)
    factory.updated_by_id = user.id
