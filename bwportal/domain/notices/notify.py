"""Notices (JOB-2, PR-3, PR-9): who is told what, when. Each notice is an outbox row per
recipient, keyed by (kind, object, recipient, due date), written in the transaction of its
cause, so it goes out once. The words are gettext messages rendered at sending time in the
recipient's language (jobs.notices); the payload holds plain values only.

Events: a PR1 submitted tells the factory's advisors; approved or sent back tells the
factory's users; a final PR1 or PR2 tells the subscribed buyers whose subscription covers
the cycle; an IP verification tells the factory's users. The deadline sweep adds the PR-3
reminders and the EAs' overdue-verification reminders (jobs.deadlines).
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from ...extensions import db
from ...models import EAAssignment, Factory, IPEvent, ReportKind, ReportTransition, Role, User
from ..subscriptions import buyer_recipients
from . import outbox


def N_(msgid: str) -> str:
    return msgid


@dataclass(frozen=True)
class Kind:
    subject: str
    body: str


# Placeholders: factory, report ("Progress Report 1"…), cycle, actor, due (a date), days, item.
KINDS: dict[str, Kind] = {
    "report_submitted": Kind(N_("%(factory)s has submitted its %(report)s"),
                             N_("%(factory)s has sent its %(report)s (cycle %(cycle)s) for your review.")),
    "report_approved": Kind(N_("Your %(report)s is approved"),
                            N_("%(actor)s approved the %(report)s of %(factory)s (cycle %(cycle)s). It is now final.")),
    "report_sent_back": Kind(N_("Your %(report)s was sent back"),
                             N_("%(actor)s sent the %(report)s of %(factory)s (cycle %(cycle)s) back with comments. "
                                "Please read them, change the report and send it again.")),
    "report_released": Kind(N_("%(factory)s: the final %(report)s is released"),
                            N_("The final %(report)s of %(factory)s (cycle %(cycle)s) is released. "
                               "You can read it in the portal.")),
    "item_completed": Kind(N_("%(factory)s: an Improvement Plan item is verified as completed"),
                           N_("%(actor)s verified this item as completed: %(item)s")),
    "item_returned": Kind(N_("%(factory)s: an Improvement Plan item needs more work"),
                          N_("%(actor)s could not verify this item yet and returned it to you: %(item)s")),
    "pr1_due_soon": Kind(N_("%(factory)s: Progress Report 1 is due on %(due)s"),
                         N_("The first progress report of cycle %(cycle)s is due on %(due)s, in one week. "
                            "Please complete and submit it.")),
    "pr1_due_today": Kind(N_("%(factory)s: Progress Report 1 is due today"),
                          N_("The first progress report of cycle %(cycle)s is due today, %(due)s. "
                             "Please submit it.")),
    "pr1_factory_reminder": Kind(N_("%(factory)s: please submit Progress Report 1"),
                                 N_("The first progress report of cycle %(cycle)s has not been submitted yet. "
                                    "Please complete and submit it.")),
    "pr1_buyer_notice": Kind(N_("%(factory)s: Progress Report 1 is not final yet"),
                             N_("The first progress report of %(factory)s for cycle %(cycle)s is not final yet, "
                                "five and a half months after the cycle started.")),
    "verification_overdue": Kind(N_("%(factory)s: an Improvement Plan item waits for your verification"),
                                 N_("Since %(due)s this item has waited for your verification: %(item)s")),
}

REPORT_NAMES = {ReportKind.PR1: N_("Progress Report 1"), ReportKind.PR2: N_("Progress Report 2")}


# Ids per IN (...) when the sweep asks about many factories at once.
IN_CHUNK = 5000


def _chunks(ids) -> list[list[int]]:
    ids = sorted(set(ids))
    return [ids[i:i + IN_CHUNK] for i in range(0, len(ids), IN_CHUNK)]


def _factory_users(factory_ids) -> tuple:
    return User.factory_id.in_(factory_ids), User.role == Role.FACTORY, User.active


def _advisors(factory_ids) -> tuple:
    """Current EAs, lead and supporting (with EAAssignment joined on the user)."""
    return EAAssignment.factory_id.in_(factory_ids), EAAssignment.ended_at.is_(None), User.active


def factory_users(factory_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(*_factory_users([factory_id])).order_by(User.id)))


def advisors(factory_id: int) -> list[User]:
    """The factory's current EAs, lead and supporting."""
    return list(db.session.scalars(
        select(User).join(EAAssignment, EAAssignment.ea_id == User.id).where(*_advisors([factory_id]))
        .order_by(User.id)).unique())


def factory_user_ids_of(factory_ids) -> dict[int, list[int]]:
    """``factory_users`` of many factories, as ids: factory id -> user ids (the deadline sweep;
    ids only, since a notice needs no more, and loading thousands of users costs seconds)."""
    found: dict[int, list[int]] = {}
    for chunk in _chunks(factory_ids):
        for factory_id, user_id in db.session.execute(
                select(User.factory_id, User.id).where(*_factory_users(chunk)).order_by(User.id)):
            found.setdefault(factory_id, []).append(user_id)
    return found


def advisor_ids_of(factory_ids) -> dict[int, list[int]]:
    """``advisors`` of many factories, as ids: factory id -> user ids."""
    found: dict[int, list[int]] = {}
    for chunk in _chunks(factory_ids):
        for factory_id, user_id in db.session.execute(
                select(EAAssignment.factory_id, User.id).join(EAAssignment, EAAssignment.ea_id == User.id)
                .where(*_advisors(chunk)).order_by(User.id)):
            ids = found.setdefault(factory_id, [])
            if user_id not in ids:
                ids.append(user_id)
    return found


def _count(condition) -> int:
    """How many rows so far: numbers repeated events of one object (a second submission)."""
    return db.session.scalar(select(func.count()).where(condition)) or 0


def notify(kind: str, recipients, *, factory, obj, params: dict, link: dict, due: date | None = None) -> int:
    """One outbox row per recipient; returns how many were new."""
    assert kind in KINDS, kind
    payload = {"params": {"factory": factory.name, **params}, "link": link}
    written = 0
    for user in recipients:
        key = outbox.key_for(f"mail.{kind}", obj, user.id, due)
        written += outbox.write(f"mail.{kind}", key, payload=payload, recipient_id=user.id, factory_id=factory.id)
    return written


@dataclass(frozen=True)
class Notice:
    """One notice to some recipients (user ids), for ``notify_many``."""

    kind: str
    recipient_ids: list[int]
    factory_id: int
    factory_name: str
    obj: object
    params: dict
    link: dict
    due: date | None = None


def notify_many(notices) -> dict[str, int]:
    """``notify`` for many notices in a few statements (the deadline sweep); returns how
    many rows were new, by kind."""
    rows, written = [], {}
    for notice in notices:
        assert notice.kind in KINDS, notice.kind
        kind = f"mail.{notice.kind}"
        payload = {"params": {"factory": notice.factory_name, **notice.params}, "link": notice.link}
        written[notice.kind] = 0
        rows += [{"kind": kind, "key": outbox.key_for(kind, notice.obj, user_id, notice.due), "payload": payload,
                  "recipient_id": user_id, "factory_id": notice.factory_id} for user_id in notice.recipient_ids]
    for _row_id, kind in outbox.write_many(rows):
        written[kind.removeprefix("mail.")] += 1
    return written


def _report_link(report) -> dict:
    return {"endpoint": "reports.view", "factory_id": report.factory_id, "report_id": report.id}


def report_moved(report, action: str, actor) -> None:
    """The notices of a report transition (called by report_workflow.fire)."""
    factory, cycle = report.factory, report.cycle
    params = {"report": REPORT_NAMES[report.kind], "cycle": cycle.number, "actor": actor.name}
    # The transition's number keeps a second submission (after a send-back) a new notice.
    obj = f"{report.id}.{_count(ReportTransition.report_id == report.id)}"
    link = _report_link(report)
    if action == "submit":
        notify("report_submitted", advisors(factory.id), factory=factory, obj=obj, params=params, link=link)
    elif action == "send_back":
        # The EA's reason goes into the e-mail too (jobs.notices adds it under the body).
        reason = db.session.scalar(select(ReportTransition.comment).where(
            ReportTransition.report_id == report.id, ReportTransition.action == "send_back")
            .order_by(ReportTransition.id.desc()).limit(1))
        notify("report_sent_back", factory_users(factory.id), factory=factory, obj=obj,
               params={**params, "reason": (reason or "")[:2000]}, link=link)
    elif action in ("approve", "release"):
        if action == "approve":
            notify("report_approved", factory_users(factory.id), factory=factory, obj=obj, params=params, link=link)
        notify("report_released", buyer_recipients(factory, cycle), factory=factory, obj=report.id, params=params,
               link=link)


def item_verified(item, actor, completed: bool) -> None:
    """The factory hears the result of the EA's verification of an IP item."""
    kind = "item_completed" if completed else "item_returned"
    obj = f"{item.id}.{_count(IPEvent.item_id == item.id)}"
    notify(kind, factory_users(item.factory_id), factory=db.session.get(Factory, item.factory_id), obj=obj,
           params={"actor": actor.name, "item": item.area_of_improvement[:200]},
           link={"endpoint": "ip.item", "factory_id": item.factory_id, "item_id": item.id})


# --- e-mails carrying a one-time link (issue 17 item 10) -----------------------------------

def password_reset_link(reset, url: str, hours: int) -> bool:
    """The reset link goes through the outbox like every notice: the request that asked for it
    writes a row and answers, as fast whether the address is known or not; a worker sends it.
    The link (it holds the token, of which the database keeps only a hash) stays in the row
    only until it is sent (jobs.notices.send_link blanks it)."""
    kind = "link.password_reset"
    return outbox.write(kind, outbox.key_for(kind, reset.id), recipient_id=reset.user_id,
                        payload={"reset_id": reset.id, "url": url, "hours": hours})


def invitation_link(invitation, url: str, days: int) -> bool:
    """The invitation e-mail, through the outbox (see ``password_reset_link``)."""
    kind = "link.invitation"
    return outbox.write(kind, outbox.key_for(kind, invitation.id), factory_id=invitation.factory_id,
                        payload={"invitation_id": invitation.id, "url": url, "days": days})
