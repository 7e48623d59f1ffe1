#!/usr/bin/env python3
"""Server load: gunicorn (2 workers) on PostgreSQL and Redis with the scale data, driven by
concurrent HTTP/1.1 clients on loopback.

    .venv/bin/python bench/load.py [--factories 10000] [--duration 30] [--clients 20]
    .venv/bin/python bench/load.py --quick          # 300 factories, 5 s, 5 clients

The database is a scratch PostgreSQL database ``bwportal_bench`` on 127.0.0.1:5432 (made if
missing) unless --database-url names another; it is filled by ``seed-scale``
(bwportal/seed_scale.py) once and kept, so the next run reuses the data: --reseed builds it
again (the scratch database is dropped and made anew), --drop drops the scratch database at
the end. Redis is --redis-url (default redis://127.0.0.1:6379/13, emptied before and after).
Sign-in throttling is off in the server (RATELIMIT_ENABLED=0): every client signs in from
the same address.

Each client signs in as a different factory user (factories spread over the programme, each
with a draft PR1), takes the CSRF token from the page, and then, for --duration seconds per
scenario, all clients at once loop one scenario:

- sign-in: GET the form, POST e-mail and password (a new session each time; the POST is timed);
- IP list: the factory's whole Improvement Plan page;
- IP inline save: htmx POST of the item's edit form with new progress text and the item's
  current version (the form is read again after a conflict);
- PR1 section switch: htmx GET of the next section of the factory's draft PR1;
- section save: htmx POST of a section with the version from the previous answer;
- Transparency Portal page: a listed factory's public page, without signing in.

Only the scenario's own requests are timed; the "other" column counts the requests made on
the way (the sign-in form, edit forms read after a conflict). A 409 is a conflict, not an
error; any other unexpected answer or a broken connection is an error. The load generator
runs on the same machine as the server and the database and takes CPU from them. It prints
figures; it asserts nothing.

Those runs are closed loops: each client sends its next request as soon as the last one is
answered, so they measure the capacity, and their latency is mostly the wait in gunicorn's
queue (Little's law: mean latency = clients / throughput; 20 clients at 100 saves/s wait
200 ms on average, however fast one save is). The section save then runs as an open loop
too, as real users send saves, whether or not the server kept up: the 20 clients send at
Poisson times adding up to a fixed rate, at --open-rates fractions of the closed loop's
throughput (default 0.25 0.5 0.75 0.9), and each save's latency counts from the time it was
due, so a server that falls behind shows it (no coordinated omission). That tells the rate
the two workers carry with p95 <= 50 ms.
"""

import argparse
import gzip
import http.client
import math
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import free_port, start_gunicorn, stop  # noqa: E402 - bench/ is on the path

SCRATCH_URL = "postgresql://postgres@127.0.0.1:5432/bwportal_bench"
PROGRAMME = "Scale"
SECTION_SAVE_P95_MS = 50
SCENARIOS = ("sign-in", "IP list", "IP inline save", "PR1 section switch", "section save", "Transparency page")
SECTIONS = ("overview", "social-dialogue", "systems", "learning", "feedback")


# --- the database --------------------------------------------------------------------------

def _admin_url(url: str) -> tuple[str, str]:
    """The maintenance database's URL on the same server, and the database's name."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def ensure_database(url: str, recreate: bool) -> None:
    import psycopg

    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and recreate:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"Made the scratch database {name}.", flush=True)


def drop_database(url: str) -> None:
    import psycopg

    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"Dropped the scratch database {name}.")


@dataclass
class Plan:
    """What the clients work on, read from the seeded data."""

    users: list = field(default_factory=list)  # (email, factory id, report id, [item ids])
    listed: list = field(default_factory=list)  # factory ids on the Transparency Portal
    password: str = ""
    factories: int = 0
    postgres: str = ""
    seeded: str = ""


def prepare(args) -> Plan:
    """Migrate, seed the scale data unless it is there, and pick each client's factory."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from bwportal import create_app
    from bwportal.domain.public.transparency import listed_factory_ids
    from bwportal.domain.time import today_in
    from bwportal.extensions import db
    from bwportal.models import Factory, IPItem, IPStatus, Programme, ProgressReport, ReportStatus, User
    from devdata.seed_scale import SCALE_PASSWORD, seed_scale

    app = create_app()
    plan = Plan(password=SCALE_PASSWORD)
    with app.app_context():
        upgrade()
        programme = db.session.scalar(select(Programme).filter_by(name=PROGRAMME))
        have = db.session.scalar(select(func.count(Factory.id)).where(Factory.programme_id == programme.id)) \
            if programme is not None else 0
        if programme is not None and not args.reseed:
            plan.seeded = f"reused: {have:,} factories seeded before; --reseed builds {args.factories:,}"
        else:
            print(f"Seeding {args.factories:,} factories…", flush=True)
            result = seed_scale(args.factories, name=PROGRAMME, replace=True,
                                echo=lambda line: print(line, flush=True))
            plan.seeded = f"seeded now: {args.factories:,} factories in {result.seconds:.0f} s"
            programme = db.session.scalar(select(Programme).filter_by(name=PROGRAMME))
        plan.postgres = db.session.scalar(text("SHOW server_version"))
        plan.factories = db.session.scalar(select(func.count(Factory.id)).where(
            Factory.programme_id == programme.id))
        today = today_in(programme.timezone)
        # Factories whose PR1 is a draft (the factory may write it), spread over the programme.
        drafts = db.session.execute(
            select(ProgressReport.factory_id, func.max(ProgressReport.id))
            .join(Factory, Factory.id == ProgressReport.factory_id)
            .where(Factory.programme_id == programme.id, ProgressReport.status == ReportStatus.DRAFT)
            .group_by(ProgressReport.factory_id).order_by(ProgressReport.factory_id)).all()
        step = max(1, len(drafts) // max(1, args.clients))
        for factory_id, report_id in drafts[::step] + drafts:  # spread first, then any left
            if len(plan.users) == args.clients:
                break
            if any(user[1] == factory_id for user in plan.users):
                continue
            email = db.session.scalar(select(User.email).where(User.factory_id == factory_id, User.is_account_manager))
            items = list(db.session.scalars(select(IPItem.id).where(  # items the factory may edit inline
                IPItem.factory_id == factory_id, IPItem.status == IPStatus.IN_PROGRESS,
                IPItem.target_date > today).order_by(IPItem.id).limit(3)))
            if email and items:
                plan.users.append((email, factory_id, report_id, items))
        plan.listed = list(db.session.scalars(
            listed_factory_ids(today).where(Factory.programme_id == programme.id).limit(500)))
    if len(plan.users) < args.clients:
        sys.exit(f"Only {len(plan.users)} factories with a draft PR1 for {args.clients} clients: seed more.")
    return plan


# --- an HTTP client ------------------------------------------------------------------------------

class FormReader(HTMLParser):
    """The fields of the first form matching ``wanted`` (a regex on its opening tag), as a
    browser would post them (submit buttons left out)."""

    def __init__(self, wanted: str):
        super().__init__(convert_charrefs=True)
        self.wanted, self.inside, self.done = re.compile(wanted), False, False
        self.fields: list[list[str]] = []
        self._textarea = self._select = None
        self._select_first = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.done and not self.inside:
            self.inside = bool(self.wanted.search(self.get_starttag_text() or ""))
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append([name, a.get("value", "on" if kind in ("checkbox", "radio") else "")])
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
            self.fields.append(self._textarea)
        elif tag == "select" and name:
            self._select, self._select_first = [name, None], None
            self.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self._select[1] = value

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None:
            if self._select[1] is None:
                self._select[1] = self._select_first or ""
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            if not self._textarea[1]:  # a browser drops the newline that follows <textarea>
                data = data[2:] if data.startswith("\r\n") else data[1:] if data.startswith("\n") else data
            self._textarea[1] += data


def read_form(html: str, wanted: str) -> list[list[str]]:
    reader = FormReader(wanted)
    reader.feed(html)
    return reader.fields


class Client:
    """One browser: its connection (kept open when the server allows; gunicorn's sync workers
    close it after each answer, and the next request opens another) and its cookies."""

    def __init__(self, port: int):
        self.port = port
        self.conn = None
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form=None, htmx: bool = False) -> tuple[int, str, float]:
        headers = {"Accept-Encoding": "gzip", "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if htmx:
            headers["HX-Request"] = "true"
        body = None
        if form is not None:
            pairs = form.items() if isinstance(form, dict) else form
            body = urlencode([(k, v) for k, v in pairs])
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue  # the server closed the connection meanwhile: once more, on a new one
            elapsed = (time.perf_counter() - started) * 1000
            for header in response.headers.get_all("Set-Cookie") or []:
                for key, morsel in SimpleCookie(header).items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(key, None)
                    else:
                        self.cookies[key] = morsel.value
            if response.getheader("Content-Encoding") == "gzip":
                data = gzip.decompress(data)
            return response.status, data.decode("utf-8", "replace"), elapsed
        raise AssertionError("unreachable")


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return found[1] if found else ""


def sign_in(client: Client, email: str, password: str) -> tuple[bool, float]:
    """GET the form, POST it; True if the portal let us in. The POST's time in ms."""
    client.cookies.clear()
    status, html, _ms = client.request("GET", "/sign-in")
    if status != 200:
        return False, 0.0
    status, _body, ms = client.request("POST", "/sign-in", {"email": email, "password": password,
                                                          "csrf_token": csrf_token(html)})
    return status in (302, 303), ms


# --- the scenarios ---------------------------------------------------------------------------

@dataclass
class Tally:
    times: list = field(default_factory=list)
    errors: int = 0
    conflicts: int = 0
    other: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ms=None, error=False, conflict=False, other=0):
        with self.lock:
            if ms is not None:
                self.times.append(ms)
            self.errors += error
            self.conflicts += conflict
            self.other += other


class Worker:
    """One client's state across scenarios."""

    def __init__(self, port: int, user: tuple, password: str, listed: list, seed: int):
        self.email, self.factory_id, self.report_id, self.items = user
        self.password, self.listed = password, listed
        self.client, self.anonymous, self.signer = Client(port), Client(port), Client(port)
        self.rng = random.Random(seed)
        self.round = 0
        self.forms: dict[str, list] = {}  # section slug / item id -> the form to post next
        self.section = 0

    def setup(self) -> None:
        ok, _ms = sign_in(self.client, self.email, self.password)
        if not ok:
            raise RuntimeError(f"{self.email} could not sign in")

    def _section_path(self, slug: str) -> str:
        return f"/factories/{self.factory_id}/reports/{self.report_id}/{slug}"

    def _item_path(self, item_id: int) -> str:
        return f"/factories/{self.factory_id}/ip/{item_id}/edit"

    # Each returns (timed ms or None, error, conflict, other requests).
    def sign_in(self):
        ok, ms = sign_in(self.signer, self.email, self.password)  # a new session on the same connection
        return ms if ok else None, not ok, False, 1

    def ip_list(self):
        status, html, ms = self.client.request("GET", f"/factories/{self.factory_id}/ip")
        return ms, status != 200 or 'id="item-' not in html, False, 0

    def ip_save(self):
        if not self.items:
            return None, True, False, 0
        item = self.items[self.round % len(self.items)]
        other = 0
        if item not in self.forms:
            status, html, _ms = self.client.request("GET", self._item_path(item), htmx=True)
            other += 1
            if status != 200:
                return None, True, False, other
            self.forms[item] = read_form(html, r"/edit")
        fields = self.forms[item]
        for f in fields:
            if f[0] == "progress":
                f[1] = f"Load test round {self.round}: {self.email}."
        status, _html, ms = self.client.request("POST", self._item_path(item), fields, htmx=True)
        if status == 200:
            for f in fields:
                if f[0] == "version":
                    f[1] = str(int(f[1]) + 1)  # the save changed the item: one version on
            return ms, False, False, other
        self.forms.pop(item, None)  # read it again next time
        return ms, status != 409, status == 409, other

    def section_switch(self):
        self.section = (self.section + 1) % len(SECTIONS)
        status, html, ms = self.client.request("GET", self._section_path(SECTIONS[self.section]), htmx=True)
        return ms, status != 200 or 'id="section"' not in html, False, 0

    def section_save(self):
        slug = SECTIONS[self.round % len(SECTIONS)]
        other = 0
        if slug not in self.forms:
            status, html, _ms = self.client.request("GET", self._section_path(slug), htmx=True)
            other += 1
            if status != 200:
                return None, True, False, other
            self.forms[slug] = read_form(html, r"section-form")
        fields = self.forms[slug]
        for f in fields:
            if f[0].endswith("comment") or f[0] in ("feedback", "upcoming"):
                f[1] = f"Load test round {self.round}."
                break
        status, html, ms = self.client.request("POST", self._section_path(slug), fields, htmx=True)
        if status == 200 and "data-saved" in html:
            self.forms[slug] = read_form(html, r"section-form")  # with the new version
            return ms, False, False, other
        if status == 409:  # the answer holds our text with the stored version: the next save keeps ours
            self.forms[slug] = read_form(html, r"section-form")
            return ms, False, True, other
        self.forms.pop(slug, None)
        return ms, True, False, other

    def transparency(self):
        factory_id = self.rng.choice(self.listed)
        status, html, ms = self.anonymous.request("GET", f"/transparency/factories/{factory_id}")
        return ms, status != 200, False, 0


ACTIONS = {"sign-in": Worker.sign_in, "IP list": Worker.ip_list, "IP inline save": Worker.ip_save,
           "PR1 section switch": Worker.section_switch, "section save": Worker.section_save,
           "Transparency page": Worker.transparency}


def run(workers: list[Worker], name: str, duration: float) -> tuple[Tally, float]:
    tally = Tally()
    action = ACTIONS[name]
    start = threading.Barrier(len(workers) + 1)
    deadline = [0.0]

    def loop(worker: Worker):
        start.wait()
        while time.monotonic() < deadline[0]:
            worker.round += 1
            try:
                ms, error, conflict, other = action(worker)
            except Exception:  # noqa: BLE001 - a broken connection or page is an error, whatever it is
                tally.add(error=True)
                continue
            tally.add(ms, error, conflict, other)

    threads = [threading.Thread(target=loop, args=(w,), daemon=True) for w in workers]
    for t in threads:
        t.start()
    deadline[0] = time.monotonic() + duration
    began = time.monotonic()
    start.wait()
    for t in threads:
        t.join()
    return tally, time.monotonic() - began


def run_open(workers: list[Worker], name: str, duration: float, rate: float, seed: int = 1) -> tuple[Tally, float]:
    """``rate`` requests/s in all, each client at Poisson times (rate / clients each). A
    request's latency counts from when it was due: if its client is still busy with the one
    before, the wait is part of it."""
    tally = Tally()
    action = ACTIONS[name]
    each = rate / len(workers)
    start = threading.Barrier(len(workers) + 1)
    began = [0.0]

    def loop(worker: Worker, rng: random.Random):
        start.wait()
        due = began[0] + rng.expovariate(each)
        while due < began[0] + duration:
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            late_ms = max(0.0, time.monotonic() - due) * 1000
            worker.round += 1
            try:
                ms, error, conflict, other = action(worker)
            except Exception:  # noqa: BLE001 - a broken connection or page is an error, whatever it is
                tally.add(error=True)
            else:
                tally.add(None if ms is None else late_ms + ms, error, conflict, other)
            due += rng.expovariate(each)

    threads = [threading.Thread(target=loop, args=(w, random.Random(seed * 1000 + i)), daemon=True)
               for i, w in enumerate(workers)]
    for t in threads:
        t.start()
    began[0] = time.monotonic()
    start.wait()
    for t in threads:
        t.join()
    return tally, time.monotonic() - began[0]


# --- the report ------------------------------------------------------------------------------

def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def print_table(results: dict[str, tuple[Tally, float]], first: str = "scenario") -> None:
    header = (first, "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "conflicts", "other")
    rows = []
    for name, (tally, seconds) in results.items():
        t = tally.times
        rows.append((name, f"{len(t):,}", f"{len(t) / seconds:.1f}", f"{percentile(t, 50):.1f}",
                     f"{percentile(t, 95):.1f}", f"{percentile(t, 99):.1f}", str(tally.errors),
                     str(tally.conflicts), str(tally.other)))
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                                enumerate(zip(row, widths, strict=True))) + " |")


def redis_version(url: str) -> str:
    try:
        import redis

        return redis.Redis.from_url(url, socket_timeout=2).info("server")["redis_version"]
    except Exception as error:  # noqa: BLE001 - only for the printout
        return f"unreachable ({error.__class__.__name__})"


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_timeout=2).flushdb()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help=f"PostgreSQL (default: {SCRATCH_URL}, made if missing)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--factories", type=int, default=None, help="scale data size (default 10000)")
    parser.add_argument("--reseed", action="store_true", help="build the scale data again")
    parser.add_argument("--drop", action="store_true", help="drop the scratch database at the end")
    parser.add_argument("--duration", type=float, default=None, help="seconds per scenario (default 30)")
    parser.add_argument("--clients", type=int, default=None, help="concurrent clients (default 20)")
    parser.add_argument("--scenario", action="append", choices=SCENARIOS, help="run only these (repeatable)")
    parser.add_argument("--open-rates", nargs="*", type=float, default=[0.25, 0.5, 0.75, 0.9],
                        help="open-loop section saves at these fractions of the closed loop's req/s (none: skip)")
    parser.add_argument("--quick", action="store_true", help="300 factories, 5 s, 5 clients (a smoke run)")
    args = parser.parse_args()
    quick = {"factories": 300, "duration": 5, "clients": 5} if args.quick else {}
    full = {"factories": 10_000, "duration": 30, "clients": 20}
    for key, value in full.items():
        if getattr(args, key) is None:
            setattr(args, key, quick.get(key, value))

    url = args.database_url or SCRATCH_URL
    if url.startswith("postgresql+psycopg://"):
        url = "postgresql://" + url[len("postgresql+psycopg://"):]
    scratch = args.database_url is None
    if scratch:
        ensure_database(url, recreate=args.reseed)
    instance = tempfile.mkdtemp(prefix="bwportal-load-")
    os.environ.update({
        "DATABASE_URL": url, "REDIS_URL": args.redis_url, "BWPORTAL_INSTANCE": instance,
        "SECRET_KEY": "bench-only-secret", "RATELIMIT_ENABLED": "0", "BWPORTAL_ENV": "development",
    })
    flush_redis(args.redis_url)
    plan = prepare(args)
    port = free_port()
    server = start_gunicorn(dict(os.environ), port)
    results: dict[str, tuple[Tally, float]] = {}
    opened: dict[float, tuple[Tally, float]] = {}  # open-loop section saves by offered rate
    workers: list[Worker] = []
    try:
        workers = [Worker(port, user, plan.password, plan.listed, seed=i) for i, user in enumerate(plan.users)]
        for worker in workers:
            worker.setup()
        load = os.getloadavg()[0]
        cpu_before = time.process_time()
        for name in args.scenario or SCENARIOS:
            if name == "Transparency page" and not plan.listed:
                print("No factory is listed on the Transparency Portal; skipped.")
                continue
            results[name] = run(workers, name, args.duration)
            print(f"  {name}: {len(results[name][0].times):,} requests", flush=True)
            if name == "sign-in":
                for worker in workers:  # a fresh session for what follows
                    worker.setup()
        client_cpu = time.process_time() - cpu_before
        if "section save" in results and args.open_rates:
            tally, seconds = results["section save"]
            capacity = len(tally.times) / seconds
            for fraction in args.open_rates:
                rate = max(1.0, math.floor(capacity * fraction))
                opened[rate] = run_open(workers, "section save", args.duration, rate)
                print(f"  section save, open loop at {rate:g}/s: {len(opened[rate][0].times):,} requests", flush=True)
    finally:
        for worker in workers:
            for client in (worker.client, worker.anonymous, worker.signer):
                if client.conn is not None:
                    client.conn.close()
        stop(server)
        shutil.rmtree(instance, ignore_errors=True)
        flush_redis(args.redis_url)
        if scratch and args.drop:
            drop_database(url)

    gunicorn = subprocess.run([str(Path(sys.executable).parent / "gunicorn"), "--version"], capture_output=True,
                              text=True).stdout.strip()
    print()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs: {cpu_model()}; "
          f"load average before the run {load:.1f}")
    print(f"PostgreSQL {plan.postgres} ({urlsplit(url).path.lstrip('/')}, {plan.seeded})")
    print(f"Redis {redis_version(args.redis_url)}; {gunicorn}, 2 sync workers; Python {platform.python_version()}")
    print(f"{plan.factories:,} factories; {args.clients} clients, {args.duration:g} s per scenario, loopback; "
          f"load generator CPU {client_cpu:.1f} s (on the same CPUs)")
    print()
    print_table(results)
    if opened:
        print(f"\nSection save, open loop: {args.clients} clients sending at Poisson times, "
              f"{args.duration:g} s per rate; latency from when each save was due")
        print()
        print_table({f"{rate:g}/s offered": result for rate, result in opened.items()}, first="rate")
    if "section save" in results:
        tally, seconds = results["section save"]
        p95 = percentile(tally.times, 95)
        errors = sum(t.errors for t, _s in [*results.values(), *opened.values()])
        verdict = "met" if p95 <= SECTION_SAVE_P95_MS and errors == 0 else "NOT met"
        print(f"\nTarget: section save p95 {p95:.1f} ms (<= {SECTION_SAVE_P95_MS} ms) and 0 errors "
              f"({errors} in all): {verdict} in the closed loop; there, by Little's law, the mean alone is "
              f"{args.clients} clients / {len(tally.times) / seconds:.1f} saves/s = "
              f"{1000 * args.clients * seconds / max(1, len(tally.times)):.0f} ms, and a p95 of "
              f"{SECTION_SAVE_P95_MS} ms would take over {1000 * args.clients / SECTION_SAVE_P95_MS:.0f} saves/s")
        within = [rate for rate, (t, _s) in opened.items()
                  if t.times and percentile(t.times, 95) <= SECTION_SAVE_P95_MS and t.errors == 0]
        if opened:
            print(f"Open loop: p95 <= {SECTION_SAVE_P95_MS} ms and 0 errors up to "
                  + (f"{max(within):g} saves/s offered" if within else "none of the rates tried")
                  + f" (rates tried: {', '.join(f'{r:g}' for r in opened)} saves/s)")


if __name__ == "__main__":
    main()
