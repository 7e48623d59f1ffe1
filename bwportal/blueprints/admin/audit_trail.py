"""The programme's audit trail: who did what, when, from where."""

from flask import render_template, request
from flask_login import login_required

from ...domain.audit import events_for
from .common import bp, paginate, require_admin


@bp.get("/audit")
@login_required
def audit():
    programme = require_admin()
    action = request.args.get("action", "")[:60]
    actor = request.args.get("actor", "")[:254]
    page = paginate(events_for(programme.id, action, actor), per_page=50)
    return render_template("admin/audit.html", page=page, action=action, actor=actor)
