"""What a report holds when it is submitted (PR-8): enterprise data, the sections, and the
annexes, as plain data. The submitted and final report always show this, while the online
IP goes on changing. Catalogue names are kept as they were, with the programme's own wording
of them in each language, and so are the programme's committee name and its wording of the
questions (hidden ones included): later catalogue or question edits never rewrite a
submitted report, in any language."""

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask_babel import gettext
from sqlalchemy import select

from ...extensions import db
from ...models import AdvisoryVisit, Finding, IPItem
from ..annexes.committee import meetings_annex, members_annex
from ..annexes.training import training_annex
from ..public.issues import public_annex
from ..time import factory_today
from .counts import overview_counts


def _iso(value):
    return value.isoformat() if value is not None else None


def _name(row):
    return row.name if row is not None else None


def _translations(**rows) -> dict:
    """{key: the programme's own wording of that catalogue row by locale}, for the rows that have one."""
    return {key: dict(row.name_translations) for key, row in rows.items()
            if row is not None and row.name_translations}


def label(entry: dict, key: str, locale: str | None) -> str:
    """A catalogue name kept in a snapshot, in ``locale``: the programme's own wording as it
    was then, else the portal's translation of the name as it was then."""
    name = entry.get(key)
    if not name:
        return ""
    own = ((entry.get("translations") or {}).get(key) or {}).get(locale or "")
    return own or gettext(name)


def enterprise(factory) -> dict:
    return {
        "name": factory.name, "address": factory.address, "contact_name": factory.contact_name,
        "phone": factory.phone, "email": factory.email, "ownership_info": factory.ownership_info,
        "male_employees": factory.male_employees, "female_employees": factory.female_employees,
        "total_employees": factory.total_employees, "customers": [c.name for c in factory.customers],
    }


def ip_annex(factory_id: int) -> list[dict]:
    items = db.session.scalars(
        select(IPItem).where(IPItem.factory_id == factory_id)
        .order_by(IPItem.publicly_reported.desc(), IPItem.target_date.is_(None), IPItem.target_date, IPItem.id)
    ).unique()
    return [{
        "id": i.id, "cycle": i.cycle.number, "origin": i.origin.value, "raised_by": _name(i.raised_by),
        "visit": _iso(i.advisory_visit.visit_date) if i.advisory_visit else None,
        "publicly_reported": i.publicly_reported, "area_of_improvement": i.area_of_improvement,
        "cluster": _name(i.cluster), "compliance_point": _name(i.compliance_point), "root_cause": _name(i.root_cause),
        "root_cause_description": i.root_cause_description, "actions_needed": i.actions_needed,
        "lead_person": i.lead_person, "additional_persons": i.additional_persons, "status": i.status.value,
        "progress": i.progress, "no_progress": i.no_progress, "key_work_ahead": i.key_work_ahead,
        "target_date": _iso(i.target_date), "completion_date": _iso(i.completion_date),
        "translations": _translations(cluster=i.cluster, compliance_point=i.compliance_point,
                                      root_cause=i.root_cause, raised_by=i.raised_by),
    } for i in items]


def visits_annex(factory_id: int) -> list[dict]:
    visits = db.session.scalars(select(AdvisoryVisit).where(AdvisoryVisit.factory_id == factory_id)
                                .order_by(AdvisoryVisit.visit_date.desc()))
    return [{"date": _iso(v.visit_date), "cycle": v.cycle.number, "description": v.description,
             "ea": v.ea.name if v.ea else None} for v in visits]


def public_findings_annex(cycle_id: int) -> list[dict]:
    findings = db.session.scalars(select(Finding).where(Finding.cycle_id == cycle_id, Finding.publicly_reported)
                                  .order_by(Finding.id))
    return [{"cluster": _name(f.cluster), "compliance_point": _name(f.compliance_point), "text": f.text,
             "translations": _translations(cluster=f.cluster, compliance_point=f.compliance_point)}
            for f in findings]


def take(report) -> dict:
    factory, cycle = report.factory, report.cycle
    return {
        "taken_at": datetime.now(UTC).isoformat(),
        "enterprise": enterprise(factory),
        "committee": {"short": factory.programme.committee_short, "long": factory.programme.committee_long},
        "programme": programme_wording(factory.programme),
        "cycle": {"number": cycle.number, "assessment_date": _iso(cycle.assessment_date),
                  "report_release_date": _iso(cycle.report_release_date)},
        "report_date": _iso(report.report_date),
        "sections": report.answers_by_section(),
        "overview_counts": overview_counts(cycle),
        "annexes": annexes(factory, cycle),
    }


def annexes(factory, cycle) -> dict:
    """Every annex of the PR1 document (PR-8), as plain data."""
    return {
        "ip": ip_annex(factory.id),
        "training": training_annex(factory.id),
        "members": members_annex(factory.id, factory_today(factory)),
        "meetings": meetings_annex(factory.id),
        "visits": visits_annex(factory.id),
        "public": public_annex(cycle.id),
        "public_findings": public_findings_annex(cycle.id),
    }


# --- the programme's wording, frozen --------------------------------------------------------

def programme_wording(programme) -> dict:
    """What of the programme a report's wording depends on, as plain data."""
    return {"committee_short": programme.committee_short, "committee_long": programme.committee_long,
            "question_overrides": copy.deepcopy(programme.question_overrides or {})}


@dataclass(frozen=True)
class FrozenProgramme:
    """The programme as a submitted report shows it (report_spec reads these attributes)."""

    committee_short: str
    committee_long: str
    question_overrides: dict = field(default_factory=dict)


def frozen_programme(snapshot: dict, live) -> FrozenProgramme:
    """The wording a report was submitted with. Snapshots taken before the wording was
    frozen have only the committee name; for the questions they take the live programme's."""
    wording = snapshot.get("programme") or {}
    committee = snapshot.get("committee") or {}
    return FrozenProgramme(
        committee_short=wording.get("committee_short", committee.get("short", live.committee_short)),
        committee_long=wording.get("committee_long", committee.get("long", live.committee_long)),
        question_overrides=wording.get("question_overrides", copy.deepcopy(live.question_overrides or {})),
    )


def wording_of(report):
    """The programme a report page words itself with: as submitted once the report has a
    snapshot, the live programme for a draft."""
    if report.snapshot:
        return frozen_programme(report.snapshot, report.factory.programme)
    return report.factory.programme
