"""The report state machine (PR-2) and the operations on reports, each recording evidence.

Draft → Submitted → Approved (final) for PR1, sent back to Draft with the EA's comments;
PR2 is written by the EA and released from Draft to final. The model layer refuses any
write to a section of a report that is not a draft (``guard``).
"""

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...extensions import db
from ...models import ProgressReport, ReportKind, ReportStatus, ReportTransition, Role
from .. import audit
from ..errors import Conflict, DomainError
from ..locking import locked
from ..notices import notify as notices
from . import snapshot as report_snapshot
from .completeness import Gaps, gaps

D, S, A = ReportStatus.DRAFT, ReportStatus.SUBMITTED, ReportStatus.APPROVED

# (kind, action) -> (from, to, role that may fire it, comment required)
TRANSITIONS: dict[tuple[ReportKind, str], tuple[ReportStatus, ReportStatus, Role, bool]] = {
    (ReportKind.PR1, "submit"): (D, S, Role.FACTORY, False),
    (ReportKind.PR1, "approve"): (S, A, Role.EA, False),
    (ReportKind.PR1, "send_back"): (S, D, Role.EA, True),
    (ReportKind.PR2, "release"): (D, A, Role.EA, False),
}

# Who writes the sections of each kind (PR-7: the EA never edits the factory's words).
AUTHORS = {ReportKind.PR1: Role.FACTORY, ReportKind.PR2: Role.EA}



class WorkflowError(DomainError):
    """A refused transition or write; ``args[0]`` is a message for the user."""


class ReportLocked(WorkflowError):
    """A write to a report that is not a draft."""


class ReportMoved(WorkflowError, Conflict):
    """The report is no longer in the state the user saw: a second click, or a colleague's
    action came first. Nothing was done; the message names the state it is in now."""

    def __init__(self, report: ProgressReport):
        super().__init__(_l("This report changed in the meantime and is now %(status)s: nothing was done.",
                            status=report.status.label))
        self.report = report


class ReportIncomplete(WorkflowError):
    """Submission or release refused; ``gaps`` lists what is missing (completeness.Gaps)."""

    def __init__(self, message, found: Gaps):
        super().__init__(message)
        self.gaps = found


INCOMPLETE = _l("The report cannot be submitted yet: complete what is listed under “Before you submit”.")
WAITING = _l("The report cannot be released while Improvement Plan items wait for verification: verify or "
             "return them first (listed under “Before you release”).")


def _role(user) -> Role | None:
    """The role acting; None for no one (anonymous, or a deactivated account), who may do nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "active", False):
        return None
    return user.role


def allowed_actions(report: ProgressReport, user) -> list[str]:
    return [action for (kind, action), (src, _dst, role, _c) in TRANSITIONS.items()
            if kind is report.kind and src is report.status and _role(user) is role]


def may_write(report: ProgressReport, user) -> bool:
    return report.status is D and _role(user) is AUTHORS[report.kind]


def may_fire(report: ProgressReport, action: str, user) -> bool:
    """Whether ``user``'s role fires ``action`` on reports of this kind, whatever the state
    (in the wrong state the answer is a conflict, not a refusal of the account)."""
    spec = TRANSITIONS.get((report.kind, action))
    return spec is not None and _role(user) is spec[2]


def lock_draft(report: ProgressReport) -> ProgressReport:
    """The report row locked until the transaction ends, its status as committed now: a
    section save and a submission of the same report take turns (item 2 of issue 17), so a
    save lands before the snapshot or is refused as already submitted."""
    return locked(report)


def fire(report: ProgressReport, action: str, user, comment: str = "", seen: str | None = None) -> None:
    """Move the report along one transition, recording who, when and why; at most once.

    The report row is locked and its status re-read first: a second click, or approve and
    send back at the same moment, finds the state the first one left and is refused with
    ``ReportMoved`` (no second transition, notice or snapshot). ``seen`` is the status the
    user's page showed: an action chosen on a page older than the report's state is refused
    the same way."""
    spec = TRANSITIONS.get((report.kind, action))
    if spec is None:
        raise WorkflowError(_l("This report cannot do that in its current state."))
    src, dst, role, needs_comment = spec
    if _role(user) is not role:
        raise WorkflowError(_l("Your account may not do this."))
    locked(report)
    if report.status is not src or (seen and seen != report.status.value):
        raise ReportMoved(report)
    if needs_comment and not comment.strip():
        raise WorkflowError(_l("Please say what the factory should change."))
    if dst in (S, A) and src is D:
        _fresh_sections(report)
        found = gaps(report)  # IP-4, PR-4 (PR1); 002 §3.2.1 (PR2)
        if found:
            if found.waiting and not found.answers:
                raise ReportIncomplete(WAITING, found)
            raise ReportIncomplete(INCOMPLETE if report.kind is ReportKind.PR1 else
                                   _l("Please answer every required question before releasing the report."),
                                   found)
        report.snapshot = report_snapshot.take(report)  # PR-8: frozen as of this moment, under the lock
    if dst is D:
        report.snapshot = None  # sent back: the next submission freezes a new snapshot
    report.status = dst
    now = datetime.now(UTC)
    if dst is S:
        report.submitted_at = now
    if dst is A:
        report.approved_at = now
    db.session.add(ReportTransition(report_id=report.id, factory_id=report.factory_id, action=action,
                                    from_status=src, to_status=dst, actor_id=user.id, comment=comment.strip()))
    notices.report_moved(report, action, user)  # JOB-2, PR-9: in this same transaction
    factory = report.factory
    audit.for_factory(user, f"report.{action}", report, factory,
                      label=f"{factory.name}: {report.kind.value.upper()} {report.report_date.isoformat()}",
                      changes={"kind": report.kind.value, "status": [src.value, dst.value]})


def _fresh_sections(report: ProgressReport) -> None:
    """The sections as committed now (a save that took the lock before us is in them)."""
    from ...models import ReportSection

    list(db.session.scalars(select(ReportSection).where(ReportSection.report_id == report.id)
                            .execution_options(populate_existing=True)))
    db.session.expire(report, ["sections"])
