"""Who reads which reports, and the lists of reports the pages show."""

from sqlalchemy import Select, select, true
from sqlalchemy.orm import defer

from ...extensions import db
from ...models import ProgressReport, ReportKind, ReportStatus, ReportTransition, Role
from .. import subscriptions

D, S, A = ReportStatus.DRAFT, ReportStatus.SUBMITTED, ReportStatus.APPROVED


def visible_to(user, report: ProgressReport) -> bool:
    """Buyers read final reports only (PR-9), of the cycles their subscription covers; the
    factory reads the EA's PR2 once it is final."""
    if user.role is Role.BUYER:
        return report.status is A and subscriptions.buyer_reads_cycle(user, report.cycle)
    if report.status is A:
        return True
    return not (user.role is Role.FACTORY and report.kind is ReportKind.PR2)


# A list of reports shows their kind, dates and state: not each one's frozen copy of the whole
# report (the snapshot, tens of KB of JSON for a final one), read when a report is opened.
LIST_OF_REPORTS = defer(ProgressReport.snapshot)


def visible_condition(user, factory_ids):
    """SQL condition on ProgressReport: the reports of these factories that ``user`` reads
    (the rule of ``visible_to``, for lists: the pages, the API and its change feed)."""
    if user.role is Role.BUYER:
        covered = subscriptions.buyer_covered_cycle_ids(user, factory_ids)
        return (ProgressReport.status == A) & ProgressReport.cycle_id.in_(covered)
    if user.role is Role.FACTORY:
        return (ProgressReport.kind == ReportKind.PR1) | (ProgressReport.status == A)
    return true()


def reports_of(factory_id: int, user) -> list[ProgressReport]:
    stmt = select(ProgressReport).where(ProgressReport.factory_id == factory_id,
                                        visible_condition(user, [factory_id]))
    return list(db.session.scalars(stmt.order_by(ProgressReport.created_at.desc(), ProgressReport.id.desc())
                                   .options(LIST_OF_REPORTS)))


def awaiting_review(factory_ids) -> list[ProgressReport]:
    return list(db.session.scalars(awaiting_review_query(factory_ids)))


def awaiting_review_query(factory_ids) -> Select:
    """The EA's inbox: PR1s submitted by their factories, oldest first."""
    return (select(ProgressReport).where(ProgressReport.factory_id.in_(factory_ids), ProgressReport.status == S)
            .order_by(ProgressReport.submitted_at, ProgressReport.id).options(LIST_OF_REPORTS))


def transitions_of(report: ProgressReport) -> list[ReportTransition]:
    return list(db.session.scalars(select(ReportTransition).where(ReportTransition.report_id == report.id)
                                   .order_by(ReportTransition.id)))


def sent_back_reasons(reports) -> dict[int, ReportTransition]:
    """report id -> the EA's send-back, for those of ``reports`` that are drafts sent back
    and not submitted since ("Sent back", with the EA's reason), in one query."""
    drafts = [r.id for r in reports if r is not None and r.status is D]
    if not drafts:
        return {}
    latest = {}
    for step in db.session.scalars(select(ReportTransition).where(ReportTransition.report_id.in_(drafts))
                                   .order_by(ReportTransition.id)):
        latest[step.report_id] = step
    return {report_id: step for report_id, step in latest.items() if step.action == "send_back"}


def in_progress(factory_id: int, kind: ReportKind) -> list[ProgressReport]:
    """The factory's reports of ``kind`` in progress (draft or submitted), newest cycle first."""
    return list(db.session.scalars(select(ProgressReport).where(
        ProgressReport.factory_id == factory_id, ProgressReport.kind == kind, ProgressReport.status != A)
        .order_by(ProgressReport.cycle_id.desc()).options(LIST_OF_REPORTS)))
