#!/usr/bin/env python3
"""Page weight and load times of the main pages on a Regular 2G link, in Debian chromium.

    .venv/bin/python bench/page_weight.py [--runs 3]

Builds a throw-away instance (SQLite in a temporary folder, or DATABASE_URL), loads the
demo data, serves it with gunicorn on a free loopback port, and drives /usr/bin/chromium
with Playwright. Chromium's DevTools protocol emulates Regular 2G: 250 kbit/s down,
50 kbit/s up, 300 ms latency. For each page it prints the median of the runs:

- cold: a new browser context (empty cache, as on a first visit), already signed in;
- warm: the same page again in that context (static files from the browser cache);
- bytes: what came over the wire (CDP ``encodedDataLength``: headers and compressed bodies);
- requests: requests that went to the network (not answered from the browser cache);
- load: navigation start to the end of the ``load`` event (Navigation Timing), and FCP:
  to the first contentful paint (the page shows its content before the scripts have run);
- save (PR1 editor): from the click on the section's "Save to Draft" button (JavaScript on,
  so htmx posts the form) to htmx's ``afterSwap`` of the answer.

The PR1 editor is measured in English, Khmer and Arabic (right to left): a factory user of
Angkor Garments in each language. Targets (issue 8): first PR1 editor load <= 1.5 s and a
save <= 0.8 s on Regular 2G, in every language.
It prints figures; it asserts nothing.
"""

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

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

EDITOR_LOCALES = ("km", "ar")


def build_instance() -> dict:
    """Migrate and seed the demo in BWPORTAL_INSTANCE; the paths of the pages to measure."""
    from sqlalchemy import select

    from bwportal.domain.people.accounts import hash_password
    from bwportal.extensions import db
    from bwportal.models import Factory, ProgressReport, Role
    from bwportal.models.report import ReportKind
    from devdata.demo import DEMO_PASSWORD
    from tests import factories as f

    app = seeded_app()
    with app.app_context():
        angkor = db.session.scalar(select(Factory).filter_by(name="Angkor Garments"))
        bandung = db.session.scalar(select(Factory).filter_by(name="Bandung Textiles"))
        report = db.session.scalar(select(ProgressReport).filter_by(factory_id=angkor.id, kind=ReportKind.PR1)
                                   .order_by(ProgressReport.id))
        if report is None:
            sys.exit("The demo data has no PR1 for Angkor Garments.")
        for locale in EDITOR_LOCALES:  # Angkor's users who read the portal in Khmer and in Arabic
            f.make_user(Role.FACTORY, factory=angkor, email=f"factory-{locale}@demo.test",
                        name=f"Factory user ({locale})", locale=locale, password_hash=hash_password(DEMO_PASSWORD))
        db.session.commit()
        editor = f"/factories/{angkor.id}/reports/{report.id}/overview"
        return {  # name: (who signs in, path)
            "sign-in": (None, "/sign-in"),
            "IP list": (FACTORY_USER, f"/factories/{angkor.id}/ip"),
            "PR1 editor": (FACTORY_USER, editor),
            **{f"PR1 editor ({locale})": (f"factory-{locale}@demo.test", editor) for locale in EDITOR_LOCALES},
            "Transparency: Bandung": (None, f"/transparency/factories/{bandung.id}"),
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3, help="runs per page; the median is printed")
    args = parser.parse_args()
    require_chromium()

    instance = temporary_instance("bwportal-weight-")
    pages = build_instance()
    port = free_port()
    server = start_gunicorn(dict(os.environ), port)
    base = f"http://127.0.0.1:{port}"

    from playwright.sync_api import sync_playwright

    results: dict[str, list[dict]] = {name: [] for name in pages}
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            print(f"chromium {browser.version}, Regular 2G (250/50 kbit/s, 300 ms), "
                  f"median of {args.runs}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC", flush=True)
            for _ in range(args.runs):
                for name, (who, path) in pages.items():
                    results[name].append(measure(browser, base, who, path, save=name.startswith("PR1 editor")))
            browser.close()
    finally:
        stop(server)
        remove_instance(instance)

    header = ("page", "cold KB", "req", "load s", "FCP s", "warm KB", "req", "load s", "save s")
    rows = []
    for name in pages:
        r = results[name]
        save = median(r, "save")
        rows.append((name, f"{median(r, 'cold bytes') / 1000:.1f}", f"{median(r, 'cold requests'):.0f}",
                     f"{median(r, 'cold load'):.2f}", f"{median(r, 'cold FCP'):.2f}",
                     f"{median(r, 'warm bytes') / 1000:.1f}", f"{median(r, 'warm requests'):.0f}",
                     f"{median(r, 'warm load'):.2f}", "" if save is None else f"{save:.2f}"))
    print_table(header, rows)
    print()
    for name in (n for n in pages if n.startswith("PR1 editor")):
        editor = results[name]
        print(f"Targets, {name}: first load {median(editor, 'cold load'):.2f} s (<= 1.5 s), "
              f"save {median(editor, 'save'):.2f} s (<= 0.8 s); "
              f"save request+answer {median(editor, 'save bytes') / 1000:.1f} KB")


if __name__ == "__main__":
    main()
