"""Fixtures: one app per test session, a clean database per test.

DATABASE_URL / REDIS_URL select the real PostgreSQL and Redis (as CI does); without them
the suite runs on a SQLite file and treats Redis as not configured.
"""

import contextvars
import os
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from bwportal import create_app
from bwportal.extensions import db
from bwportal.jobs.queues import PRIORITY
from bwportal.models import ReportKind, Role

from . import factories as f

pytest_plugins = ["tests.summary"]


def _services_of_this_worker() -> None:
    """Under pytest-xdist each worker gets its own database and Redis db, so that workers never
    empty each other's tables: DATABASE_URL's database with the worker's name appended (made
    here on first use), REDIS_URL's db number counted down by the worker's number. Set in the
    environment, so the processes a test starts (workers, web servers) use them too."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return
    number = int(worker[2:])
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://", "postgresql+psycopg://")):
        parts = urlsplit(url)
        name = f"{parts.path.lstrip('/') or 'postgres'}_{worker}"
        import psycopg

        plain = urlunsplit(parts._replace(scheme="postgresql"))
        with psycopg.connect(plain, autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + name))
    redis = os.environ.get("REDIS_URL", "")
    if redis:
        parts = urlsplit(redis)
        db_number = int(parts.path.lstrip("/") or 0)
        os.environ["REDIS_URL"] = urlunsplit(parts._replace(path=f"/{(db_number - number) % 16}"))


_services_of_this_worker()


class IsolatedClient(FlaskClient):
    """Each request runs as in production: its own app context, g, and database session,
    not the test's (which would hide caching and stale-data bugs)."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'test.sqlite'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "WTF_CSRF_ENABLED": False,  # tests/security/test_csrf.py turns it back on
        "RATELIMIT_ENABLED": False,  # read at each request; tests/security/test_hardening.py turns it on
        "MAIL_OUTBOX_DIR": str(instance / "outbox"),
        "STORAGE_DIR": str(instance / "storage"),
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        _reset_schema()
    yield app


def _reset_schema():
    """Build the schema from the migrations, as production does (no create_all)."""
    from flask_migrate import upgrade

    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    if db.engine.dialect.name == "sqlite":
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield
        db.session.remove()
        _empty_tables()


def _empty_tables():
    tables = list(reversed(db.metadata.sorted_tables))  # catalogues go with their programme
    if db.engine.dialect.name == "postgresql":
        _delete_all_rows(tables)
        return
    with db.engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")  # factory <-> user refer to each other
        for table in tables:
            conn.execute(table.delete())


def _delete_all_rows(tables, attempts=3):
    """Empty the tables that hold rows, and restart the used sequences (tests may name the
    first rows' ids). DELETE, not TRUNCATE: truncating the 40 tables makes new files for each
    table and index, about 1.5 s a test here against 0.2 s. Waits a bounded time for a
    transaction a test left behind (a thread or process still finishing), and tries again."""
    from sqlalchemy.exc import OperationalError

    def filled_names(conn):
        probe = " UNION ALL ".join(f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables)
        return set(conn.execute(text(probe)).scalars())

    for attempt in range(attempts):
        try:
            with db.engine.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '20s'"))
                filled = filled_names(conn)
                _break_reference_cycles(conn, tables, filled)
                for table in tables:
                    if table.name in filled:
                        conn.execute(table.delete())
                used = conn.execute(text(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"
                    " AND last_value IS NOT NULL")).scalars().all()
                for sequence in used:
                    conn.execute(text("SELECT setval(:s, 1, false)"), {"s": f'"{sequence}"'})
            return
        except OperationalError:
            if attempt == attempts - 1:
                raise


def _break_reference_cycles(conn, tables, filled):
    """A table that refers to one deleted before it (factory.updated_by_id -> user) lets go first."""
    order = {t.name: i for i, t in enumerate(tables)}
    for table in tables:
        if table.name not in filled:
            continue
        for key in table.foreign_keys:
            if order[key.column.table.name] < order[table.name] and key.parent.nullable:
                conn.execute(table.update().where(key.parent.is_not(None)).values({key.parent.name: None}))


@pytest.fixture
def client(app, app_ctx):
    return app.test_client()


@dataclass
class World:
    """Two programmes, three factories and one user of every role, with foreign twins."""

    ns: SimpleNamespace

    def __getattr__(self, name):
        return getattr(self.ns, name)


@pytest.fixture
def world(app_ctx):
    # English by default so assertions read in English; the i18n tests choose other languages.
    kh = f.make_programme(name="Cambodia", committee_short="PICC", default_locale="en")
    idn = f.make_programme(name="Indonesia", country="ID", committee_short="LKS Bipartit",
                           committee_long="Lembaga Kerja Sama Bipartit", default_locale="id",
                           timezone="Asia/Jakarta")
    brand = f.make_buyer_org(name="Northwind Apparel")
    other_brand = f.make_buyer_org(name="Blue Harbor Clothing")
    angkor = f.make_factory(kh, name="Angkor Garments", customers=[brand])
    mekong = f.make_factory(kh, name="Mekong Apparel", customers=[brand, other_brand])
    bandung = f.make_factory(idn, name="Bandung Textiles", customers=[other_brand])
    ea = f.make_user(Role.EA, programme=kh, email="ea@example.com")
    ea2 = f.make_user(Role.EA, programme=kh, email="ea2@example.com")
    f.assign_ea(ea, angkor)
    f.assign_ea(ea2, mekong)
    f.subscribe(brand, angkor)
    f.subscribe(other_brand, bandung)
    ns = SimpleNamespace(
        kh=kh, idn=idn, brand=brand, other_brand=other_brand,
        angkor=angkor, mekong=mekong, bandung=bandung,
        factory_user=f.make_user(Role.FACTORY, factory=angkor, email="factory@example.com"),
        factory2_user=f.make_user(Role.FACTORY, factory=mekong, email="factory2@example.com"),
        factory_id_user=f.make_user(Role.FACTORY, factory=bandung, email="factory-id@example.com"),
        ea=ea, ea2=ea2,
        buyer=f.make_user(Role.BUYER, buyer_organisation=brand, email="buyer@example.com"),
        other_buyer=f.make_user(Role.BUYER, buyer_organisation=other_brand, email="buyer2@example.com"),
        admin=f.make_user(Role.ADMIN, programme=kh, email="admin@example.com"),
        admin_id=f.make_user(Role.ADMIN, programme=idn, email="admin-id@example.com"),
        assessor=f.make_user(Role.ASSESSOR, programme=kh, email="assessor@example.com"),
    )
    db.session.commit()
    return World(ns)


@pytest.fixture
def cycle(world):
    """Angkor's first cycle, its assessment report released 39 days ago: its PR1 is 9 days late."""
    released = f.make_released_cycle(world.angkor)
    db.session.commit()
    return released


@pytest.fixture
def pr1_sections():
    """What the ``pr1`` fixture's draft holds, by section; a module overrides this fixture to
    have its PR1 say what its tests look for."""
    return f.SUBMITTABLE[ReportKind.PR1]


@pytest.fixture
def pr1(world, cycle, pr1_sections):
    """A draft PR1 of Angkor on ``cycle``, written by its factory user."""
    report = f.make_report(cycle, author=world.factory_user, sections=pr1_sections)
    db.session.commit()
    return report


def sign_in(client, user, password=f.PASSWORD):
    response = client.post("/sign-in", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def login(client):
    def _login(user):
        client.post("/sign-out")
        sign_in(client, user)
        return client

    return _login


@pytest.fixture
def mailbox(app, jobs):
    from .mailbox import Mailbox

    def drain():
        from redis.exceptions import RedisError

        try:
            jobs()
        except RedisError:  # Redis down (tests/faults): the mails wait, as in production
            pass

    box = Mailbox(Path(app.config["MAIL_OUTBOX_DIR"]), drain=drain)
    box.folder.mkdir(parents=True, exist_ok=True)
    box.clear()
    return box


@pytest.fixture
def jobs(app):
    """Work the jobs the relay queued: with REDIS_URL (CI) a burst worker on the real queue,
    as the Procfile's worker would; without it the relay already ran them in-process."""
    from bwportal.infra.redis_connection import get_redis

    def run():
        connection = get_redis()
        if connection is None:
            return
        from rq import Queue, SimpleWorker

        SimpleWorker([Queue(name, connection=connection) for name in PRIORITY], connection=connection).work(burst=True)

    if app.config["REDIS_URL"]:
        with app.app_context():
            get_redis().delete(*(f"rq:queue:{name}" for name in PRIORITY))  # jobs a previous test left behind
    return run


# --- S3-protocol object storage (OPS-1) ---------------------------------------------------------

def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    """A real S3-protocol server on loopback: moto's standalone server, in a process of its own
    (no network, no cloud). Yields its endpoint URL; AWS_* variables point boto3 at it with
    made-up keys, in this process and the ones a test starts."""
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    endpoint = f"http://127.0.0.1:{port}"
    saved = {name: os.environ.get(name) for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                                     "AWS_DEFAULT_REGION")}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail("moto's S3 server did not start")
                time.sleep(0.05)
        else:
            pytest.fail("moto's S3 server did not answer")
        yield endpoint
    finally:
        process.terminate()
        process.wait(10)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def s3_bucket(s3_server):
    """A new, empty bucket on the S3 server: (endpoint, bucket name)."""
    import secrets

    import boto3

    name = f"bwportal-{secrets.token_hex(6)}"
    boto3.client("s3", endpoint_url=s3_server).create_bucket(Bucket=name)
    return s3_server, name
