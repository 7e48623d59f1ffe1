"""Load what a request touches through the tenancy rules; a foreign id is a 404 (TEN-1).

The pages load as the signed-in user; the API (bwportal.api) passes the token's user."""

from flask import abort, g
from flask_login import current_user

from ..domain.policy import can
from ..domain.tenancy import scoped
from ..extensions import db
from ..models import Factory


def load_scoped(model, object_id: int, user=None):
    """The ``model`` row with ``object_id`` if the current user may see it, else 404."""
    obj = db.session.scalar(scoped(model, user or current_user).where(model.id == object_id))
    if obj is None:
        abort(404)
    return obj


def load_owned(factory: Factory, model, object_id: int, user=None):
    """A ``model`` row of this very factory: another factory's row, even one the user may
    see, is a 404 under this factory's URL."""
    obj = load_scoped(model, object_id, user)
    if obj.factory_id != factory.id:
        abort(404)
    return obj


def load_factory(factory_id: int, action: str, user=None) -> Factory:
    """The factory, if visible to the current user (else 404) and ``action`` is allowed (else 403)."""
    factory = load_scoped(Factory, factory_id, user)
    if not can(user or current_user, action):
        abort(403)
    g.factory = factory  # frames the menu
    return factory
