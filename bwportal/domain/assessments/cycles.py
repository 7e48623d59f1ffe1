"""Service cycles and their assessment reports (CYC-1, CYC-2): queries and operations.

Operations add to the session and flush; the caller commits, once.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import Cluster, CompliancePoint, Cycle, Finding, Role, User
from ..errors import DomainError
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


def cycle_summaries(factory_id: int) -> list[CycleSummary]:
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


def record_cycle(factory, number: int, assessment_date: date, report_release_date: date | None,
                 lead_assessor_id: int | None) -> Cycle:
    """A new cycle of ``factory``; raises CycleNumberTaken if the number is used.

    The unique constraint (factory, number) catches a concurrent twin at commit.
    """
    if cycle_number_taken(factory.id, number):
        raise CycleNumberTaken()
    cycle = Cycle(factory_id=factory.id, number=number, assessment_date=assessment_date,
                  report_release_date=report_release_date, lead_assessor_id=lead_assessor_id)
    db.session.add(cycle)
    db.session.flush()
    return cycle


def set_release_date(cycle: Cycle, report_release_date: date | None) -> None:
    if report_release_date is not None and report_release_date < cycle.assessment_date:
        raise ValueError("the report cannot be released before the assessment")
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
