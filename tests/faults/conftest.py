"""Fault tests (issue 9): the real PostgreSQL and Redis of CI, a database restarted under a
save, Redis gone, a worker killed mid-PDF, two users saving at once.

They need what CI's second run has (DATABASE_URL on a PostgreSQL of this machine, REDIS_URL)
and skip with the reason on the fresh-machine run. The restart test stops and starts the
cluster that serves DATABASE_URL (found by its port in ``pg_lsclusters``), so it needs
``pg_ctlcluster`` and root (or the cluster's owner).
"""

import os
import pwd
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bwportal.extensions import db
from bwportal.models import ReportKind
from tests import factories as f
from tests import summary

ROOT = Path(__file__).resolve().parents[2]
HX = {"HX-Request": "true"}
LOCAL_HOSTS = {"", "127.0.0.1", "localhost", "::1"}


def database_url() -> str:
    return os.environ.get("DATABASE_URL", "")


def on_postgres() -> bool:
    return database_url().startswith(("postgresql://", "postgres://", "postgresql+psycopg://"))


def needs_postgres(why: str):
    return pytest.mark.skipif(not on_postgres(), reason=f"needs PostgreSQL (DATABASE_URL): {why}")


needs_services = pytest.mark.skipif(not on_postgres() or not os.environ.get("REDIS_URL"),
                                    reason="needs the real PostgreSQL and Redis (DATABASE_URL, REDIS_URL)")


# --- what each test did, shown at the end of the run (CI runs pytest without -s) -----------------



def say(line: str) -> None:
    """Print what the test did (pytest -s shows it at once) and repeat it in the run's summary."""
    print("\n[faults] " + line)
    summary.add("fault tests: what they did", "- " + line)


# --- the PostgreSQL cluster behind DATABASE_URL ---------------------------------------------------

@dataclass(frozen=True)
class Cluster:
    version: str
    name: str
    port: int
    owner: str

    def __str__(self) -> str:
        return f"{self.version}/{self.name}"

    def ctl(self, action: str) -> float:
        """``pg_ctlcluster`` stop/start/restart; returns the seconds it took (it waits)."""
        started = time.monotonic()
        done = subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"pg_ctlcluster {self} {action}: {done.stdout}{done.stderr}"
        if action != "stop":
            self.wait_ready()
        return time.monotonic() - started

    def ready(self) -> bool:
        return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(self.port)]).returncode == 0

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while not self.ready():
            assert time.monotonic() < deadline, f"PostgreSQL {self} did not come back"
            time.sleep(0.2)


def find_cluster() -> Cluster | str:
    """The local cluster serving DATABASE_URL, or why the restart tests cannot run here."""
    if not on_postgres():
        return "needs PostgreSQL (DATABASE_URL)"
    parts = urlsplit(database_url())
    if (parts.hostname or "") not in LOCAL_HOSTS:
        return f"DATABASE_URL is not on this machine ({parts.hostname}): its server cannot be restarted from here"
    if shutil.which("pg_ctlcluster") is None or shutil.which("pg_lsclusters") is None:
        return "pg_ctlcluster is not installed (Debian's postgresql-common)"
    port = parts.port or 5432
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True).stdout
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) >= 5 and fields[2] == str(port):
            cluster = Cluster(fields[0], fields[1], port, fields[4])
            if os.geteuid() not in (0, pwd.getpwnam(cluster.owner).pw_uid):
                return f"restarting PostgreSQL {cluster} needs root or {cluster.owner}"
            return cluster
    return f"no cluster of pg_lsclusters listens on port {port}"


@pytest.fixture
def pg_cluster(app):
    found = find_cluster()
    if isinstance(found, str):
        pytest.skip(found)
    assert found.ready(), f"PostgreSQL {found} is not running"
    yield found
    if not found.ready():  # a failed test must not leave the rest of the suite without a database
        found.ctl("start")


# --- data ------------------------------------------------------------------------------------------

@pytest.fixture
def pr1_sections():
    """What ``pr1`` (tests/conftest.py) holds here: its feedback section saved once, before the fault."""
    return {**f.SUBMITTABLE[ReportKind.PR1], "feedback": {"feedback": {"value": "Committed before the fault"}}}


def section_url(world, report, slug="feedback") -> str:
    return f"/factories/{world.angkor.id}/reports/{report.id}/{slug}"


def stored_section(report, key="feedback"):
    from bwportal.models import ReportSection

    report_id = report if isinstance(report, int) else report.id
    db.session.expire_all()
    return db.session.scalar(db.select(ReportSection).filter_by(report_id=report_id, key=key))


# --- the answer's form ----------------------------------------------------------------------------

class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "method": (attrs.get("method") or "get").lower(),
                               "fields": []})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"].append((attrs["name"], attrs.get("value") or ""))
        elif tag == "textarea" and self.forms and attrs.get("name"):
            self._textarea = [attrs["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            self.forms[-1]["fields"].append(tuple(self._textarea))
            self._textarea = None


def post_forms(html: str) -> list[dict]:
    """The page's POST forms: action and (name, value) pairs, as a browser would send them."""
    parser = _Forms()
    parser.feed(html)
    return [form for form in parser.forms if form["method"] == "post"]


# --- the Procfile's worker -------------------------------------------------------------------------

def procfile(process: str) -> str:
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith(process + ":"))
    return line.split(":", 1)[1].strip().replace("${REDIS_URL}", os.environ.get("REDIS_URL", ""))


def worker_env(app, **extra) -> dict:
    return {**os.environ, "MAIL_OUTBOX_DIR": app.config["MAIL_OUTBOX_DIR"],
            "STORAGE_DIR": app.config["STORAGE_DIR"],
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}", **extra}
