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

Targets (issue 8): first PR1 editor load <= 1.5 s and a save <= 0.8 s on Regular 2G.
It prints figures; it asserts nothing.
"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
REGULAR_2G = {"offline": False, "latency": 300, "downloadThroughput": 250_000 / 8, "uploadThroughput": 50_000 / 8}
FACTORY_USER = "factory@demo.test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_instance() -> dict:
    """Migrate and seed the demo in BWPORTAL_INSTANCE; the paths of the pages to measure."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from bwportal import create_app
    from bwportal.demo import seed_demo
    from bwportal.extensions import db
    from bwportal.models import Factory, ProgressReport
    from bwportal.models.report import ReportKind

    app = create_app()
    with app.app_context():
        upgrade()
        seed_demo()
        angkor = db.session.scalar(select(Factory).filter_by(name="Angkor Garments"))
        bandung = db.session.scalar(select(Factory).filter_by(name="Bandung Textiles"))
        report = db.session.scalar(select(ProgressReport).filter_by(factory_id=angkor.id, kind=ReportKind.PR1)
                                   .order_by(ProgressReport.id))
        if report is None:
            sys.exit("The demo data has no PR1 for Angkor Garments.")
        return {  # name: (who signs in, path)
            "sign-in": (None, "/sign-in"),
            "IP list": (FACTORY_USER, f"/factories/{angkor.id}/ip"),
            "PR1 editor": (FACTORY_USER, f"/factories/{angkor.id}/reports/{report.id}/overview"),
            "Transparency: Bandung": (None, f"/transparency/factories/{bandung.id}"),
        }


def start_gunicorn(env: dict, port: int) -> subprocess.Popen:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen([str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level",
                               "warning", "wsgi:app"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # noqa: S310 - loopback
            return server
        except OSError:
            if server.poll() is not None:
                sys.exit("gunicorn did not start")
            time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not answer within 30 s")


def sign_in(context, base: str, email: str) -> None:
    """Signs the context in through the form (its cookies, not its browser cache)."""
    from bwportal.demo import DEMO_PASSWORD

    html = context.request.get(base + "/sign-in").text()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    form = {"email": email, "password": DEMO_PASSWORD}
    if token:
        form["csrf_token"] = token[1]
    answer = context.request.post(base + "/sign-in", form=form, max_redirects=0)
    if answer.status not in (302, 303):
        sys.exit(f"sign-in as {email} failed: {answer.status}")


class Meter:
    """Counts what one page load takes from the network, through CDP."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.emulateNetworkConditions", REGULAR_2G)
        self.bytes = 0
        self.requests: set[str] = set()
        self.cached: set[str] = set()
        self.cdp.on("Network.responseReceived", self._received)
        self.cdp.on("Network.requestServedFromCache", lambda e: self.cached.add(e["requestId"]))
        self.cdp.on("Network.loadingFinished", self._finished)

    def _received(self, event):
        response = event["response"]
        if response.get("fromDiskCache") or response.get("fromPrefetchCache") or response.get("fromServiceWorker"):
            self.cached.add(event["requestId"])
        else:
            self.requests.add(event["requestId"])

    def _finished(self, event):
        self.bytes += event["encodedDataLength"]

    def reset(self):
        self.bytes = 0
        self.requests.clear()
        self.cached.clear()

    def network_requests(self) -> int:
        return len(self.requests - self.cached)


def timing(page) -> tuple[float, float]:
    """Seconds from navigation start to the end of the load event, and to the first contentful paint."""
    load, paint = page.evaluate("""() => {
        const n = performance.getEntriesByType('navigation')[0];
        const p = performance.getEntriesByName('first-contentful-paint')[0];
        return [n.loadEventEnd, p ? p.startTime : null]; }""")
    return load / 1000, (paint or 0) / 1000


SAVE = """() => new Promise((resolve, reject) => {
  const form = document.querySelector('form.section-form');
  if (!form || !window.htmx) { reject(new Error('no section form or no htmx')); return; }
  const button = [...form.querySelectorAll('button[type=submit]')].find(b => !b.name);
  const t0 = performance.now();
  document.addEventListener('htmx:afterSwap', () => resolve((performance.now() - t0) / 1000), {once: true});
  button.click();
})"""


def measure(browser, base: str, who: str | None, path: str, save: bool) -> dict:
    context = browser.new_context()
    try:
        if who:
            sign_in(context, base, who)
        page = context.new_page()
        meter = Meter(page)
        answer = page.goto(base + path, wait_until="load")
        if answer.status != 200 or (who and page.url.rstrip("/").endswith("/sign-in")):
            raise RuntimeError(f"{path}: {answer.status} at {page.url}")
        cold_load, cold_paint = timing(page)
        result = {"cold bytes": meter.bytes, "cold requests": meter.network_requests(),
                  "cold load": cold_load, "cold FCP": cold_paint}
        meter.reset()
        page.goto(base + path, wait_until="load")
        warm_load, _ = timing(page)
        result.update({"warm bytes": meter.bytes, "warm requests": meter.network_requests(), "warm load": warm_load})
        if save:
            page.wait_for_function("() => !!window.htmx")
            meter.reset()
            result["save"] = page.evaluate(SAVE)
            if not page.locator("#section form[data-saved]").count():
                raise RuntimeError("the section was not saved")
            page.wait_for_timeout(300)  # CDP's loadingFinished may come after htmx's swap
            result["save bytes"] = meter.bytes
        return result
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3, help="runs per page; the median is printed")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit("Debian chromium is needed: apt-get install chromium")

    instance = tempfile.mkdtemp(prefix="bwportal-weight-")
    os.environ.setdefault("BWPORTAL_INSTANCE", instance)
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    os.environ.pop("REDIS_URL", None)  # notices and jobs run in-process
    pages = build_instance()
    port = free_port()
    server = start_gunicorn(dict(os.environ), port)
    base = f"http://127.0.0.1:{port}"

    from playwright.sync_api import sync_playwright

    results: dict[str, list[dict]] = {name: [] for name in pages}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            print(f"chromium {browser.version}, Regular 2G (250/50 kbit/s, 300 ms), "
                  f"median of {args.runs}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC", flush=True)
            for _ in range(args.runs):
                for name, (who, path) in pages.items():
                    results[name].append(measure(browser, base, who, path, save=name == "PR1 editor"))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        if instance == os.environ.get("BWPORTAL_INSTANCE"):
            shutil.rmtree(instance, ignore_errors=True)

    def median(name, key):
        values = [r[key] for r in results[name] if key in r]
        return statistics.median(values) if values else None

    header = ("page", "cold KB", "req", "load s", "FCP s", "warm KB", "req", "load s", "save s")
    rows = []
    for name in pages:
        save = median(name, "save")
        rows.append((name, f"{median(name, 'cold bytes') / 1000:.1f}", f"{median(name, 'cold requests'):.0f}",
                     f"{median(name, 'cold load'):.2f}", f"{median(name, 'cold FCP'):.2f}",
                     f"{median(name, 'warm bytes') / 1000:.1f}", f"{median(name, 'warm requests'):.0f}",
                     f"{median(name, 'warm load'):.2f}", "" if save is None else f"{save:.2f}"))
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    editor = "PR1 editor"
    print(f"\nTargets: first PR1 editor load {median(editor, 'cold load'):.2f} s (<= 1.5 s), "
          f"save {median(editor, 'save'):.2f} s (<= 0.8 s); "
          f"save request+answer {median(editor, 'save bytes') / 1000:.1f} KB")


if __name__ == "__main__":
    main()
