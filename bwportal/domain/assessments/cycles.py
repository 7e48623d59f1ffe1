"""Service cycles and their assessment reports (CYC-1, CYC-2): queries and operations.

A cycle starts with its advisory period (``start_date``), is assessed later
(``assessment_date``, None until recorded) and its report released after that.

Operations add to the session and flush; the caller commits, once.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date, gettext
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import Cluster, CompliancePoint, Cycle, Finding, Role, User
from .. import subscriptions
from ..errors import DomainError
from ..ip import assessor_comments
from ..programmes import catalogues


class CycleNumberTaken(DomainError):
    """The factory already has a cycle with this number."""


@dataclass(frozen=True)
class CycleSummary:
    cycle: Cycle
    findings: int
    publicly_reported: int


def cycles_of(factory_id: int, *options) -> list[Cycle]:
    """The factory's cycles, newest (highest number) first."""
    return list(db.session.scalars(
        select(Cycle).where(Cycle.factory_id == factory_id).order_by(Cycle.number.desc()).options(*options)
    ))


def readable_by(user, cycle: Cycle) -> bool:
    """Whether ``user``, who may see the cycle's factory, reads its assessment report: buyers
    only those of the cycles their subscription covers (PR-9, PUB-1); everyone else all."""
    if user.role is Role.BUYER:
        return subscriptions.buyer_reads_cycle(user, cycle)
    return True


def cycle_summaries(factory_id: int, user=None) -> list[CycleSummary]:
    """The factory's cycles with their findings counted, newest first; for a buyer, only the
    cycles their subscription covers."""
    counts = {
        cycle_id: (total, public or 0)
        for cycle_id, total, public in db.session.execute(
            select(
                Finding.cycle_id,
                func.count(Finding.id),
                func.sum(case((Finding.publicly_reported, 1), else_=0)),
            )
            .where(Finding.factory_id == factory_id)
            .group_by(Finding.cycle_id)
        )
    }
    cycles = cycles_of(factory_id, joinedload(Cycle.lead_assessor))  # the table names each lead assessor
    if user is not None and user.role is Role.BUYER:
        covered = subscriptions.buyer_covered_cycle_ids(user, [factory_id])
        cycles = [c for c in cycles if c.id in covered]
    return [CycleSummary(c, *counts.get(c.id, (0, 0))) for c in cycles]


def next_cycle_number(factory_id: int) -> int:
    last = db.session.scalar(select(func.max(Cycle.number)).where(Cycle.factory_id == factory_id))
    return (last or 0) + 1


def cycle_number_taken(factory_id: int, number: int) -> bool:
    return db.session.scalar(
        select(Cycle.id).where(Cycle.factory_id == factory_id, Cycle.number == number)
    ) is not None


def neighbour_cycles(factory_id: int, number: int) -> tuple[Cycle | None, Cycle | None]:
    """The cycles numbered just before and just after ``number``, if any."""
    before = db.session.scalar(
        select(Cycle).where(Cycle.factory_id == factory_id, Cycle.number < number)
        .order_by(Cycle.number.desc()).limit(1)
    )
    after = db.session.scalar(
        select(Cycle).where(Cycle.factory_id == factory_id, Cycle.number > number)
        .order_by(Cycle.number).limit(1)
    )
    return before, after


def programme_assessors(programme_id: int) -> list[User]:
    """Who may be named lead assessor of a cycle in this programme."""
    return list(db.session.scalars(
        select(User)
        .where(User.role == Role.ASSESSOR, User.programme_id == programme_id, User.active)
        .order_by(User.name)
    ))


def start_problem(factory_id: int, number: int, start: date, assessment_date: date | None = None) -> str | None:
    """Why cycle ``number`` cannot start on ``start`` (assessed on ``assessment_date``, if
    known), or None. Cycles are numbered in the order they run: a cycle starts after the
    previous one was assessed (or started, while it is not assessed), and it is assessed
    before the next one starts (CYC-1)."""
    before, after = neighbour_cycles(factory_id, number)
    if before is not None:
        if before.assessment_date is not None and start <= before.assessment_date:
            return gettext("Cycle %(number)d was assessed on %(date)s; a later cycle must start after that date.",
                           number=before.number, date=format_date(before.assessment_date, "medium"))
        if start <= before.start_date:
            return gettext("Cycle %(number)d started on %(date)s; a later cycle must start after that date.",
                           number=before.number, date=format_date(before.start_date, "medium"))
    if after is not None and max(start, assessment_date or start) >= after.start_date:
        return gettext("Cycle %(number)d started on %(date)s; an earlier cycle must start and be assessed before "
                       "that date.", number=after.number, date=format_date(after.start_date, "medium"))
    return None


def assessment_problem(cycle: Cycle, assessment_date: date) -> str | None:
    """Why ``cycle`` cannot have been assessed on ``assessment_date``, or None: on or after the
    cycle's start, before the next cycle starts, and not after its report's release."""
    if assessment_date < cycle.start_date:
        return gettext("Cycle %(number)d started on %(date)s; its assessment cannot be earlier.",
                       number=cycle.number, date=format_date(cycle.start_date, "medium"))
    _before, after = neighbour_cycles(cycle.factory_id, cycle.number)
    if after is not None and assessment_date >= after.start_date:
        return gettext("Cycle %(number)d started on %(date)s; this cycle must be assessed before that date.",
                       number=after.number, date=format_date(after.start_date, "medium"))
    if cycle.report_release_date is not None and assessment_date > cycle.report_release_date:
        return gettext("The report was released on %(date)s; the assessment cannot be later.",
                       date=format_date(cycle.report_release_date, "medium"))
    return None


class CycleDatesRefused(DomainError):
    """Dates that break the order of a factory's cycles; ``args[0]`` says why."""


class LeadAssessorMissing(CycleDatesRefused):
    """An assessment is recorded with its lead assessor, who comments before the release."""


def record_cycle(factory, number: int, start_date: date, assessment_date: date | None = None,
                 report_release_date: date | None = None, lead_assessor_id: int | None = None) -> Cycle:
    """A new cycle of ``factory``, starting with its advisory period on ``start_date``; its
    assessment may be recorded with it (an earlier cycle entered late) or later
    (``record_assessment``). Raises CycleNumberTaken if the number is used.

    The unique constraint (factory, number) catches a concurrent twin at commit.
    """
    if cycle_number_taken(factory.id, number):
        raise CycleNumberTaken()
    problem = start_problem(factory.id, number, start_date, assessment_date)
    if problem is None and assessment_date is not None and assessment_date < start_date:
        problem = gettext("The assessment cannot be before the start of the cycle.")
    if problem is None and report_release_date is not None and (
            assessment_date is None or report_release_date < assessment_date):
        problem = gettext("The report cannot be released before the assessment date.")
    if problem:
        raise CycleDatesRefused(problem)
    if report_release_date is not None and neighbour_cycles(factory.id, number)[1] is None:
        # The newest report, released with its cycle: its lead assessor has not commented yet
        # (002 §3.4.1); an earlier cycle entered late was released long ago.
        assessor_comments.check_release(factory.id, number, None)
    cycle = Cycle(factory_id=factory.id, number=number, start_date=start_date, assessment_date=assessment_date,
                  report_release_date=report_release_date, lead_assessor_id=lead_assessor_id)
    db.session.add(cycle)
    db.session.flush()
    return cycle


def record_assessment(cycle: Cycle, assessment_date: date, lead_assessor_id: int | None) -> None:
    """The cycle's assessment took place on ``assessment_date`` (CYC-1), led by ``lead_assessor_id``."""
    problem = assessment_problem(cycle, assessment_date)
    if problem:
        raise CycleDatesRefused(problem)
    if lead_assessor_id is None:  # 002 §3.4.1: the lead assessor comments before the release
        raise LeadAssessorMissing(gettext("Please choose the lead assessor of the assessment."))
    cycle.assessment_date = assessment_date
    cycle.lead_assessor_id = lead_assessor_id


def set_release_date(cycle: Cycle, report_release_date: date | None) -> None:
    if report_release_date is not None and (cycle.assessment_date is None
                                            or report_release_date < cycle.assessment_date):
        raise ValueError("the report cannot be released before the assessment")
    if cycle.report_release_date is None and report_release_date is not None:
        # 002 §3.4.1: not before its lead assessor has commented on every open public item
        assessor_comments.check_release(cycle.factory_id, cycle.number, cycle.id)
    cycle.report_release_date = report_release_date


def findings_of(cycle: Cycle) -> list[Finding]:
    """The report's findings in catalogue order (cluster, then compliance point)."""
    return list(db.session.scalars(
        select(Finding)
        .join(Cluster, Cluster.id == Finding.cluster_id)
        .join(CompliancePoint, CompliancePoint.id == Finding.compliance_point_id)
        .where(Finding.cycle_id == cycle.id)
        .order_by(Cluster.position, CompliancePoint.position, Finding.id)
    ))


def finding_count(cycle: Cycle) -> int:
    return db.session.scalar(select(func.count(Finding.id)).where(Finding.cycle_id == cycle.id)) or 0


def active_catalogue(programme_id: int) -> list[tuple[Cluster, list[CompliancePoint]]]:
    """The programme's active clusters, each with its active compliance points, in catalogue order."""
    clusters = catalogues.clusters_of(programme_id)
    points: dict[int, list[CompliancePoint]] = {c.id: [] for c in clusters}
    for point in catalogues.points_of(programme_id):
        if point.cluster_id in points:
            points[point.cluster_id].append(point)
    return [(c, points[c.id]) for c in clusters]


def add_finding(cycle: Cycle, point: CompliancePoint, text: str, publicly_reported: bool) -> Finding:
    """One finding of ``cycle`` on ``point`` (whose cluster it takes), a point of the factory's programme."""
    if point.cluster.programme_id != cycle.factory.programme_id:
        raise ValueError("the compliance point is another programme's")
    finding = Finding(factory_id=cycle.factory_id, cycle_id=cycle.id, cluster_id=point.cluster_id,
                      compliance_point_id=point.id, text=text, publicly_reported=publicly_reported)
    db.session.add(finding)
    db.session.flush()
    return finding


def example_point(programme_id: int, name: str = "Overtime Wages") -> CompliancePoint | None:
    """A compliance point to show in the import template: ``name``, else the first active one."""
    active = select(CompliancePoint).join(Cluster).where(CompliancePoint.active, Cluster.active,
                                                         Cluster.programme_id == programme_id)
    return (db.session.scalar(active.where(CompliancePoint.name == name))
            or db.session.scalar(active.order_by(Cluster.position, CompliancePoint.position).limit(1)))
