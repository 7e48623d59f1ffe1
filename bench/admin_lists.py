#!/usr/bin/env python3
"""The programme admin's lists with 10,000 factories: time and queries per page.

    .venv/bin/python bench/admin_lists.py [--factories 10000]

Builds a throw-away SQLite database (or uses DATABASE_URL, which it fills: use a scratch
database) with the scale programme's people (bwportal/seed_scale.py, ``people_only``): N
factories, each with a lead EA (an EA leads 20 to 50) and 2 or 3 users, and the brands'
subscriptions. It prints, for each admin list, the median server time of 5 calls
(in-process test client, no network) and the number of SQL queries. It prints figures; it
asserts nothing.
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
    parser.add_argument("--factories", type=int, default=10_000)
    args = parser.parse_args()
    os.environ.setdefault("BWPORTAL_INSTANCE", tempfile.mkdtemp(prefix="bwportal-bench-"))

    from flask_migrate import upgrade
    from sqlalchemy import event, select

    from bwportal import create_app
    from bwportal.extensions import db
    from bwportal.models import User
    from devdata.seed_scale import SCALE_PASSWORD, seed_scale

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        n = args.factories
        result = seed_scale(n, name="Admin Lists", replace=True, people_only=True)
        admin = result.sample["programme admin"]
        ea_id = db.session.scalar(select(User.id).filter_by(email=result.sample["Enterprise Advisor"]))
        print(f"{n:,} factories, {result.counts['user']:,} users added in {time.perf_counter() - started:.1f} s "
              f"({db.engine.dialect.name})")

    client = app.test_client()
    client.post("/sign-in", data={"email": admin, "password": SCALE_PASSWORD})
    pages = {
        "factories, first page": "/admin/factories",
        "factories, page 200": "/admin/factories?page=200",
        "factories, search": "/admin/factories?q=garments%2009",
        "factories, by EA": f"/admin/factories?ea={ea_id}",
        "people, first page": "/admin/people",
        "people, role + page 300": "/admin/people?role=factory&page=300",
        "people, search": "/admin/people?q=f09999.",
        "audit trail": "/admin/audit",
    }
    print(f"{'page':28} {'median ms':>10} {'queries':>8} {'bytes':>8}")
    for name, path in pages.items():
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
                    times.append((time.perf_counter() - start) * 1000)
                finally:
                    event.remove(db.engine, "before_cursor_execute", on_query)
            assert response.status_code == 200, (path, response.status_code)
            queries.append(count[0])
        print(f"{name:28} {statistics.median(times):10.1f} {max(queries):8} {len(response.data):8}")


if __name__ == "__main__":
    main()
