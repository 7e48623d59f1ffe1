"""The programme's audit trail: who did what, when, from where."""

from flask import render_template, request
from flask_login import login_required

from ...domain.audit import ACTION_LABELS, AREAS, action_label, events_for
from .common import bp, paginate, require_admin


@bp.get("/audit")
@login_required
def audit():
    programme = require_admin()
    action = request.args.get("action", "")[:60]
    actor = request.args.get("actor", "")[:254]
    page = paginate(events_for(programme.id, action, actor), per_page=50)
    # A filter from an older link (an action prefix such as "user.") stays choosable.
    unlisted = action if action and action not in AREAS and action not in ACTION_LABELS else ""
    return render_template("admin/audit.html", page=page, action=action, actor=actor, areas=AREAS,
                           unlisted=unlisted, action_label=action_label)
