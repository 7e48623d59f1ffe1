"""A new assessment report into the IP (002 §3.3–3.4, IP-8).

Findings of the cycle become IP items. A finding whose compliance point matches an open
item of an earlier cycle is a repeat: the EA merges it into that item, with a comment
buyers can follow, instead of opening a duplicate. Open items that came from an earlier
assessment's findings and that the new assessment did not repeat are flagged for the EA's
review with the committee (status.NotRepeatedReview); items put forward during advisory are not.
"""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...extensions import db
from ...models import Cycle, EventKind, Finding, IPItem, IPStatus, Origin
from ..errors import Conflict
from ..locking import locked
from . import operations as ops


class AlreadyImported(Conflict):
    """Another request imported (some of) these findings since the plan was shown."""


@dataclass
class ImportPlan:
    cycle: Cycle
    new_findings: list[Finding] = field(default_factory=list)  # not yet in the IP
    repeats: dict[int, list[IPItem]] = field(default_factory=dict)  # finding id -> open earlier items
    not_repeated: list[IPItem] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.new_findings and not self.not_repeated


def latest_cycle(factory_id: int) -> Cycle | None:
    return db.session.scalar(
        select(Cycle).where(Cycle.factory_id == factory_id).order_by(Cycle.number.desc()).limit(1)
    )


def plan_import(cycle: Cycle) -> ImportPlan:
    # populate_existing: as committed now, also for rows this request loaded before (apply_import re-plans).
    findings = list(db.session.scalars(select(Finding).where(Finding.cycle_id == cycle.id).order_by(Finding.id)
                                       .execution_options(populate_existing=True)))
    earlier_open = list(db.session.scalars(
        select(IPItem).join(Cycle, IPItem.cycle_id == Cycle.id).where(
            IPItem.factory_id == cycle.factory_id, Cycle.number < cycle.number,
            IPItem.status != IPStatus.COMPLETED,
        ).order_by(IPItem.id).execution_options(populate_existing=True)
    ))
    plan = ImportPlan(cycle=cycle, new_findings=[f for f in findings if f.ip_item_id is None])
    for finding in plan.new_findings:
        matches = [i for i in earlier_open if i.compliance_point_id == finding.compliance_point_id]
        if matches:
            plan.repeats[finding.id] = matches
    # Only what an earlier assessment found can be "not repeated" (IP-8): items put forward
    # during advisory (self-diagnosis, management, workers) were never assessed.
    repeated_points = {f.compliance_point_id for f in findings}
    plan.not_repeated = [
        i for i in earlier_open if i.origin is Origin.ASSESSMENT and i.compliance_point_id not in repeated_points
        and not i.review_with_committee
    ]
    return plan


def merge(item: IPItem, finding: Finding, actor, comment: str) -> None:
    """The repeated finding joins the open item; the comment tells buyers what happened."""
    finding.ip_item = item
    item.publicly_reported = item.publicly_reported or finding.publicly_reported
    item.review_with_committee = False
    ops.record(item, EventKind.MERGED, actor, field="finding", new=finding.id, body=comment)


def apply_import(plan: ImportPlan, actor, merges: dict[int, tuple[int, str]]) -> dict[str, int]:
    """``merges``: finding id -> (id of the item to merge into, comment). Every other new
    finding becomes an item. Returns counts for the confirmation message.

    Once only (issue 17): the cycle row is locked and the plan made again from what is
    committed now, so an import sent twice (a double click, two EAs) imports once; the
    second finds its findings already in the IP and is refused with ``AlreadyImported``."""
    locked(plan.cycle)
    fresh = plan_import(plan.cycle)
    if {f.id for f in plan.new_findings} - {f.id for f in fresh.new_findings}:
        raise AlreadyImported(_l("These findings were imported into the Improvement Plan in the meantime: "
                                 "nothing was imported twice."))
    plan = fresh
    counts = {"created": 0, "merged": 0, "flagged": 0}
    for finding in plan.new_findings:
        choice = merges.get(finding.id)
        candidates = {i.id: i for i in plan.repeats.get(finding.id, [])}
        if choice and choice[0] in candidates:
            merge(candidates[choice[0]], finding, actor, choice[1])
            counts["merged"] += 1
        else:
            ops.item_from_finding(finding, actor)
            counts["created"] += 1
    for item in plan.not_repeated:
        item.review_with_committee = True
        ops.record(item, EventKind.REVIEW_FLAGGED, actor, new=plan.cycle.number)
        counts["flagged"] += 1
    return counts
