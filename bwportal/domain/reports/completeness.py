"""Is a report ready to leave its author? One place the workflow, the editor's section menu
and the submit panel ask (IP-4, PR-4, 000 "Important notes", 002 §3.2.1).

A PR1 is submitted only when
- every required question of every section is answered (spec.missing_required);
- every finding of the cycle's assessment is in the Improvement Plan ("All findings from the
  latest assessment report must be included in the Improvement Plan");
- every open item of the plan has fields [36]-[42] of the guide filled in ("None of these
  sections should be left blank"): lead person, area of improvement, root cause, actions
  needed, progress and target date (its status [37] always has a value). An item imported
  from an assessment has none of the factory's fields, so it counts as incomplete until the
  factory fills them.
A PR2 is released only on an up-to-date plan: no item waiting for the EA's verification
(the same rule the dashboards and the verification queue count, ``awaiting_verification_sql``).
"""

from dataclasses import dataclass, field

from sqlalchemy import select

from ...extensions import db
from ...models import Finding, IPItem, IPStatus, ReportKind
from ..ip.status import awaiting_verification_sql
from .spec import Question, Section, missing_required

# [36] lead person, [38] area of improvement, [39] root cause, [40] actions, [41] progress, [42] target date.
ITEM_FIELDS = ("lead_person", "area_of_improvement", "root_cause_id", "actions_needed", "progress", "target_date")


@dataclass(frozen=True)
class IncompleteItem:
    item: IPItem
    fields: tuple[str, ...]  # of ITEM_FIELDS, in that order


@dataclass
class Gaps:
    """What stops a report from being submitted (PR1) or released (PR2); empty when nothing does."""

    answers: list[tuple[Section, Question]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # of the cycle's assessment, not in the IP
    items: list[IncompleteItem] = field(default_factory=list)
    waiting: list[IPItem] = field(default_factory=list)  # PR2: reported remediated, not verified yet

    def __bool__(self) -> bool:
        return bool(self.answers or self.findings or self.items or self.waiting)

    @property
    def incomplete_sections(self) -> set[str]:
        return {section.key for section, _q in self.answers}


def missing_fields(item: IPItem) -> tuple[str, ...]:
    """The fields [36]-[42] an item still lacks (blank text counts as missing)."""
    missing = []
    for name in ITEM_FIELDS:
        value = getattr(item, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(name)
    return tuple(missing)


def incomplete_items(factory_id: int) -> list[IncompleteItem]:
    """Open items of the factory's plan (the whole plan is the report's annex) lacking a field."""
    items = db.session.scalars(select(IPItem).where(IPItem.factory_id == factory_id,
                                                    IPItem.status != IPStatus.COMPLETED)
                               .order_by(IPItem.publicly_reported.desc(), IPItem.id)).unique()
    return [IncompleteItem(i, missing) for i in items if (missing := missing_fields(i))]


def findings_not_in_ip(cycle_id: int) -> list[Finding]:
    return list(db.session.scalars(select(Finding).where(Finding.cycle_id == cycle_id, Finding.ip_item_id.is_(None))
                                   .order_by(Finding.id)))


def awaiting_verification(factory_id: int) -> list[IPItem]:
    """Items waiting for the EA's verification (IP-7), as the dashboards count them."""
    return list(db.session.scalars(select(IPItem).where(IPItem.factory_id == factory_id,
                                                        awaiting_verification_sql())
                                   .order_by(IPItem.remediation_reported_at, IPItem.id)).unique())


def gaps(report, programme=None) -> Gaps:
    """Everything that stops ``report`` from leaving its author now (see the module's docstring).
    ``programme``: the wording it is checked against (the live programme's by default)."""
    programme = programme if programme is not None else report.factory.programme
    found = Gaps(answers=missing_required(report.kind, programme, report.answers_by_section()))
    if report.kind is ReportKind.PR1:
        found.findings = findings_not_in_ip(report.cycle_id)
        found.items = incomplete_items(report.factory_id)
    else:
        found.waiting = awaiting_verification(report.factory_id)
    return found


def incomplete_sections(report, programme=None) -> set[str]:
    """The keys of the sections with a required question unanswered (the section menu's marks),
    without asking the IP."""
    programme = programme if programme is not None else report.factory.programme
    return {section.key for section, _q in missing_required(report.kind, programme, report.answers_by_section())}
