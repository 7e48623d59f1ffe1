"""The migrations of issue 16 on existing data, on SQLite and on PostgreSQL (whichever the
suite runs on): cycles get a start before their assessment (CYC-1), and subscriptions keep
what they covered (PR-9, PUB-1). Each runs on a database of its own: a SQLite file, or a
schema of its own in the suite's PostgreSQL database."""

import uuid
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from bwportal.extensions import db

BEFORE = "c4e9b2f7a610"  # the head before issue 16
CYCLE_START = "d7a3c1e5b902"
COVERAGE = "e2b8f4a61c3d"


@pytest.fixture
def database(app, tmp_path):
    """A second app on an empty database of its own, for running the migrations step by step."""
    from bwportal import create_app

    url, schema = app.config["SQLALCHEMY_DATABASE_URI"], None
    if url.startswith("postgresql"):
        schema = f"migrate_{uuid.uuid4().hex[:10]}"
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{tmp_path / 'migrate.sqlite'}"
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with other.app_context():
        yield other
        db.session.remove()
        db.engine.dispose()
    if schema:
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


def _insert(conn, table_name, **values):
    """A row with the given values; NOT NULL columns left out get a plain value of their type."""
    table = sa.Table(table_name, sa.MetaData(), autoload_with=conn)
    for column in table.columns:
        if column.name in values or column.nullable or column.primary_key or column.server_default is not None:
            continue
        kind = column.type.python_type if not isinstance(column.type, sa.JSON) else dict
        values[column.name] = {str: "x", int: 1, bool: False, date: date(2026, 1, 5), datetime: datetime.now(UTC),
                               dict: {}}[kind]
    return conn.execute(table.insert().values(**values)).inserted_primary_key[0]


def _column(conn, sql, **params) -> list:
    return list(conn.execute(sa.text(sql), params).scalars())


def _old_shape_data(conn) -> dict:
    """Factories, cycles (starting on their assessment), visits, IP items and subscriptions as
    the schema before issue 16 holds them."""
    programme = _insert(conn, "programme", name="Cambodia", country="KH", committee_short="PICC",
                        committee_long="PICC", default_locale="km", timezone="Asia/Phnom_Penh", question_overrides={})
    angkor = _insert(conn, "factory", programme_id=programme, name="Angkor")
    mekong = _insert(conn, "factory", programme_id=programme, name="Mekong")
    cycles = {}
    for factory, number, assessed, released in (
            (angkor, 1, date(2024, 3, 1), date(2024, 3, 25)),
            (angkor, 2, date(2024, 7, 15), date(2024, 8, 20)),  # assessed soon after cycle 1's release
            (angkor, 3, date(2024, 9, 1), None),  # never released
            (angkor, 4, date(2024, 12, 1), None),
            (mekong, 1, date(2025, 5, 10), date(2025, 6, 1))):
        cycles[factory, number] = _insert(conn, "cycle", factory_id=factory, number=number, assessment_date=assessed,
                                          report_release_date=released)
    # An item of cycle 1 recorded at 20:00 UTC on 1 November 2023: 2 November in Phnom Penh.
    _insert(conn, "ip_item", factory_id=angkor, cycle_id=cycles[angkor, 1], origin="advisory", status="pending",
            created_at=datetime(2023, 11, 1, 20, 0, tzinfo=UTC), version=1)
    _insert(conn, "advisory_visit", factory_id=angkor, cycle_id=cycles[angkor, 2], visit_date=date(2024, 4, 1))
    _insert(conn, "advisory_visit", factory_id=angkor, cycle_id=cycles[angkor, 2], visit_date=date(2024, 5, 1))
    brands = [_insert(conn, "buyer_organisation", name=f"Brand {n}") for n in range(4)]
    subscriptions = {
        # accepted at 01:00 on 15 July in Phnom Penh, the day cycle 2 was assessed: cycle 2 on
        "cycle 2 on": _insert(conn, "subscription", buyer_organisation_id=brands[0], factory_id=angkor,
                              status="active", accepted_at=datetime(2024, 7, 14, 18, 0, tzinfo=UTC)),
        "no date": _insert(conn, "subscription", buyer_organisation_id=brands[1], factory_id=angkor,
                           status="active", accepted_at=None),
        "requested": _insert(conn, "subscription", buyer_organisation_id=brands[2], factory_id=angkor,
                             status="requested"),
        "before any cycle": _insert(conn, "subscription", buyer_organisation_id=brands[3], factory_id=mekong,
                                    status="active", accepted_at=datetime(2023, 1, 1, 5, 0, tzinfo=UTC)),
    }
    return {"angkor": angkor, "mekong": mekong, "cycles": cycles, "subscriptions": subscriptions}


def test_existing_cycles_get_a_start_and_subscriptions_keep_their_coverage(database):
    """CYC-1: each cycle starts 100 days before its assessment, not before the day after the
    previous report's release (or assessment), earlier if an item or visit of it is; PR-9:
    each active subscription keeps the first cycle the old rule gave it."""
    from flask_migrate import downgrade, upgrade

    upgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        data = _old_shape_data(conn)
    upgrade(revision=COVERAGE)
    angkor, mekong, cycles = data["angkor"], data["mekong"], data["cycles"]
    with db.engine.begin() as conn:
        starts = dict(conn.execute(sa.text("SELECT id, start_date FROM cycle")).all())
        starts = {cycle_id: date.fromisoformat(str(day)) for cycle_id, day in starts.items()}
        assert starts[cycles[angkor, 1]] == date(2023, 11, 2)  # its first item, earlier than 22 November
        assert starts[cycles[angkor, 2]] == date(2024, 4, 1)  # its first visit, earlier than 6 April
        assert starts[cycles[angkor, 3]] == date(2024, 8, 21)  # the day after cycle 2's release
        assert starts[cycles[angkor, 4]] == date(2024, 9, 2)  # the day after cycle 3's assessment (not released)
        assert starts[cycles[mekong, 1]] == date(2025, 1, 30)  # 100 days before its assessment
        first = dict(conn.execute(sa.text("SELECT id, first_cycle_number FROM subscription")).all())
        named = {name: first[row_id] for name, row_id in data["subscriptions"].items()}
        assert named == {"cycle 2 on": 2, "no date": 0, "requested": None, "before any cycle": 0}
        # A cycle may now be recorded before its assessment; the rules hold in the database.
        _insert(conn, "cycle", factory_id=mekong, number=2, start_date=date(2025, 9, 1), assessment_date=None,
                report_release_date=None)
        with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():
            _insert(conn, "cycle", factory_id=mekong, number=3, start_date=date(2026, 9, 1),
                    assessment_date=date(2026, 8, 1))
        with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():
            _insert(conn, "cycle", factory_id=mekong, number=4, start_date=date(2027, 9, 1), assessment_date=None,
                    report_release_date=date(2027, 12, 1))

    downgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("cycle")}
        assert "start_date" not in columns
        assert "first_cycle_number" not in {c["name"] for c in sa.inspect(conn).get_columns("subscription")}
        # The cycle recorded without an assessment keeps its start as the old schema's date.
        assert [str(d) for d in _column(conn, "SELECT assessment_date FROM cycle WHERE number = 2 AND factory_id = :f",
                                        f=mekong)] == ["2025-09-01"]
    upgrade()  # and up again, to the newest revision


def test_the_migrations_of_an_empty_database(database):
    from flask_migrate import downgrade, upgrade

    upgrade(revision=COVERAGE)
    with db.engine.begin() as conn:
        assert _column(conn, "SELECT count(*) FROM cycle") == [0]
    downgrade(revision=BEFORE)
    upgrade(revision=CYCLE_START)
