"""The overview's counts (PR-4), computed from the IP."""

from sqlalchemy import func, select

from ...extensions import db
from ...models import Cycle, Finding, IPItem, IPStatus, Origin


def overview_counts(cycle: Cycle) -> dict[str, int]:
    """Findings of the cycle's assessment, issues the factory put forward, issues Completed."""
    findings = db.session.scalar(select(func.count(Finding.id)).where(Finding.cycle_id == cycle.id)) or 0
    advisory = db.session.scalar(select(func.count(IPItem.id)).where(
        IPItem.factory_id == cycle.factory_id, IPItem.cycle_id == cycle.id, IPItem.origin == Origin.ADVISORY)) or 0
    completed = db.session.scalar(select(func.count(IPItem.id)).where(
        IPItem.factory_id == cycle.factory_id, IPItem.cycle_id == cycle.id,
        IPItem.status == IPStatus.COMPLETED)) or 0
    return {"findings": findings, "advisory": advisory, "completed": completed}
