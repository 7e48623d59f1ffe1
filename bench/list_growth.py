#!/usr/bin/env python3
"""The cost of a page of the IP list as the plan grows (issue 18, item 8): 100 and then 10,000
items of one factory.

    .venv/bin/python bench/list_growth.py [--sizes 100 10000]

Builds a throw-away SQLite database (or uses DATABASE_URL, which it fills: use a scratch
database) with the demo data, gives Angkor Garments' current cycle copies of one of its items
up to each size, and prints, for the list's first and last page and for the CSV and XLSX
exports, the median server time of 5 calls (in-process test client, no network), the number of
SQL queries and the bytes sent. The pages should stay flat; the exports grow with the plan
(they hold every item) but are written to a spooled file, not built in memory. It prints
figures; it asserts nothing.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 10_000])
    args = parser.parse_args()
    os.environ.setdefault("BWPORTAL_INSTANCE", tempfile.mkdtemp(prefix="bwportal-bench-"))

    from flask_migrate import upgrade
    from sqlalchemy import event, func, insert, select

    from bwportal import create_app
    from bwportal.extensions import db
    from bwportal.models import Factory, IPItem
    from bwportal.web.paging import PER_PAGE
    from devdata.demo import DEMO_PASSWORD, seed_demo

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        seed_demo()
        factory_id = db.session.scalar(select(Factory.id).filter_by(name="Angkor Garments"))
        model = db.session.scalars(select(IPItem).where(IPItem.factory_id == factory_id)
                                   .order_by(IPItem.id.desc())).first()
        columns = {c.key: getattr(model, c.key) for c in IPItem.__mapper__.column_attrs if c.key != "id"}
        db.session.commit()

    client = app.test_client()
    client.post("/sign-in", data={"email": "factory@demo.test", "password": DEMO_PASSWORD})
    base = f"/factories/{factory_id}/ip"
    print(f"{'items':>7} {'page':18} {'median ms':>10} {'queries':>8} {'bytes':>10}")
    for size in args.sizes:
        with app.app_context():
            have = db.session.scalar(select(func.count()).select_from(IPItem).where(IPItem.factory_id == factory_id))
            if size > have:
                db.session.execute(insert(IPItem), [dict(columns, area_of_improvement=f"Copy {i}")
                                                    for i in range(size - have)])
                db.session.commit()
            have = max(size, have)
        last = -(-have // PER_PAGE)
        for name, path in (("list, page 1", base), (f"list, page {last}", f"{base}?page={last}"),
                           ("list, filtered", f"{base}?lead=a"),
                           ("export CSV", f"{base}/export.csv"), ("export XLSX", f"{base}/export.xlsx")):
            times, queries = [], []
            for _ in range(5):
                count = [0]

                def on_query(*_args, count=count):
                    count[0] += 1

                with app.app_context():
                    event.listen(db.engine, "before_cursor_execute", on_query)
                    try:
                        start = time.perf_counter()
                        response = client.get(path)
                        body = response.get_data()
                        times.append((time.perf_counter() - start) * 1000)
                    finally:
                        event.remove(db.engine, "before_cursor_execute", on_query)
                assert response.status_code == 200, (path, response.status_code)
                queries.append(count[0])
            print(f"{have:7,} {name:18} {statistics.median(times):10.1f} {max(queries):8} {len(body):10,}", flush=True)


if __name__ == "__main__":
    main()
