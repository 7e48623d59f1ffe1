"""The lead assessor's comments (002 §3.4.1, IP-8).

"To make sure that buyers are provided with up to date information in the assessment report,
the lead assessor must check the status of all IP items subject to public reporting that have
not yet been marked as Completed. A comment on each of these items must be included in the
assessment report."

So: while a cycle's assessment report is not released, its lead assessor (only that person,
or a programme admin in their place) comments on the IP's items; each comment goes with that
assessment. The report is released only once every open publicly reported item of earlier
cycles has a comment for it. Buyers read the comment on the item.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from ...extensions import db
from ...models import Cycle, EventKind, IPEvent, IPItem, IPStatus, Role
from ..errors import Conflict, NotAllowed
from . import operations as ops


class NoReportAwaitingRelease(Conflict):
    """No assessment of the factory is waiting for its report's release: nothing to comment for."""

    def __init__(self):
        super().__init__(_l("No assessment report of this factory is waiting for release, so there is no report "
                            "for a lead assessor's comment."))


class NotTheLeadAssessor(NotAllowed):
    def __init__(self):
        super().__init__(_l("Only the lead assessor of the assessment (or a programme admin) may comment for its "
                            "report."))


class ReleaseRefused(Conflict):
    """Open publicly reported items without the lead assessor's comment; ``items`` lists them."""

    status = 422

    def __init__(self, items: list[IPItem]):
        super().__init__(_l("Before the report is released, its lead assessor must comment on every open publicly "
                            "reported item of the Improvement Plan. Items still without a comment:"))
        self.items = items


def report_awaiting_release(factory_id: int) -> Cycle | None:
    """The factory's assessment whose report is not released yet (the newest such), if any."""
    return db.session.scalar(
        select(Cycle).where(Cycle.factory_id == factory_id, Cycle.assessment_date.is_not(None),
                            Cycle.report_release_date.is_(None))
        .order_by(Cycle.number.desc()).limit(1)
    )


def may_comment(user, cycle: Cycle | None) -> bool:
    """Only the assessment's lead assessor, or a programme admin, comments for its report."""
    if cycle is None or user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.role is Role.ADMIN or (user.role is Role.ASSESSOR and user.id == cycle.lead_assessor_id)


def report_to_comment_for(factory_id: int, user) -> Cycle:
    """The assessment ``user`` comments for: refused unless one awaits release and ``user``
    leads it (or is an admin)."""
    cycle = report_awaiting_release(factory_id)
    if cycle is None:
        raise NoReportAwaitingRelease()
    if not may_comment(user, cycle):
        raise NotTheLeadAssessor()
    return cycle


def comment(item: IPItem, user, body: str) -> IPEvent:
    """``user``'s comment on ``item`` for the report of the assessment awaiting release."""
    cycle = report_to_comment_for(item.factory_id, user)
    event = ops.record(item, EventKind.ASSESSOR_COMMENT, user, body=body)
    event.cycle_id = cycle.id
    return event


def items_to_comment(factory_id: int, number: int):
    """A SELECT of the items the lead assessor of cycle ``number``'s assessment comments on:
    open, publicly reported, of earlier cycles (this assessment's own findings are its report)."""
    return (select(IPItem).join(Cycle, Cycle.id == IPItem.cycle_id)
            .where(IPItem.factory_id == factory_id, IPItem.publicly_reported.is_(True),
                   IPItem.status != IPStatus.COMPLETED, Cycle.number < number))


def _commented(cycle_id):
    return exists().where(IPEvent.item_id == IPItem.id, IPEvent.kind == EventKind.ASSESSOR_COMMENT,
                          IPEvent.cycle_id == cycle_id)


def items_left(factory_id: int, number: int, cycle_id: int | None) -> list[IPItem]:
    """The items still without a comment for cycle ``number``'s report (all of them while the
    cycle is not recorded, ``cycle_id`` None)."""
    stmt = items_to_comment(factory_id, number)
    if cycle_id is not None:
        stmt = stmt.where(~_commented(cycle_id))
    return list(db.session.scalars(stmt.order_by(IPItem.id)))


def comment_status(cycle: Cycle) -> list[tuple[IPItem, bool]]:
    """Each item to comment on for ``cycle``'s report, and whether it has its comment."""
    rows = db.session.execute(items_to_comment(cycle.factory_id, cycle.number)
                              .add_columns(_commented(cycle.id)).order_by(IPItem.id)).all()
    return [(item, bool(done)) for item, done in rows]


def check_release(factory_id: int, number: int, cycle_id: int | None) -> None:
    """Refuse the release of cycle ``number``'s report while an item lacks its comment."""
    left = items_left(factory_id, number, cycle_id)
    if left:
        raise ReleaseRefused(left)

