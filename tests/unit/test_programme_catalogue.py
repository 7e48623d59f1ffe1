"""Every programme gets its own copy of the standard catalogue: when it is created (domain,
CLI, demo), and by the migration that gave the catalogues to programmes."""

import json
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from bwportal.domain.programmes import catalogues
from bwportal.domain.programmes.setup import ProgrammeError, create_programme
from bwportal.extensions import db
from bwportal.models import Cluster, CompliancePoint, Programme, RaisedBy, RootCause, TrainingCourse
from bwportal.seeds import catalogue as seed
from tests import factories as f

POINTS = sum(len(points) for _cluster, points in seed.CLUSTERS)


def counts(programme_id):
    return (len(catalogues.clusters_of(programme_id)), len(catalogues.points_of(programme_id)),
            len(catalogues.root_causes_of(programme_id)), len(catalogues.raised_by_of(programme_id)),
            len(catalogues.courses_of(programme_id)))


def test_seeding_copies_the_standard_catalogue_once(app_ctx):
    programme = Programme(name="Bangladesh", country="BD", committee_short="PC",
                          committee_long="Participation Committee", default_locale="bn", timezone="Asia/Dhaka")
    db.session.add(programme)
    db.session.flush()
    catalogues.seed_programme_catalogue(programme)
    expected = (len(seed.CLUSTERS), POINTS, len(seed.ROOT_CAUSES), len(seed.RAISED_BY), 10)
    assert counts(programme.id) == expected
    first = catalogues.clusters_of(programme.id)[0]
    assert (first.name, first.position) == (seed.CLUSTERS[0][0], 1)
    assert [p.name for p in catalogues.points_of(programme.id)][:3] == [p for p, _pub, _int in seed.CLUSTERS[0][1]]
    gender = catalogues.row_by_name(CompliancePoint, programme.id, "Gender")
    assert (gender.publicly_reported, gender.needs_worker_interviews, gender.cluster.name) == (
        True, True, "Discrimination")
    # Again: nothing is added, and an admin's changes stay.
    gender.name = "Gender (our wording)"
    catalogues.seed_programme_catalogue(programme)
    assert counts(programme.id) == expected
    assert catalogues.row_by_name(CompliancePoint, programme.id, "Gender") is None


def test_test_programmes_have_the_catalogue_but_no_courses(world):
    assert counts(world.kh.id)[:4] == counts(world.idn.id)[:4] == (
        len(seed.CLUSTERS), POINTS, len(seed.ROOT_CAUSES), len(seed.RAISED_BY))
    assert counts(world.kh.id)[4] == 0
    kh_ids = {p.id for p in catalogues.points_of(world.kh.id)}
    assert kh_ids.isdisjoint({p.id for p in catalogues.points_of(world.idn.id)})


def test_check_references_refuses_other_programmes_rows(world):
    own = f.catalogue_point("Gender", world.kh)
    foreign = f.catalogue_point("Gender", world.idn)
    catalogues.check_references(world.kh.id, {"cluster_id": own.cluster_id, "compliance_point_id": own.id,
                                              "root_cause_id": None})
    for field, value in (("compliance_point_id", foreign.id), ("cluster_id", foreign.cluster_id),
                         ("root_cause_id", f.catalogue_row(RootCause, "Other", world.idn).id),
                         ("raised_by_id", f.catalogue_row(RaisedBy, "Management", world.idn).id),
                         ("cluster_id", 999_999)):
        with pytest.raises(catalogues.ForeignEntry):
            catalogues.check_references(world.kh.id, {field: value})


def test_create_programme_checks_its_settings_and_seeds_it(app_ctx):
    programme = create_programme(name="Bangladesh", country="bd", committee_short="PC",
                                 committee_long="Participation Committee", default_locale="bn",
                                 timezone="Asia/Dhaka")
    assert (programme.country, programme.question_overrides) == ("BD", {})
    assert counts(programme.id)[1] == POINTS and counts(programme.id)[4] == 10
    for bad in (dict(name="Bangladesh"), dict(country="BGD"), dict(default_locale="xx"),
                dict(timezone="Mars/Olympus"), dict(committee_short="")):
        values = dict(name="Viet Nam", country="VN", committee_short="PICC", committee_long="Committee",
                      default_locale="vi", timezone="Asia/Ho_Chi_Minh")
        values.update(bad)
        with pytest.raises(ProgrammeError):
            create_programme(**values)


def test_the_cli_creates_a_programme_and_prints_its_id(app, app_ctx):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["programme", "create", "--name", "Jordan", "--country", "JO",
                                 "--committee-short", "PICC", "--committee-long", "Performance Improvement",
                                 "--default-locale", "ar", "--timezone", "Asia/Amman"])
    assert result.exit_code == 0, result.output
    programme = db.session.get(Programme, int(result.output.strip()))
    assert (programme.name, programme.default_locale, programme.timezone) == ("Jordan", "ar", "Asia/Amman")
    assert counts(programme.id) == (len(seed.CLUSTERS), POINTS, len(seed.ROOT_CAUSES), len(seed.RAISED_BY), 10)
    again = runner.invoke(args=["programme", "create", "--name", "Jordan", "--country", "JO",
                                "--committee-short", "PICC", "--committee-long", "Performance Improvement"])
    assert again.exit_code != 0 and "already a programme called Jordan" in again.output


def test_the_demo_gives_each_programme_its_catalogue(app_ctx):
    from devdata.demo import seed_demo

    seed_demo()
    for programme in db.session.scalars(sa.select(Programme)):
        assert counts(programme.id)[:4] == (len(seed.CLUSTERS), POINTS, len(seed.ROOT_CAUSES), len(seed.RAISED_BY))
    # The demo's findings use their own programme's rows.
    from bwportal.models import Factory, Finding

    rows = db.session.execute(sa.select(Factory.programme_id, Cluster.programme_id)
                              .join(Finding, Finding.factory_id == Factory.id)
                              .join(Cluster, Cluster.id == Finding.cluster_id)).all()
    assert rows and all(a == b for a, b in rows)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TrainingCourse)) == 20


# --- the migration ------------------------------------------------------------------------------

BEFORE, AFTER = "6e53f5ac36dc", "fad57f07a50e"


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


def _scalar(conn, sql, **params):
    return conn.execute(sa.text(sql), params).scalar()


@pytest.fixture
def other_database(tmp_path):
    """A second app on its own SQLite file, for running the migrations step by step."""
    from bwportal import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrate.sqlite'}"})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _point(conn, name, programme_id=None):
    sql = "SELECT p.id FROM compliance_point p JOIN cluster c ON c.id = p.cluster_id WHERE p.name = :name"
    if programme_id is not None:
        sql += " AND c.programme_id = :pid"
    return _scalar(conn, sql, name=name, pid=programme_id)


def test_the_migration_gives_each_programme_a_copy_and_remaps_its_rows(other_database):
    from flask_migrate import downgrade, upgrade

    upgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        first = _insert(conn, "programme", name="Cambodia", country="KH", committee_short="PICC",
                        committee_long="PICC", default_locale="km", timezone="Asia/Phnom_Penh",
                        question_overrides={})
        second = _insert(conn, "programme", name="Indonesia", country="ID", committee_short="LKS",
                         committee_long="LKS Bipartit", default_locale="id", timezone="Asia/Jakarta",
                         question_overrides={})
        conn.execute(sa.text("UPDATE compliance_point SET name_translations = :t WHERE name = 'Gender'"),
                     {"t": '{"km": "ភេទ"}'})
        ids = {}
        for name, programme_id in (("kh", first), ("id", second)):
            factory_id = _insert(conn, "factory", programme_id=programme_id, name=f"Factory {name}")
            cycle_id = _insert(conn, "cycle", factory_id=factory_id, number=1)
            gender = _point(conn, "Gender")
            cluster_id = _scalar(conn, "SELECT cluster_id FROM compliance_point WHERE id = :id", id=gender)
            cause = _scalar(conn, "SELECT id FROM root_cause WHERE name = 'Other'")
            source = _scalar(conn, "SELECT id FROM raised_by WHERE name = 'Management'")
            item = _insert(conn, "ip_item", factory_id=factory_id, cycle_id=cycle_id, origin="advisory",
                           status="pending", cluster_id=cluster_id, compliance_point_id=gender,
                           root_cause_id=cause, raised_by_id=source)
            _insert(conn, "finding", factory_id=factory_id, cycle_id=cycle_id, cluster_id=cluster_id,
                    compliance_point_id=gender, text=f"Finding {name}", ip_item_id=item)
            _insert(conn, "ip_event", item_id=item, factory_id=factory_id, kind="field", field="root_cause_id",
                    old_value=None, new_value=str(cause))
            ids[name] = {"factory": factory_id, "item": item, "gender": gender, "cause": cause}

    upgrade(revision=AFTER)
    with db.engine.begin() as conn:
        assert _scalar(conn, "PRAGMA foreign_keys") == 1  # enforced again after the tables were rebuilt
        points = _scalar(conn, "SELECT count(*) FROM compliance_point")
        assert points == 2 * POINTS
        assert _scalar(conn, "SELECT count(*) FROM cluster WHERE programme_id = :p", p=first) == len(seed.CLUSTERS)
        assert _scalar(conn, "SELECT count(*) FROM raised_by WHERE programme_id = :p", p=second) == len(seed.RAISED_BY)
        kh_gender, id_gender = _point(conn, "Gender", first), _point(conn, "Gender", second)
        assert kh_gender == ids["kh"]["gender"] and id_gender != kh_gender  # the old rows are the first's
        copied = _scalar(conn, "SELECT name_translations FROM compliance_point WHERE id = :id", id=id_gender)
        assert (json.loads(copied) if isinstance(copied, str) else copied) == {"km": "ភេទ"}
        id_cause = _scalar(conn, "SELECT id FROM root_cause WHERE name = 'Other' AND programme_id = :p", p=second)
        row = conn.execute(sa.text(
            "SELECT i.compliance_point_id, c.programme_id, r.programme_id, s.programme_id, i.root_cause_id "
            "FROM ip_item i JOIN cluster c ON c.id = i.cluster_id JOIN root_cause r ON r.id = i.root_cause_id "
            "JOIN raised_by s ON s.id = i.raised_by_id WHERE i.id = :id"), {"id": ids["id"]["item"]}).one()
        assert row == (id_gender, second, second, second, id_cause)
        assert _scalar(conn, "SELECT compliance_point_id FROM ip_item WHERE id = :id", id=ids["kh"]["item"]) \
            == kh_gender
        assert _scalar(conn, "SELECT compliance_point_id FROM finding WHERE factory_id = :f",
                       f=ids["id"]["factory"]) == id_gender
        assert _scalar(conn, "SELECT new_value FROM ip_event WHERE factory_id = :f", f=ids["id"]["factory"]) \
            == str(id_cause)
        assert _scalar(conn, "SELECT new_value FROM ip_event WHERE factory_id = :f", f=ids["kh"]["factory"]) \
            == str(ids["kh"]["cause"])
        with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():  # names are unique per programme
            _insert(conn, "root_cause", programme_id=second, name="Other", name_translations={}, position=99,
                    active=True)

    downgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        assert _scalar(conn, "SELECT count(*) FROM compliance_point") == POINTS
        assert _scalar(conn, "SELECT count(*) FROM root_cause") == len(seed.ROOT_CAUSES)
        assert _scalar(conn, "SELECT compliance_point_id FROM ip_item WHERE id = :id", id=ids["id"]["item"]) \
            == ids["kh"]["gender"]
        assert _scalar(conn, "SELECT new_value FROM ip_event WHERE factory_id = :f", f=ids["id"]["factory"]) \
            == str(ids["kh"]["cause"])
    upgrade()  # and up again, to the newest revision


def test_the_migration_of_a_fresh_database_keeps_no_catalogue_rows(other_database):
    from flask_migrate import downgrade, upgrade

    upgrade(revision=AFTER)
    with db.engine.begin() as conn:
        assert _scalar(conn, "SELECT count(*) FROM cluster") == 0
        assert _scalar(conn, "SELECT count(*) FROM compliance_point") == 0
    downgrade(revision=BEFORE)  # the global catalogue is back as the earlier revisions had it
    with db.engine.begin() as conn:
        assert _scalar(conn, "SELECT count(*) FROM compliance_point") == POINTS
        assert _scalar(conn, "SELECT count(*) FROM raised_by") == len(seed.RAISED_BY)
