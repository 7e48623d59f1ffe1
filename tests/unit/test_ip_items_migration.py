"""Migration b4e6d2a8c731 on existing data (issue 16: IP-8, 002 §3.4.1), on SQLite and on
PostgreSQL (whichever the suite runs on): assessed cycles get a lead assessor where the rows
name one, existing lead assessor comments go with the report they were written for, and
advisory items lose a "not repeated" flag."""

from datetime import UTC, date, datetime

import sqlalchemy as sa

from bwportal.extensions import db

from .test_cycle_migrations import _insert, database  # noqa: F401 (the fixture)

BEFORE = "e2b8f4a61c3d"
AFTER = "b4e6d2a8c731"


def test_lead_assessors_comments_and_flags_are_migrated(database):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    upgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        programme = _insert(conn, "programme", name="Cambodia", country="KH", committee_short="PICC",
                            committee_long="PICC", default_locale="km", timezone="Asia/Phnom_Penh",
                            question_overrides={})
        angkor = _insert(conn, "factory", programme_id=programme, name="Angkor")
        mekong = _insert(conn, "factory", programme_id=programme, name="Mekong")
        lonely = _insert(conn, "factory", programme_id=programme, name="Lonely")
        sokha = _insert(conn, "user", email="sokha@example.com", name="Sokha", role="assessor",
                        programme_id=programme, active=True)
        dara = _insert(conn, "user", email="dara@example.com", name="Dara", role="assessor",
                       programme_id=programme, active=True)

        def cycle(factory, number, assessed, released, lead=None):
            return _insert(conn, "cycle", factory_id=factory, number=number, start_date=date(2020, 1, 1),
                           assessment_date=assessed, report_release_date=released, lead_assessor_id=lead)

        a1 = cycle(angkor, 1, date(2024, 3, 1), date(2024, 3, 25))
        a2 = cycle(angkor, 2, date(2025, 3, 1), None)
        m1 = cycle(mekong, 1, date(2024, 3, 1), date(2024, 3, 25), lead=dara)
        m2 = cycle(mekong, 2, date(2025, 3, 1), None)
        l1 = cycle(lonely, 1, date(2024, 3, 1), None)
        item = _insert(conn, "ip_item", factory_id=angkor, cycle_id=a1, origin="assessment", status="pending",
                       version=1, review_with_committee=True)
        advisory = _insert(conn, "ip_item", factory_id=angkor, cycle_id=a1, origin="advisory", status="pending",
                           version=1, review_with_committee=True)
        early = _insert(conn, "ip_event", item_id=item, factory_id=angkor, kind="assessor_comment", actor_id=sokha,
                        created_at=datetime(2024, 3, 20, 3, 0, tzinfo=UTC), body="For cycle 1's report")
        late = _insert(conn, "ip_event", item_id=item, factory_id=angkor, kind="assessor_comment", actor_id=sokha,
                       created_at=datetime(2025, 3, 20, 3, 0, tzinfo=UTC), body="For cycle 2's report")

    upgrade(revision=AFTER)
    with db.engine.begin() as conn:
        leads = dict(conn.execute(sa.text("SELECT id, lead_assessor_id FROM cycle")).all())
        assert (leads[a1], leads[a2]) == (sokha, sokha)  # who wrote the factory's assessor comments
        assert (leads[m1], leads[m2]) == (dara, dara)  # the lead of the nearest cycle
        assert leads[l1] is None  # two assessors in the programme, nothing else to go by
        cycles = dict(conn.execute(sa.text("SELECT id, cycle_id FROM ip_event")).all())
        assert (cycles[early], cycles[late]) == (a1, a2)
        flags = dict(conn.execute(sa.text("SELECT id, review_with_committee FROM ip_item")).all())
        assert (bool(flags[item]), bool(flags[advisory])) == (True, False)
        reviews = set(conn.execute(sa.text("SELECT grievance_mechanism_review FROM ip_item")).scalars())
        assert reviews == {""}

    downgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        assert "cycle_id" not in {c["name"] for c in sa.inspect(conn).get_columns("ip_event")}
    upgrade()
