#!/usr/bin/env python3
"""SQL queries per main page with a small and a large Improvement Plan, side by side.

    .venv/bin/python bench/query_counts.py [--items 5 500]

Builds a throw-away SQLite database (or uses DATABASE_URL, which it fills: use a scratch
database), loads the demo data, and brings each measured collection to the sizes asked for:

- Angkor Garments' plan: trimmed to the first N demo items, then grown with items of every
  kind the pages treat differently (with a plan and a past target: overdue; remediation
  reported: in the EA's verification queue and inbox; with comments and assessor comments;
  publicly reported or not; plain);
- the timeline of its first item (N events);
- Bandung Textiles' public findings in its latest released assessment, with responses,
  some verified, some with evidence files (the Transparency Portal);
- factory@demo.test's notices.

Then it signs each role in once and counts the queries of each main page, and of the read
API's lists with a buyer's and an EA's tokens (a page of up to 200 rows). Equal numbers in
both columns mean no page does a query per row (no N+1). It prints figures; it asserts nothing.
"""

import argparse
import os
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FACTORY, EA, BUYER, ADMIN = "factory@demo.test", "ea@demo.test", "buyer@demo.test", "admin@demo.test"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", nargs=2, type=int, default=[5, 500], help="the two sizes to compare")
    args = parser.parse_args()
    small, large = sorted(args.items)

    from flask_migrate import upgrade
    from sqlalchemy import delete, event, func, select, update

    from bwportal import create_app
    from bwportal.domain.ip import operations as ops
    from bwportal.domain.notices import outbox
    from bwportal.domain.programmes.catalogues import row_by_name
    from bwportal.extensions import db
    from bwportal.models import (
        CompliancePoint,
        Cycle,
        EventKind,
        Factory,
        Finding,
        IPEvent,
        IPItem,
        IPStatus,
        OutboxStatus,
        ProgressReport,
        PublicResponse,
        ReportKind,
        RootCause,
        User,
    )
    from devdata.demo import DEMO_PASSWORD, seed_demo
    from tests import factories as f

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        seed_demo()
        angkor = db.session.scalar(select(Factory).filter_by(name="Angkor Garments"))
        bandung = db.session.scalar(select(Factory).filter_by(name="Bandung Textiles"))
        cycle_id = db.session.scalar(select(Cycle.id).filter_by(factory_id=angkor.id, number=1))
        bandung_cycle_id = db.session.scalar(select(Cycle.id).where(Cycle.factory_id == bandung.id)
                                             .order_by(Cycle.number.desc()).limit(1))
        point = row_by_name(CompliancePoint, angkor.programme_id, "Overtime Wages")
        bandung_point = row_by_name(CompliancePoint, bandung.programme_id, "Overtime")
        cause_id = db.session.scalar(select(RootCause.id).where(RootCause.programme_id == angkor.programme_id)
                                     .limit(1))
        users = {email: db.session.scalar(select(User.id).filter_by(email=email)) for email in (FACTORY, EA, BUYER)}
        pr1 = db.session.scalar(select(ProgressReport).filter_by(factory_id=angkor.id, kind=ReportKind.PR1)
                                .order_by(ProgressReport.id))
        submitted = db.session.scalar(select(ProgressReport).filter_by(kind=ReportKind.PR1, status="submitted"))
        first_item = db.session.scalar(select(func.min(IPItem.id)).where(IPItem.factory_id == angkor.id))
        ids = {"angkor": angkor.id, "bandung": bandung.id, "pr1": pr1.id, "item": first_item,
               "submitted": (submitted.factory_id, submitted.id) if submitted else None}

    def plan_size() -> int:
        return db.session.scalar(select(func.count(IPItem.id)).where(IPItem.factory_id == ids["angkor"]))

    def trim_plan(n: int) -> None:
        """Keep the first n demo items (by id) and what belongs to them."""
        gone = select(IPItem.id).where(IPItem.factory_id == ids["angkor"]).order_by(IPItem.id).offset(n)
        gone_ids = list(db.session.scalars(gone))
        if not gone_ids:
            return
        db.session.execute(delete(IPEvent).where(IPEvent.item_id.in_(gone_ids)))
        answered = select(PublicResponse.finding_id)
        db.session.execute(update(Finding).where(Finding.ip_item_id.in_(gone_ids)).values(ip_item_id=None))
        db.session.execute(delete(Finding).where(Finding.ip_item_id.is_(None), Finding.factory_id == ids["angkor"],
                                                 Finding.id.not_in(answered)))
        db.session.execute(delete(IPItem).where(IPItem.id.in_(gone_ids)))

    def grow_plan(n: int) -> None:
        ea, factory_user = db.session.get(User, users[EA]), db.session.get(User, users[FACTORY])
        today = date.today()
        cycle = db.session.get(Cycle, cycle_id)
        for i in range(plan_size(), n):
            item = f.make_ip_item(cycle, text=f"Bench finding {i}", point=point, publicly_reported=i % 2 == 0, by=ea)
            kind = i % 5
            if kind in (0, 1, 3):  # the factory's plan
                item.root_cause_id, item.actions_needed, item.lead_person = cause_id, "Bench actions", f"Lead {i % 7}"
            if kind == 0:  # a past target: overdue, Delayed
                item.target_date = today - timedelta(days=10 + i % 30)
                ops.record(item, EventKind.STATUS, factory_user, field="status", old=item.status,
                           new=IPStatus.DELAYED)
                item.status = IPStatus.DELAYED
            elif kind == 1:  # remediation reported: waits for the EA's verification
                item.target_date = today + timedelta(days=20)
                item.status = IPStatus.IN_PROGRESS
                ops.report_remediated(item, factory_user, f"Done, see evidence {i}")
            elif kind == 2:  # comments from both sides, the assessor's too
                ops.comment(item, factory_user, f"Factory comment {i}")
                ops.comment(item, ea, f"Assessor comment {i}", EventKind.ASSESSOR_COMMENT)
            elif kind == 3:  # verified as completed by the EA
                item.completion_date, item.completed_by_id = today - timedelta(days=i % 20), ea.id
                ops.record(item, EventKind.STATUS, ea, field="status", old=item.status, new=IPStatus.COMPLETED)
                item.status = IPStatus.COMPLETED

    def grow_timeline(n: int) -> None:
        item = db.session.get(IPItem, ids["item"])
        have = db.session.scalar(select(func.count(IPEvent.id)).where(IPEvent.item_id == item.id))
        actors = [db.session.get(User, users[FACTORY]), db.session.get(User, users[EA])]
        for i in range(have, n):
            ops.comment(item, actors[i % 2], f"Timeline comment {i}")

    def grow_public(n: int) -> None:
        have = db.session.scalar(select(func.count(Finding.id)).where(
            Finding.cycle_id == bandung_cycle_id, Finding.publicly_reported))
        cycle, ea = db.session.get(Cycle, bandung_cycle_id), db.session.get(User, users[EA])
        for i in range(have, n):
            finding = f.make_finding(cycle, text=f"Bench public finding {i}", point=bandung_point,
                                     publicly_reported=True)
            response = f.make_public_response(finding, f"Bench response {i}", verified_by=ea if i % 2 else None)
            if i % 3 == 0:  # the row only: the pages list files, they do not read them
                f.make_evidence_file(response, None, content=b"%PDF-" * 200, original_name=f"e{i}.pdf",
                                     content_type="application/pdf")

    def grow_notices(n: int) -> None:
        have = db.session.scalar(select(func.count(outbox.OutboxMessage.id)).where(
            outbox.OutboxMessage.recipient_id == users[FACTORY]))
        for i in range(have, n):
            kind = "mail.item_completed" if i % 2 else "mail.pr1_due_soon"
            params = {"factory": "Angkor Garments", "actor": "EA", "item": f"Item {i}", "cycle": 1,
                      "due": date.today().isoformat()}
            outbox.write(kind, outbox.key_for(kind, f"bench{i}", users[FACTORY]), recipient_id=users[FACTORY],
                         factory_id=ids["angkor"], payload={"params": params, "link": {
                             "endpoint": "ip.index", "factory_id": ids["angkor"]}})
        db.session.execute(update(outbox.OutboxMessage).where(outbox.OutboxMessage.recipient_id == users[FACTORY])
                           .values(status=OutboxStatus.SENT))

    def resize(n: int) -> int:
        with app.app_context():
            trim_plan(n)
            grow_plan(n)
            grow_timeline(n)
            grow_public(n)
            grow_notices(n)
            db.session.commit()

            def rows(column, *where) -> int:
                return db.session.scalar(select(func.count(column)).where(*where))

            mine, message = IPItem.factory_id == ids["angkor"], outbox.OutboxMessage
            print(f"{n:>4}: {plan_size()} IP items (overdue "
                  f"{rows(IPItem.id, mine, IPItem.target_date < date.today(), IPItem.status != IPStatus.COMPLETED)}, "
                  f"awaiting verification {rows(IPItem.id, mine, IPItem.remediation_reported_at.is_not(None))}, "
                  f"completed {rows(IPItem.id, mine, IPItem.status == IPStatus.COMPLETED)}); "
                  f"{rows(IPEvent.id, IPEvent.item_id == ids['item'])} events on item {ids['item']}; "
                  f"{rows(Finding.id, Finding.cycle_id == bandung_cycle_id, Finding.publicly_reported)} public "
                  f"findings of Bandung; {rows(message.id, message.recipient_id == users[FACTORY])} notices")
            return plan_size()

    a, pr1, item = ids["angkor"], ids["pr1"], ids["item"]
    ip, report = f"/factories/{a}/ip", f"/factories/{a}/reports/{pr1}"
    pages = {  # name: (who reads it, path)
        "IP list (factory)": (FACTORY, ip),
        "IP list (EA)": (EA, ip),
        "IP list, filtered: overdue": (FACTORY, f"{ip}?overdue=1"),
        "IP item (timeline)": (FACTORY, f"{ip}/{item}"),
        "IP item edit": (FACTORY, f"{ip}/{item}/edit"),
        "IP export (CSV)": (FACTORY, f"{ip}/export.csv"),
        "IP export (XLSX)": (FACTORY, f"{ip}/export.xlsx"),
        "PR1 editor: overview": (FACTORY, f"{report}/overview"),
        "PR1 editor: social dialogue": (FACTORY, f"{report}/social-dialogue"),
        "PR1 editor: systems": (FACTORY, f"{report}/systems"),
        "PR1 editor: learning": (FACTORY, f"{report}/learning"),
        "PR1 editor: feedback": (FACTORY, f"{report}/feedback"),
        "PR1 read view (factory, preview)": (FACTORY, f"{report}?preview=1"),
        "PR1 read view (EA)": (EA, report),
        "Reports list": (FACTORY, f"/factories/{a}/reports"),
        "Factory home": (FACTORY, "/home"),
        "Notices": (FACTORY, "/notices"),
        "EA inbox": (EA, "/inbox"),
        "Verification queue": (EA, "/verification"),
        "Buyer dashboard": (BUYER, "/dashboard"),
        "Programme dashboard": (ADMIN, "/dashboards/programme"),
        "Programme dashboard, filtered": (ADMIN, "/dashboards/programme?cycle=1&period=24"),
        "EA dashboard": (EA, "/dashboards/advisor"),
        "Factory dashboard": (FACTORY, f"/factories/{a}/dashboard"),
        "Buyer: final reports": (BUYER, f"/factories/{a}/reports"),
        "Transparency: list": (None, "/transparency"),
        "Transparency: Bandung": (None, f"/transparency/factories/{ids['bandung']}"),
        "Admin: factories": (ADMIN, "/admin/factories"),
        "Admin: people": (ADMIN, "/admin/people"),
        "Admin: invitations": (ADMIN, "/admin/invitations"),
        "Admin: subscriptions": (ADMIN, "/admin/subscriptions"),
        "Admin: audit trail": (ADMIN, "/admin/audit"),
    }
    if ids["submitted"]:
        factory_id, report_id = ids["submitted"]
        pages["PR1 read view, submitted (EA)"] = ("ea2@demo.test", f"/factories/{factory_id}/reports/{report_id}")
    api = "/api/v1"
    pages.update({  # the read API (API-1), with a token: (who, path)
        "API: IP items (buyer)": (("token", BUYER), f"{api}/factories/{a}/ip-items?limit=200"),
        "API: IP items (EA)": (("token", EA), f"{api}/factories/{a}/ip-items?limit=200"),
        "API: public findings (Bandung)": (("token", "ea2@demo.test"),
                                           f"{api}/factories/{ids['bandung']}/public-findings?limit=200"),
        "API: changes (buyer)": (("token", BUYER), f"{api}/changes?limit=200"),
        "API: reports (buyer)": (("token", BUYER), f"{api}/factories/{a}/reports"),
        "API: open data (JSON)": (None, f"{api}/open-data/transparency.json"),
        "API: open data (CSV)": (None, f"{api}/open-data/transparency.csv"),
    })

    clients, tokens = {}, {}

    def bearer(email: str) -> dict:
        """A token of ``email``'s, made once."""
        if email not in tokens:
            from bwportal.domain.people import api_tokens

            with app.app_context():
                user = db.session.scalar(select(User).filter_by(email=email))
                tokens[email] = api_tokens.create(user, "bench", 30)[1]
                db.session.commit()
        return {"Authorization": f"Bearer {tokens[email]}"}

    def client_for(email: str | None):
        if email not in clients:
            clients[email] = client = app.test_client()
            if email:
                answer = client.post("/sign-in", data={"email": email, "password": DEMO_PASSWORD})
                if answer.status_code not in (302, 303):
                    sys.exit(f"sign-in as {email} failed: {answer.status_code}")
        return clients[email]

    def count(email, path: str) -> int:
        headers = {}
        if isinstance(email, tuple):  # ("token", e-mail): the API, with that user's token
            headers, email = bearer(email[1]), None
        client = client_for(email)
        client.get(path, headers=headers)  # the token's first use of the hour writes its audit entry
        n = 0

        def on_query(*_a, **_k):
            nonlocal n
            n += 1

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", on_query)
            try:
                status = client.get(path, headers=headers).status_code
            finally:
                event.remove(db.engine, "before_cursor_execute", on_query)
        return n if status == 200 else -status

    results, sizes = {}, []
    for wanted in (small, large):
        sizes.append(resize(wanted))
        for name, (who, path) in pages.items():
            results.setdefault(name, []).append(count(who, path))
    print(f"{'page (queries; negative: HTTP status)':40} {str(sizes[0]) + ' items':>10} {str(sizes[1]) + ' items':>10}")
    for name, (first, second) in results.items():
        flag = "" if first == second else "   <- grows with the items"
        print(f"{name:40} {first:>10} {second:>10}{flag}")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="bwportal-bench-") as instance:  # removed afterwards
        os.environ.setdefault("BWPORTAL_INSTANCE", instance)
        main()
