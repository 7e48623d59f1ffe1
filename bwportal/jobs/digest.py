"""The buyers' weekly digest (DASH-1): ``weekly_digests`` writes this week's rows (run daily by
``rq cron``; the outbox key makes it once a week), ``send_digest`` is the outbox handler that
renders one buyer's digest in their language from the dashboard's figures and sends it."""

from datetime import UTC, date, datetime

from flask import current_app, url_for
from flask_babel import force_locale

from ..domain.dashboards import digest
from ..domain.dashboards.buyer import BEFORE, LATEST, buyer_figures, buyer_rows
from ..domain.dashboards.figures import TIMELINESS_ORDER
from ..domain.notices.outbox import take_committed
from ..extensions import db
from ..infra.mail import compose, send
from .context import with_app_context
from .notices import _locale, hand_over, row_message_id
from .outbox import relay


@with_app_context
def weekly_digests(now: datetime | None = None) -> int:
    """Write this week's digests not written yet; returns how many were new."""
    written = digest.queue_weekly(now)
    db.session.commit()
    relay(take_committed(db.session()))
    return written


def send_digest(row) -> None:
    user = row.recipient
    if user is None or not digest.wants(user):
        return  # turned off (or gone) since the row was written: nothing to send
    rows = buyer_rows(user)
    figures = buyer_figures(rows)
    locale = _locale(user)
    monday = date.fromisoformat(row.payload.get("monday") or datetime.now(UTC).date().isoformat())
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]), force_locale(locale):
        message = compose("weekly_digest", user.email, locale, user=user, rows=rows, figures=figures,
                          monday=monday, latest=LATEST, before=BEFORE, timeliness=TIMELINESS_ORDER,
                          url=url_for("buyers.dashboard", _external=True), msgid=row_message_id(row))
    hand_over(row)
    send(message)
