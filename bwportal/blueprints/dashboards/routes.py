"""Dashboards (DASH-1): the programme manager's, the Enterprise Advisor's and a factory's
(the buyer's is in blueprints/buyers). GET forms put the filters in the URL, so a view can be
bookmarked and shared; figures come from domain.dashboards."""

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...domain.dashboards import figures
from ...domain.dashboards.advisor import advisor_dashboard
from ...domain.dashboards.factory import factory_dashboard
from ...domain.dashboards.programme import WAITS, programme_dashboard
from ...domain.policy import can
from ...web.charts import series_for
from ..scoping import load_factory
from . import charts

bp = Blueprint("dashboards", __name__)


def _filters(programme_ids):
    clusters = figures.clusters_of(programme_ids)
    return figures.parse_filters(request.args, clusters), clusters


@bp.get("/dashboards/programme")
@login_required
def programme():
    if not can(current_user, "dashboard.programme"):
        abort(403)
    filters, _clusters = _filters([current_user.programme_id])
    board = programme_dashboard(current_user, filters)
    cluster_name = lambda cluster_id: board.clusters[cluster_id].label if cluster_id else _("No cluster")  # noqa: E731
    top = sorted(board.advisors, key=lambda a: (-(a.delayed + a.verification_overdue), a.name))[:charts.TOP_ADVISORS]
    top = [a for a in top if a.delayed or a.verification_overdue]
    advisor_series = series_for([("delayed", _("Delayed")), ("overdue", _("Verification past due"))])
    drawn = {
        "pr1_cycle": charts.pr1_chart(board.pr1_by_cycle, charts.cycle_label),
        "pr1_month": charts.pr1_chart(board.pr1_by_month, charts.month_label),
        "waiting": charts.grouped_chart([(str(label), [board.waiting_review.get(key, "reports")])
                                         for key, label, _days in WAITS], series_for([("waiting", "")])),
        "items": charts.stacked_chart(board.items, cluster_name, charts.status_series()),
        "advisors": charts.grouped_chart([(a.name, [a.delayed, a.verification_overdue]) for a in top],
                                         advisor_series),
    }
    return render_template("dashboards/programme.html", board=board, charts=drawn, top=top, waits=WAITS,
                           cluster_name=cluster_name, **_shared(board.filters))


@bp.get("/dashboards/advisor")
@login_required
def advisor():
    if not can(current_user, "dashboard.advisor"):
        abort(403)
    filters, clusters = _filters([current_user.programme_id])
    board = advisor_dashboard(current_user, filters)
    busy = sorted((r for r in board.rows if r.waiting or r.delayed),
                  key=lambda r: (-(r.waiting + r.delayed), r.factory.name))[:charts.TOP_ADVISORS]
    series = series_for([("waiting", _("Waiting for verification")), ("delayed", _("Delayed"))])
    drawn = {"factories": charts.grouped_chart([(r.factory.name, [r.waiting, r.delayed]) for r in busy], series)}
    return render_template("dashboards/advisor.html", board=board, charts=drawn, busy=busy, clusters=clusters,
                           **_shared(filters))


@bp.get("/factories/<int:factory_id>/dashboard")
@login_required
def factory(factory_id: int):
    factory_ = load_factory(factory_id, "dashboard.factory")
    filters, _clusters = _filters([factory_.programme_id])
    board = factory_dashboard(factory_, filters)
    cycle_series = series_for([(n, charts.cycle_label(n)) for n in board.findings.columns])
    drawn = {
        "findings": charts.grouped_chart([(board.clusters[c].label, [board.findings.get(c, n)
                                                                      for n in board.findings.columns])
                                          for c in board.findings.rows], cycle_series),
        "completed": charts.grouped_chart([(charts.month_label(m), [board.completed.get(m, "completed")])
                                           for m in board.completed.rows], series_for([("completed", "")])),
    }
    return render_template("dashboards/factory.html", factory=factory_, board=board, charts=drawn,
                           cycle_series=cycle_series, **_shared(filters))


def _shared(filters) -> dict:
    return {"filters": filters, "periods": figures.PERIODS, "number": charts.number, "percent": charts.percent,
            "pr1_rate": lambda counted, row: charts.percent(figures.on_time_rate(counted, row)),
            "month_label": charts.month_label, "cycle_label": charts.cycle_label,
            "refused_message": figures.UNKNOWN_FILTER if filters.refused else None}
