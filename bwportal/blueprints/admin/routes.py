"""Administration of a country programme (ROLE-5, TEN-2): settings, factories and their
advisors, people and invitations, buyers and subscriptions, the audit trail. Each page
lives in its own module; they all hang on one blueprint."""

from . import audit_trail, factories, people, settings, subscriptions  # noqa: E402,F401  (routes on bp)
from .common import bp

__all__ = ["bp"]
