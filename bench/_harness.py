"""What the browser benchmarks share (bench/page_weight.py, bench/peer_admin.py): a
throw-away instance with the demo data, gunicorn on a free loopback port, and Debian
chromium driven by Playwright under CDP-emulated Regular 2G (250 kbit/s down, 50 kbit/s up,
300 ms latency), measuring one page cold and warm.

Not a benchmark itself (dev.py bench skips names starting with "_")."""

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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
REGULAR_2G = {"offline": False, "latency": 300, "downloadThroughput": 250_000 / 8, "uploadThroughput": 50_000 / 8}
FACTORY_USER = "factory@demo.test"


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        sys.exit("Debian chromium is needed: apt-get install chromium")


def temporary_instance(prefix: str = "bwportal-bench-") -> str:
    """Points BWPORTAL_INSTANCE (unless set) at a new temporary folder; returns the folder."""
    instance = tempfile.mkdtemp(prefix=prefix)
    os.environ.setdefault("BWPORTAL_INSTANCE", instance)
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    os.environ.pop("REDIS_URL", None)  # notices and jobs run in-process
    return instance


def remove_instance(instance: str) -> None:
    if instance == os.environ.get("BWPORTAL_INSTANCE"):
        shutil.rmtree(instance, ignore_errors=True)


def seeded_app():
    """The portal app on a migrated database with the demo data."""
    from flask_migrate import upgrade

    from bwportal import create_app
    from devdata.demo import seed_demo

    app = create_app()
    with app.app_context():
        upgrade()
        seed_demo()
    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict, port: int, app: str = "wsgi:app", chdir: Path = ROOT,
                   health: str = "/healthz") -> subprocess.Popen:
    """gunicorn serving ``app`` (module:variable, importable from ``chdir``), once it answers."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    # As the Procfile runs it (sync workers); a short graceful timeout, since a connection that
    # chromium opened ahead and never used keeps a sync worker from stopping for 30 s.
    server = subprocess.Popen([str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level",
                               "warning", "--graceful-timeout", "3", app], cwd=chdir, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{health}", timeout=1)  # noqa: S310 - loopback
            return server
        except OSError:
            if server.poll() is not None:
                sys.exit(f"gunicorn ({app}) did not start")
            time.sleep(0.2)
    server.terminate()
    sys.exit(f"gunicorn ({app}) did not answer within 30 s")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=5)


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def sign_in(context, base: str, email: str) -> None:
    """Signs the context in through the form (its cookies, not its browser cache)."""
    from devdata.demo import DEMO_PASSWORD

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


def measure(browser, base: str, who: str | None, path: str, save: bool = False) -> dict:
    """One page in a new browser context: cold (empty cache, already signed in as ``who``),
    then warm (the same page again); with ``save``, a PR1 section's "Save to Draft" by htmx."""
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


def median(results: list[dict], key: str):
    values = [r[key] for r in results if key in r]
    return statistics.median(values) if values else None


def print_table(header: tuple, rows: list[tuple]) -> None:
    """A Markdown table, columns padded."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print("| " + " | ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
