#!/usr/bin/env python3
"""Our IP pages beside a Flask-Admin ModelView of the same items, on Regular 2G.

    .venv/bin/python bench/peer_admin.py [--runs 3]     (needs the bench extra: pip install -e .[bench])

Builds one throw-away instance with the demo data (as bench/page_weight.py does, with the
same machinery: bench/_harness.py) and serves it twice with gunicorn: the portal
(wsgi:app), and next to it bench/_peer_app.py, a separate WSGI app that mounts Flask-Admin's
``ModelView(IPItem, db.session)`` on the same database and models. Then, in one browser
(Debian chromium, CDP Regular 2G: 250/50 kbit/s, 300 ms) and in the same runs, it loads:

- ours: Angkor Garments' IP list and the edit page of one of its items, signed in as the
  factory user, and the PR1 editor for context;
- the peer: Flask-Admin's list (/admin/ipitem/, its first page: 20 rows of every factory's
  items, its default) and its edit page of the same item (/admin/ipitem/edit/?id=N).

For each page the median of the runs: cold (new browser context, empty cache) and warm (the
same page again) bytes on the wire, requests that reached the network, load (to the end of
the load event) and FCP; then the ratio peer/ours. Both apps compress with Flask-Compress, so
bytes compare the pages, not a server setting. Flask-Admin 2.x serves Bootstrap 4, jQuery,
Select2 and Font Awesome from its own static folder: nothing comes from a CDN. The peer has
no sign-in (Flask-Admin has none of its own). It prints figures; it asserts nothing.
"""

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import (  # noqa: E402
    FACTORY_USER,
    free_port,
    launch_chromium,
    measure,
    median,
    print_table,
    remove_instance,
    require_chromium,
    seeded_app,
    start_gunicorn,
    stop,
    temporary_instance,
)

COMPARED = ("IP list", "IP edit")


def build_instance() -> tuple[dict, dict, str]:
    """Seeds the demo; (our pages, the peer's pages, a line saying what the lists hold)."""
    from _peer_app import EDIT, LIST
    from sqlalchemy import func, select

    from bwportal.extensions import db
    from bwportal.models import Factory, IPItem, ProgressReport
    from bwportal.models.report import ReportKind

    app = seeded_app()
    with app.app_context():
        angkor = db.session.scalar(select(Factory).filter_by(name="Angkor Garments"))
        item_id = db.session.scalar(select(func.min(IPItem.id)).where(IPItem.factory_id == angkor.id))
        report = db.session.scalar(select(ProgressReport).filter_by(factory_id=angkor.id, kind=ReportKind.PR1)
                                   .order_by(ProgressReport.id))
        if item_id is None or report is None:
            sys.exit("The demo data has no IP item or no PR1 for Angkor Garments.")
        ours_count = db.session.scalar(select(func.count(IPItem.id)).where(IPItem.factory_id == angkor.id))
        all_count = db.session.scalar(select(func.count(IPItem.id)))
        ip = f"/factories/{angkor.id}/ip"
        ours = {  # name: (who signs in, path)
            "IP list": (FACTORY_USER, ip),
            "IP edit": (FACTORY_USER, f"{ip}/{item_id}/edit"),
            "PR1 editor": (FACTORY_USER, f"/factories/{angkor.id}/reports/{report.id}/overview"),
        }
        peer = {"IP list": (None, LIST), "IP edit": (None, EDIT.format(id=item_id))}
        note = (f"IP list: ours shows Angkor Garments' {ours_count} items; Flask-Admin its first page "
                f"({min(20, all_count)} of all {all_count} items). IP edit: item {item_id} on both.")
        return ours, peer, note


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3, help="runs per page; the median is printed")
    args = parser.parse_args()
    require_chromium()
    try:
        import flask_admin
    except ImportError:
        sys.exit("Flask-Admin is a bench extra: .venv/bin/pip install -e '.[bench]' (python3 dev.py bench does it)")

    instance = temporary_instance("bwportal-peer-")
    ours, peer, note = build_instance()
    env = dict(os.environ)
    ours_port, peer_port = free_port(), free_port()
    servers = [start_gunicorn(env, ours_port)]
    try:
        servers.append(start_gunicorn(env, peer_port, app="_peer_app:create_peer_app()", chdir=HERE))
        sides = {"ours": (f"http://127.0.0.1:{ours_port}", ours),
                 "Flask-Admin": (f"http://127.0.0.1:{peer_port}", peer)}

        from playwright.sync_api import sync_playwright

        results: dict[tuple[str, str], list[dict]] = {}
        with sync_playwright() as p:
            browser = launch_chromium(p)
            print(f"chromium {browser.version}, Regular 2G (250/50 kbit/s, 300 ms), median of {args.runs}, "
                  f"Flask-Admin {flask_admin.__version__}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC", flush=True)
            for _ in range(args.runs):
                for side, (base, pages) in sides.items():  # alternate, so both see the same machine load
                    for name, (who, path) in pages.items():
                        results.setdefault((name, side), []).append(measure(browser, base, who, path))
            browser.close()
    finally:
        for server in servers:
            stop(server)
        remove_instance(instance)

    keys = ("cold bytes", "cold requests", "cold load", "cold FCP", "warm bytes", "warm requests", "warm load")
    header = ("page", "app", "cold KB", "req", "load s", "FCP s", "warm KB", "req", "load s")

    def figures(name, side):
        return {key: median(results[(name, side)], key) for key in keys}

    def formatted(f):
        return (f"{f['cold bytes'] / 1000:.1f}", f"{f['cold requests']:.0f}", f"{f['cold load']:.2f}",
                f"{f['cold FCP']:.2f}", f"{f['warm bytes'] / 1000:.1f}", f"{f['warm requests']:.0f}",
                f"{f['warm load']:.2f}")

    def ratio(a, b):
        return "-" if not b else f"{a / b:.1f}x"

    rows = []
    for name in COMPARED:
        mine, theirs = figures(name, "ours"), figures(name, "Flask-Admin")
        rows.append((name, "ours", *formatted(mine)))
        rows.append((name, "Flask-Admin", *formatted(theirs)))
        rows.append((name, "peer/ours", *(ratio(theirs[key], mine[key]) for key in keys)))
    rows.append(("PR1 editor", "ours", *formatted(figures("PR1 editor", "ours"))))
    print_table(header, rows)
    print(f"\n{note}")


if __name__ == "__main__":
    main()
