"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from .assignment import EAAssignment
from .buyer import BuyerOrganisation, Subscription, SubscriptionStatus
from .factory import Factory, FactoryCustomer
from .programme import Programme
from .user import Role, User

__all__ = [
    "BuyerOrganisation",
    "EAAssignment",
    "Factory",
    "FactoryCustomer",
    "Programme",
    "Role",
    "Subscription",
    "SubscriptionStatus",
    "User",
]
