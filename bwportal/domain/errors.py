"""The one root of every refusal the domain raises.

A rule that refuses an operation raises a ``DomainError`` (or a subclass) with a message for
the user; the unit of work (``bwportal.web.unit_of_work``) rolls the transaction back and the
page shows the message with the error's status: 422 for input a rule refuses, 409 when the
thing changed since the user saw it (a second click, a colleague's action), 403 for an action
the account may not take.
"""

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


class DomainError(Exception):
    """A refused operation; ``message`` says why, in words for the user (a lazy gettext string)."""

    status = 422

    def __init__(self, *args):
        super().__init__(*args)
        first = args[0] if args else None
        self.message = first if isinstance(first, str | LazyString) else _l("This cannot be done now.")


class Conflict(DomainError):
    """The state changed since the user saw it: the action was applied already, or another one won."""

    status = 409


class NotAllowed(DomainError):
    """This account may not do this."""

    status = 403
