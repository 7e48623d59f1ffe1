#!/usr/bin/env python3
"""The hourly deadline sweep (PR-3, JOB-2) over many factories: its time and its notices, run twice.

    .venv/bin/python bench/deadline_sweep.py [--factories 10000] [--database-url URL]

Builds a scratch database (a SQLite file in a temporary folder, or --database-url, which it
fills: use a scratch database) with the scale programme's people for N factories
(bwportal/seed_scale.py, ``people_only``: 2 or 3 users and a lead EA each, brands listed as
customers with subscriptions in every status), then gives each factory, in bulk, a cycle
dated so that the sweep has work today, in eight equal groups:

  0  PR1 due today (report released 30 days ago), no PR1 yet
  1  PR1 due within a week, a draft PR1 in every other one
  2  PR1 due within a week but already submitted: nothing to send
  3  five months since the assessment: the factory is reminded
  4  five and a half months: the buyers of brands with an active subscription are told (a
     submitted PR1 in every other one, so only the buyers), the factory too while its
     reminder window is open
  5  PR1 approved: nothing to send
  6  a recent assessment, report not yet released: nothing to send
  7  an IP item reported remediated two advisory visits ago: its EA is reminded

Then it runs ``bwportal.jobs.deadlines.sweep`` twice at the same moment and prints, for each
run, the wall time, the SQL statements and the outbox rows written by kind. The second run
must write none (each notice has its idempotency key). The sweep's hand-over of the new rows
to the workers (RQ, or in-process delivery without Redis) is replaced by a counter: delivery
is the workers' time, not the sweep's. Target (issue 10): 10,000 factories in <= 10 s.
It prints figures; it asserts nothing.
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GROUPS = 8


def build(n: int, now: datetime) -> dict:
    """The scale programme's people for n factories (bwportal/seed_scale.py, ``people_only``:
    2 or 3 users and a lead EA each, brands listed as customers, subscriptions in every
    status), then, in bulk, each factory's cycle, PR1 and waiting item as the module
    docstring says; returns what it added."""
    from sqlalchemy import func, insert, select

    from bwportal.domain.time import add_months, today_in
    from bwportal.extensions import db
    from bwportal.models import (
        AdvisoryVisit,
        Cycle,
        Factory,
        IPItem,
        IPStatus,
        Origin,
        Programme,
        ProgressReport,
        ReportKind,
        ReportStatus,
        Subscription,
        SubscriptionStatus,
    )
    from devdata.seed_scale import seed_scale

    scale = seed_scale(n, name="Deadline Sweep", replace=True, people_only=True)
    programme = db.session.get(Programme, scale.programme_id)
    today = today_in(programme.timezone, now)
    factory_ids = list(db.session.scalars(select(Factory.id).where(Factory.programme_id == programme.id)
                                          .order_by(Factory.id)))
    cycle_id = db.session.scalar(select(func.max(Cycle.id))) or 0
    cycles, reports, items, visits = [], [], [], []
    five_months_ago = add_months(today, -5)
    for i, factory_id in enumerate(factory_ids):
        group, spread = i % GROUPS, (i // GROUPS) % 20
        if group in (0, 1, 2):
            released = today - timedelta(days=30 if group == 0 else 24 + spread % 6)
            assessed = released - timedelta(days=21)
        elif group == 3:
            assessed = five_months_ago + timedelta(days=3 - spread)
            released = assessed + timedelta(days=21)
        elif group == 4:
            assessed = five_months_ago - timedelta(days=14 + spread)
            released = assessed + timedelta(days=21)
        elif group == 5:
            assessed = today - timedelta(days=100)
            released = assessed + timedelta(days=21)
        else:  # 6, 7: a recent assessment, not released yet
            assessed, released = today - timedelta(days=10 + spread), None
        cycle_id += 1
        # The five-month notices count from the cycle's start (CYC-1): groups 3 and 4 are dated by it.
        started = assessed if group in (3, 4) else assessed - timedelta(days=100)
        cycles.append({"id": cycle_id, "factory_id": factory_id, "number": 1, "start_date": started,
                       "assessment_date": assessed, "report_release_date": released})
        status = {1: ReportStatus.DRAFT if i % 2 else None, 2: ReportStatus.SUBMITTED,
                  4: ReportStatus.SUBMITTED if i % 2 else None, 5: ReportStatus.APPROVED}.get(group)
        if status is not None:
            reports.append({"factory_id": factory_id, "cycle_id": cycle_id, "kind": ReportKind.PR1,
                            "report_date": today, "status": status})
        if group == 7:
            items.append({"factory_id": factory_id, "cycle_id": cycle_id, "origin": Origin.ASSESSMENT,
                          "area_of_improvement": f"Scale item {i}", "status": IPStatus.IN_PROGRESS,
                          "remediation_reported_at": now - timedelta(days=60), "version": 1})
            visits += [{"factory_id": factory_id, "cycle_id": cycle_id, "visit_date": today - timedelta(days=days),
                        "description": "Scale visit"} for days in (40, 20)]
    for model, rows in ((Cycle, cycles), (ProgressReport, reports), (IPItem, items), (AdvisoryVisit, visits)):
        if rows:
            db.session.execute(insert(model), rows)
    db.session.commit()
    subscribed = set(db.session.scalars(select(Subscription.factory_id).where(
        Subscription.status == SubscriptionStatus.ACTIVE, Subscription.factory_id.in_(factory_ids[4::GROUPS]))))
    return {"factories": len(factory_ids), "users": scale.counts.get("user", 0), "PR1s": len(reports),
            "factories told about buyers (group 4) with an active subscription": len(subscribed),
            "items awaiting verification": len(items)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--factories", type=int, default=10_000)
    parser.add_argument("--database-url", help="a scratch database to fill (default: SQLite in a temporary folder)")
    args = parser.parse_args()
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)

    from flask_migrate import upgrade
    from sqlalchemy import event, func, select

    from bwportal import create_app
    from bwportal.extensions import db
    from bwportal.jobs import deadlines
    from bwportal.models import OutboxMessage

    now = datetime.now(UTC)
    app = create_app()
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        added = build(args.factories, now)
        print(f"{db.engine.dialect.name}: " + ", ".join(f"{v:,} {k}" for k, v in added.items())
              + f" added in {time.perf_counter() - started:.1f} s")

        handed: list[int] = []
        deadlines.relay = lambda ids: handed.extend(ids) or len(ids)  # delivery is the workers' time
        statements = [0]

        def on_statement(*_args):
            statements[0] += 1

        event.listen(db.engine, "before_cursor_execute", on_statement)
        print(f"sweep at {now:%Y-%m-%d %H:%M} UTC")
        for run in (1, 2):
            before = db.session.scalar(select(func.count(OutboxMessage.id)))
            statements[0], handed[:] = 0, []
            db.session.remove()  # each run starts with an empty session, as the hourly job does
            started, cpu = time.perf_counter(), time.process_time()
            written = deadlines.sweep(now)
            elapsed, cpu, count = time.perf_counter() - started, time.process_time() - cpu, statements[0]
            rows = db.session.scalar(select(func.count(OutboxMessage.id))) - before
            kinds = ", ".join(f"{kind} {count:,}" for kind, count in sorted(written.items()) if count) or "none"
            print(f"run {run}: {elapsed:6.2f} s ({cpu:.2f} s CPU here), {count:,} SQL statements, "
                  f"{rows:,} outbox rows written ({kinds}); {len(handed):,} handed to the workers")
        event.remove(db.engine, "before_cursor_execute", on_statement)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="bwportal-sweep-") as instance:  # removed afterwards
        os.environ.setdefault("BWPORTAL_INSTANCE", instance)
        main()
