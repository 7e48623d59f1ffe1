#!/usr/bin/env python3
"""The programme admin's lists with 10,000 factories: time and queries per page.

    .venv/bin/python bench/admin_lists.py [--factories 10000]

Builds a throw-away SQLite database (or uses DATABASE_URL, which it fills: use a scratch
database), loads the demo data, adds N factories to Cambodia, each with a lead EA and two
users, and prints, for each admin list, the median server time of 5 calls (in-process test
client, no network) and the number of SQL queries. It prints figures; it asserts nothing.
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
    from sqlalchemy import event, insert, select

    from bwportal import create_app
    from bwportal.demo import DEMO_PASSWORD, seed_demo
    from bwportal.extensions import db
    from bwportal.models import EAAssignment, Factory, Programme, Role, User

    app = create_app({"WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        seed_demo()
        programme = db.session.scalar(select(Programme).filter_by(name="Cambodia"))
        ea = db.session.scalar(select(User).filter_by(email="ea@demo.test"))
        ea_id = ea.id
        started = time.perf_counter()
        first_id = (db.session.scalar(select(db.func.max(Factory.id))) or 0) + 1
        n = args.factories
        db.session.execute(insert(Factory), [
            {"id": first_id + i, "programme_id": programme.id, "name": f"Scale Factory {i:05d}", "version": 1}
            for i in range(n)])
        db.session.execute(insert(EAAssignment), [
            {"ea_id": ea_id, "factory_id": first_id + i, "is_lead": True} for i in range(n)])
        db.session.execute(insert(User), [
            {"email": f"user{i}.{k}@scale.test", "name": f"User {i} {k}", "role": Role.FACTORY,
             "factory_id": first_id + i, "password_hash": ""} for i in range(n) for k in range(2)])
        db.session.commit()
        print(f"{n:,} factories, {2 * n:,} users added in {time.perf_counter() - started:.1f} s "
              f"({db.engine.dialect.name})")

    client = app.test_client()
    client.post("/sign-in", data={"email": "admin@demo.test", "password": DEMO_PASSWORD})
    pages = {
        "factories, first page": "/admin/factories",
        "factories, page 200": "/admin/factories?page=200",
        "factories, search": "/admin/factories?q=factory%2009",
        "factories, by EA": f"/admin/factories?ea={ea_id}&page=100",
        "people, first page": "/admin/people",
        "people, role + page 300": "/admin/people?role=factory&page=300",
        "people, search": "/admin/people?q=user9999.",
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
