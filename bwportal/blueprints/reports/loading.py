"""Loading a report for the current user: tenancy (404), visibility (buyers: final only)."""

from flask import abort
from flask_login import current_user

from ...domain.reports.deadlines import obligation_of
from ...domain.reports.queries import visible_to
from ...domain.time import today_in
from ...models import ProgressReport, ReportKind
from ..scoping import load_factory, load_owned


def load_report(factory_id: int, report_id: int, action: str = "report.view", user=None):
    factory = load_factory(factory_id, action, user)
    report = load_owned(factory, ProgressReport, report_id, user)
    if not visible_to(user or current_user, report):
        abort(404)
    return factory, report


def due_for(report) -> object:
    """The due date a PR1 page shows: its cycle's, while no PR1 of the cycle is submitted or
    final (PR-3, PR-11); a corrective PR1 of a cycle whose PR1 is final owes nothing."""
    if report.kind is not ReportKind.PR1:
        return None
    return obligation_of(report.cycle, today_in(report.factory.programme.timezone)).owed
