"""The overview's counts (PR-4, 000 [8]), computed from the IP as the report covers it.

The report's issues are the IP items of its cycle's improvement process:
- the items tracking a finding of the cycle's assessment, whichever cycle the item was opened
  in (a repeated finding merged into an open item of an earlier cycle is one of them);
- the issues the factory put forward during the cycle (advisory items of the cycle:
  self-diagnosis before the assessment, and anything raised later in the cycle), in
  addition to the assessment findings (one the assessment found too counts there).
"Completed" counts those of them the EA has marked Completed. Every counted item is in the
IP annex (which shows the whole plan), with the status counted.
"""

from sqlalchemy import select

from ...extensions import db
from ...models import Cycle, Finding, IPItem, IPStatus, Origin


def report_issues(cycle: Cycle):
    """A SELECT of the ids of the IP items the cycle's report counts (see the module's docstring)."""
    from_findings = select(Finding.ip_item_id).where(Finding.cycle_id == cycle.id, Finding.ip_item_id.is_not(None))
    return select(IPItem.id).where(IPItem.factory_id == cycle.factory_id, (IPItem.id.in_(from_findings)) | (
        (IPItem.cycle_id == cycle.id) & (IPItem.origin == Origin.ADVISORY)))


def overview_counts(cycle: Cycle) -> dict[str, int]:
    """Findings of the cycle's assessment in the IP, issues the factory put forward, issues Completed."""
    from_findings = select(Finding.ip_item_id).where(Finding.cycle_id == cycle.id, Finding.ip_item_id.is_not(None))
    rows = db.session.execute(
        select(IPItem.origin, IPItem.cycle_id, IPItem.status, IPItem.id.in_(from_findings).label("assessed"))
        .where(IPItem.id.in_(report_issues(cycle)))).all()
    return {
        "findings": sum(1 for row in rows if row.assessed),
        # "in addition to the assessment findings" (000 [8]): not one the assessment found too
        "advisory": sum(1 for row in rows
                        if row.origin is Origin.ADVISORY and row.cycle_id == cycle.id and not row.assessed),
        "completed": sum(1 for row in rows if row.status is IPStatus.COMPLETED),
    }
