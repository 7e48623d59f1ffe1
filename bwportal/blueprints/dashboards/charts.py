"""The dashboards' charts, from the domain's counts: labels in the page's language, numbers
in its format, bars mirrored right to left."""

from flask_babel import format_percent
from flask_babel import gettext as _

from ...domain.dashboards.figures import STATUS_ORDER, TIMELINESS_ORDER, Counted, month_date, on_time_rate
from ...web.charts import bar_chart, series_for
from ...web.i18n import format_date, format_number, text_direction

TOP_ADVISORS = 15  # the chart shows the advisors with the most; the table lists them all


def _rtl() -> bool:
    return text_direction() == "rtl"


def number(n) -> str:
    return format_number(n or 0)


def percent(value: int | None) -> str:
    return "—" if value is None else format_percent(value / 100)


def month_label(key: str) -> str:
    return format_date(month_date(key), "MMM y")


def cycle_label(number_: int) -> str:
    return _("Cycle %(number)s", number=number_)


def timeliness_series():
    return series_for([(t, t.label) for t in TIMELINESS_ORDER])


def status_series():
    return series_for([(s, s.label) for s in STATUS_ORDER])


def pr1_chart(counted: Counted, label):
    """Stacked PR1s per row (cycle or month) by timeliness, with the on-time rate after each bar."""
    rows = [(label(r), [counted.get(r, t) for t in TIMELINESS_ORDER]) for r in counted.rows]
    return bar_chart(rows, timeliness_series(), stacked=True, rtl=_rtl(), number=number,
                     note=lambda i: percent(on_time_rate(counted, counted.rows[i])))


def stacked_chart(counted: Counted, label, series):
    rows = [(label(r), [counted.get(r, s.key) for s in series]) for r in counted.rows]
    return bar_chart(rows, series, stacked=True, rtl=_rtl(), number=number)


def grouped_chart(rows, series):
    """rows: (label, [value per series])."""
    return bar_chart(rows, series, rtl=_rtl(), number=number)


def buyer_charts(figures) -> dict:
    """The buyer's: non-compliance by cluster (latest assessment and the one before), the
    public findings of the latest assessments, and PR1s on time or late."""
    from ...domain.dashboards.buyer import BEFORE, LATEST

    counted = figures.clusters
    label = lambda name: figures.cluster_labels[name].label if name in figures.cluster_labels else name  # noqa: E731
    public = figures.public
    return {
        "clusters": bar_chart([(label(n), [counted.get(n, LATEST), counted.get(n, BEFORE)]) for n in counted.rows],
                              series_for([(LATEST, _("Latest assessment")), (BEFORE, _("The one before"))]),
                              rtl=_rtl(), number=number),
        "public": bar_chart([(_("Publicly reported findings"), [public.get("total", 0)]),
                             (_("Open"), [public.get("open", 0)]), (_("Responded"), [public.get("responded", 0)]),
                             (_("Verified"), [public.get("verified", 0)])],
                            series_for([("public", "")]), rtl=_rtl(), number=number)
        if public.get("total") else bar_chart([], []),
        "pr1": bar_chart([(t.label, [figures.timeliness.get("pr1", t)]) for t in TIMELINESS_ORDER
                          if figures.timeliness.get("pr1", t)],
                         series_for([("on_time", "")]), rtl=_rtl(), number=number),
        "cluster_label": label,
    }
