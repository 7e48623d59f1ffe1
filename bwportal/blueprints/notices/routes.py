"""A user's notices in the portal: what was e-mailed to them, newest first."""

from flask import Blueprint, render_template, request
from flask_babel import get_locale
from flask_login import current_user, login_required

from ...domain.notices.outbox import notices_for
from ...extensions import db
from ...forms.fields import db_int
from ...jobs.notices import render

bp = Blueprint("notices", __name__)


@bp.get("/notices")
@login_required
def index():
    page = db.paginate(notices_for(current_user.id), page=request.args.get("page", 1, type=db_int), per_page=25,
                       error_out=False)
    locale = str(get_locale())
    return render_template("notices/index.html", page=page, notices=[(row, render(row, locale)) for row in page.items])
