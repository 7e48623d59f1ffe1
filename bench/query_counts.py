#!/usr/bin/env python3
"""SQL queries per main page with a small and a large Improvement Plan, side by side.

    .venv/bin/python bench/query_counts.py [--items 5 500]

Builds a throw-away SQLite database (or uses DATABASE_URL), loads the demo data, grows
Angkor Garments' plan, and prints the number of queries each page needs. Equal numbers
in both columns mean no page does a query per item (no N+1). It prints figures; it
asserts nothing.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", nargs=2, type=int, default=[5, 500],
                        help="plan sizes to compare (the demo plan already has 18 items)")
    args = parser.parse_args()
    instance = tempfile.mkdtemp(prefix="bwportal-bench-")
    os.environ.setdefault("BWPORTAL_INSTANCE", instance)

    from flask_migrate import upgrade
    from sqlalchemy import event, select

    from bwportal import create_app
    from bwportal.demo import DEMO_PASSWORD, seed_demo
    from bwportal.domain import ip_operations as ops
    from bwportal.domain.catalogues import row_by_name
    from bwportal.extensions import db
    from bwportal.models import CompliancePoint, Cycle, Factory, Finding, IPItem, User

    app = create_app({"WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        seed_demo()
        angkor = db.session.scalar(select(Factory).filter_by(name="Angkor Garments"))
        cycle = db.session.scalar(select(Cycle).filter_by(factory_id=angkor.id, number=1))
        point = row_by_name(CompliancePoint, angkor.programme_id, "Overtime Wages")
        ea = db.session.scalar(select(User).filter_by(email="ea@demo.test"))
        report_id = 1

    factory, advisor = "factory@demo.test", "ea@demo.test"
    pages = {  # name: (who reads it, path)
        "IP list": (factory, f"/factories/{angkor.id}/ip"),
        "IP export (CSV)": (factory, f"/factories/{angkor.id}/ip/export.csv"),
        "PR1 editor: overview": (factory, f"/factories/{angkor.id}/reports/{report_id}/overview"),
        "PR1 whole report (EA)": (advisor, f"/factories/{angkor.id}/reports/{report_id}"),
        "EA inbox": (advisor, "/inbox"),
        "Verification queue": (advisor, "/verification"),
        "Buyer dashboard": ("buyer@demo.test", "/dashboard"),
    }

    def grow_to(n: int) -> int:
        with app.app_context():
            have = db.session.scalar(select(db.func.count(IPItem.id)).where(IPItem.factory_id == angkor.id))
            for i in range(max(0, n - have)):
                finding = Finding(factory_id=angkor.id, cycle_id=cycle.id, cluster_id=point.cluster_id,
                                  compliance_point_id=point.id, text=f"Bench finding {i}", publicly_reported=True)
                db.session.add(finding)
                db.session.flush()
                ops.item_from_finding(finding, ea)
            db.session.commit()
            return db.session.scalar(select(db.func.count(IPItem.id)).where(IPItem.factory_id == angkor.id))

    def count(email: str, path: str) -> int:
        client = app.test_client()
        client.post("/sign-in", data={"email": email, "password": DEMO_PASSWORD})
        n = 0

        def on_query(*_a, **_k):
            nonlocal n
            n += 1

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", on_query)
            try:
                status = client.get(path).status_code
            finally:
                event.remove(db.engine, "before_cursor_execute", on_query)
        return n if status == 200 else -status

    results, sizes = {}, []
    for wanted in args.items:
        sizes.append(grow_to(wanted))
        for name, (who, path) in pages.items():
            results.setdefault(name, []).append(count(who, path))
    print(f"{'page (queries; negative: HTTP status)':40} {str(sizes[0]) + ' items':>10} {str(sizes[1]) + ' items':>10}")
    for name, (a, b) in results.items():
        flag = "" if a == b else "   <- grows with the items"
        print(f"{name:40} {a:>10} {b:>10}{flag}")


if __name__ == "__main__":
    main()
