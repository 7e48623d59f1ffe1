"""The public Transparency Portal (PUB-3): which factories are listed and what the public sees.

- A factory is listed when it is active and has at least two cycles whose assessment report
  has been released (a release date on or before today): "from the second cycle".
- Its page shows the publicly reported findings of its latest released assessment only,
  with the factory's responses; a newly released report replaces them. A cycle whose report
  is not released yet shows nothing. "Released by today" is on the factory's programme's
  local date (its time zone), not the server's.
- A response's text is public at once, marked as not yet verified by Better Work until an EA
  verifies it; its evidence files are public only once an EA has verified the response
  (PUB-2: photos of workers, payroll data), and only while it is shown on such a page.

``now`` is a moment (a timezone-aware datetime: each programme's local date is taken from
it, or ``local_days(moment)`` to read them once for a page) or, for callers that already chose
one, a date taken as "today" everywhere.

Nothing private leaves this module: it hands out plain data (names, texts, ids), never rows
that a template could follow to addresses, contacts, people or other findings.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from math import ceil

from sqlalchemy import and_, case, func, select

from ...extensions import db
from ...models import Cluster, CompliancePoint, Cycle, EvidenceFile, Factory, Finding, Programme, PublicResponse
from ..time import today_in

PER_PAGE = 25
MIN_RELEASED_CYCLES = 2
MAX_QUERY = 200


@dataclass(frozen=True)
class LocalDays:
    """Today in each programme at one moment (programme id -> its local date)."""

    days: dict[int, date]
    utc: date


def local_days(now: datetime) -> LocalDays:
    """Each programme's local date at ``now``, read once (a page asks several questions)."""
    return LocalDays({pid: today_in(zone, now) for pid, zone in db.session.execute(
        select(Programme.id, Programme.timezone))}, now.astimezone(UTC).date())


def _released(now: date | datetime | LocalDays):
    """The condition "the cycle's report is released by the local today of its factory's
    programme" (Factory joined)."""
    if isinstance(now, datetime):
        now = local_days(now)
    if isinstance(now, LocalDays):
        today = case(now.days, value=Factory.programme_id, else_=now.utc) if now.days else now.utc
    else:
        today = now
    return and_(Cycle.report_release_date.is_not(None), Cycle.report_release_date <= today)


def listed_factory_ids(today: date | datetime | LocalDays):
    """A SELECT of the ids of listed factories."""
    return (
        select(Cycle.factory_id)
        .join(Factory, Factory.id == Cycle.factory_id)
        .where(Factory.active, _released(today))
        .group_by(Cycle.factory_id)
        .having(func.count(Cycle.id) >= MIN_RELEASED_CYCLES)
    )


@dataclass(frozen=True)
class ListedFactory:
    id: int
    name: str
    country: str  # ISO 3166-1 alpha-2
    programme: str


@dataclass(frozen=True)
class SearchResult:
    factories: list[ListedFactory]
    total: int
    page: int
    pages: int


def _listed(today: date):
    return (
        select(Factory.id, Factory.name, Programme.country, Programme.name)
        .join(Programme, Programme.id == Factory.programme_id)
        .where(Factory.id.in_(listed_factory_ids(today)))
    )


def search(today: date, q: str = "", country: str = "", page: int = 1) -> SearchResult:
    """Listed factories whose name contains ``q``, in ``country`` if given, a page at a time."""
    stmt = _listed(today)
    q = (q or "").strip()[:MAX_QUERY]
    if q:
        stmt = stmt.where(Factory.name.icontains(q, autoescape=True))
    if country:
        stmt = stmt.where(Programme.country == country)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, ceil(total / PER_PAGE))
    page = min(max(page, 1), pages)
    rows = db.session.execute(stmt.order_by(Factory.name, Factory.id).limit(PER_PAGE).offset((page - 1) * PER_PAGE))
    return SearchResult([ListedFactory(*row) for row in rows], total, page, pages)


def countries(today: date) -> list[str]:
    """The countries of programmes with listed factories (ISO codes)."""
    return list(db.session.scalars(
        select(Programme.country).join(Factory, Factory.programme_id == Programme.id)
        .where(Factory.id.in_(listed_factory_ids(today))).distinct().order_by(Programme.country)
    ))


def listed_factory(factory_id: int, today: date) -> ListedFactory | None:
    row = db.session.execute(_listed(today).where(Factory.id == factory_id)).first()
    return ListedFactory(*row) if row else None


def latest_released_cycle(factory_id: int, today: date | datetime | LocalDays) -> Cycle | None:
    return db.session.scalar(
        select(Cycle).join(Factory, Factory.id == Cycle.factory_id)
        .where(Cycle.factory_id == factory_id, _released(today)).order_by(Cycle.number.desc()).limit(1)
    )


@dataclass(frozen=True)
class PublicFile:
    id: int
    name: str
    is_pdf: bool


@dataclass(frozen=True)
class PublicFinding:
    cluster: str
    compliance_point: str
    text: str
    response_text: str
    verified: bool
    files: list[PublicFile] = field(default_factory=list)


@dataclass(frozen=True)
class FactoryPage:
    factory: ListedFactory
    report_release_date: date
    findings: list[PublicFinding]
    # When what the page shows last changed: its report's release, or a response's last edit
    # or verification (the open data's Last-Modified).
    changed_at: datetime | None = None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def _public_findings(cycles) -> dict[int, tuple[list[PublicFinding], datetime]]:
    """What the public sees of these cycles' publicly reported findings, by cycle id, in
    catalogue order, with when it last changed: in two queries (the evidence files come with
    their responses)."""
    found: dict[int, list[PublicFinding]] = {cycle.id: [] for cycle in cycles}
    changed = {cycle.id: datetime.combine(cycle.report_release_date, time.min, tzinfo=UTC) for cycle in cycles}
    if not found:
        return {}
    rows = db.session.execute(
        select(Finding, PublicResponse)
        .join(Cluster, Cluster.id == Finding.cluster_id)
        .join(CompliancePoint, CompliancePoint.id == Finding.compliance_point_id)
        .join(Cycle, Cycle.id == Finding.cycle_id)
        .outerjoin(PublicResponse, PublicResponse.finding_id == Finding.id)
        .where(Finding.cycle_id.in_(list(found)), Finding.factory_id == Cycle.factory_id, Finding.publicly_reported)
        .order_by(Cluster.position, CompliancePoint.position, Finding.id)
    ).all()
    for finding, response in rows:
        text = (response.text or "").strip() if response else ""
        verified = bool(response and text and response.verified)
        for at in ([response.updated_at, response.verified_at] if response and text else []):
            if at is not None:
                changed[finding.cycle_id] = max(changed[finding.cycle_id], _aware(at))
        found[finding.cycle_id].append(PublicFinding(
            cluster=finding.cluster.label,
            compliance_point=finding.compliance_point.label,
            text=finding.text,
            response_text=text,
            verified=verified,
            # PUB-2: files only once Better Work verified the response (workers' privacy).
            files=[PublicFile(f.id, f.original_name, f.content_type == "application/pdf")
                   for f in response.files] if verified else [],
        ))
    return {cycle_id: (findings, changed[cycle_id]) for cycle_id, findings in found.items()}


def factory_page(factory_id: int, today: date) -> FactoryPage | None:
    """What the public sees of a listed factory; None if it is not listed."""
    factory = listed_factory(factory_id, today)
    if factory is None:
        return None
    cycle = latest_released_cycle(factory_id, today)
    return FactoryPage(factory, cycle.report_release_date, *_public_findings([cycle])[cycle.id])


def listed_pages(today: date, programme_id: int | None = None) -> list[FactoryPage]:
    """Every listed factory's page (of one programme, if given), by name: the open data of
    the Transparency Portal, in four queries whatever the number of factories."""
    stmt = _listed(today)
    if programme_id is not None:
        stmt = stmt.where(Factory.programme_id == programme_id)
    factories = [ListedFactory(*row) for row in db.session.execute(stmt.order_by(Factory.name, Factory.id))]
    if not factories:
        return []
    latest = (select(Cycle.factory_id, func.max(Cycle.number).label("number"))
              .join(Factory, Factory.id == Cycle.factory_id)
              .where(Cycle.factory_id.in_([f.id for f in factories]), _released(today))
              .group_by(Cycle.factory_id).subquery())
    cycles = {cycle.factory_id: cycle for cycle in db.session.scalars(
        select(Cycle).join(latest, and_(latest.c.factory_id == Cycle.factory_id, latest.c.number == Cycle.number)))}
    findings = _public_findings(cycles.values())
    return [FactoryPage(f, cycles[f.id].report_release_date, *findings[cycles[f.id].id]) for f in factories]


def public_file(file_id: int, today: date) -> EvidenceFile | None:
    """The evidence file if it is shown on a transparency page (a response verified by an EA
    to a publicly reported finding of the latest released assessment of a listed factory);
    else None."""
    evidence = db.session.get(EvidenceFile, file_id)
    if evidence is None:
        return None
    response = evidence.response
    finding = response.finding if response is not None else None
    if finding is None or not finding.publicly_reported or not (response.text or "").strip():
        return None
    if not response.verified:  # PUB-2: nothing an EA has not looked at
        return None
    if evidence.factory_id != finding.factory_id or response.factory_id != finding.factory_id:
        return None
    if listed_factory(finding.factory_id, today) is None:
        return None
    latest = latest_released_cycle(finding.factory_id, today)
    if latest is None or finding.cycle_id != latest.id:
        return None
    return evidence
