"""The deadline sweep is set-based (issue 10, JOB-2): the SQL statements of a run do not grow
with the number of factories that have notices due, each notice still reaches each of its
recipients once, and a second run writes nothing."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event, select

from bwportal.extensions import db
from bwportal.jobs import deadlines
from bwportal.models import OutboxMessage, Role
from tests import factories as f

TODAY = date(2026, 4, 1)
NOW = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)  # 13:00 in Phnom Penh


def _unit(world) -> dict:
    """Three Cambodian factories with work for the sweep on TODAY: a PR1 due today (two factory
    users), a cycle five and a half months old (the subscribed brand's buyers, and the factory's
    reminder), and an item whose verification fell due (its lead EA)."""
    due_today = f.make_factory(world.kh)
    f.make_cycle(due_today, assessment_date=TODAY - timedelta(days=51), report_release_date=TODAY - timedelta(days=30))
    users = [f.make_user(Role.FACTORY, factory=due_today) for _ in range(2)]
    late = f.make_factory(world.kh, customers=[world.brand])
    f.subscribe(world.brand, late)
    late_user = f.make_user(Role.FACTORY, factory=late)
    f.make_cycle(late, assessment_date=date(2025, 10, 10), report_release_date=date(2025, 10, 31))
    waiting = f.make_factory(world.kh)
    f.assign_ea(world.ea, waiting)
    cycle = f.make_cycle(waiting, assessment_date=date(2026, 1, 5))
    f.make_ip_item(cycle, remediation_reported_at=datetime(2026, 2, 1, tzinfo=UTC))
    f.make_visit(cycle, date(2026, 2, 10))
    f.make_visit(cycle, date(2026, 3, 10))
    db.session.commit()
    return {"pr1_due_today": {u.id for u in users}, "pr1_buyer_notice": {world.buyer.id},
            "pr1_factory_reminder": {late_user.id}, "verification_overdue": {world.ea.id},
            "factories": {due_today.id, late.id, waiting.id}}


def _run(monkeypatch) -> tuple[dict, int]:
    """One sweep on TODAY: (rows written by kind, SQL statements), delivery left out."""
    monkeypatch.setattr(deadlines, "relay", lambda ids: len(list(ids)))
    statements = []
    listener = lambda *_args: statements.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        written = deadlines.sweep(NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return {kind: n for kind, n in written.items() if n}, len(statements)


def _recipients(kind: str, factory_ids) -> set[int]:
    return set(db.session.scalars(select(OutboxMessage.recipient_id).where(
        OutboxMessage.kind == f"mail.{kind}", OutboxMessage.factory_id.in_(factory_ids))))


def test_sweep_statements_do_not_grow_with_the_factories(world, monkeypatch):
    first = _unit(world)
    written, statements = _run(monkeypatch)
    assert written == {"pr1_due_today": 2, "pr1_buyer_notice": 1, "pr1_factory_reminder": 1,
                       "verification_overdue": 1}
    more = [_unit(world) for _ in range(4)]
    written_more, statements_more = _run(monkeypatch)
    print(f"sweep: {statements} statements with 3 factories due, {statements_more} with 15")
    assert written_more == {kind: 4 * n for kind, n in written.items()}  # the first unit's are not written again
    assert statements_more == statements
    for unit in [first, *more]:
        for kind in written:
            assert _recipients(kind, unit["factories"]) == unit[kind], kind
    assert _run(monkeypatch)[0] == {}  # a second run at the same moment writes nothing
