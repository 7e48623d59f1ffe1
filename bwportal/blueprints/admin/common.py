"""What every administration page shares: the blueprint, the admin check and paging."""

from flask import Blueprint, abort, request
from flask_login import current_user

from ...domain.policy import can
from ...extensions import db
from ...forms.fields import db_int
from ..scoping import load_factory

bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 25


def require_admin():
    """The programme the current admin runs; anyone else gets 403."""
    if not can(current_user, "admin.manage"):
        abort(403)
    return current_user.programme


def admin_factory(factory_id: int):
    """A factory of the admin's own programme (another programme's is a 404)."""
    return load_factory(factory_id, "admin.manage")


def paginate(query, per_page: int = PER_PAGE):
    """One page of ``query``; ?page= beyond the end shows an empty page, not an error."""
    return db.paginate(query, page=request.args.get("page", 1, type=db_int), per_page=per_page,
                       error_out=False, max_per_page=100)
