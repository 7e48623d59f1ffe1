"""Issue 17 item 9: days saved before dates were bounded (a release in 9999) are cleaned by
migration d4a8e3b17c52, column by column, on SQLite and on PostgreSQL (whichever the suite
runs on); days inside the range are left as they were."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from bwportal.extensions import db

from .test_cycle_migrations import _insert, database  # noqa: F401 - the fixture

BEFORE = "c6e1d0a9f7b3"
CLEANED = "d4a8e3b17c52"
FAR = date(9999, 12, 31)
ANCIENT = date(1, 1, 1)
RECORDED = datetime(2025, 3, 4, 20, 0, tzinfo=UTC)
CHANGED = datetime(2025, 6, 7, 9, 0, tzinfo=UTC)


def _day(value) -> date | None:
    return None if value is None else date.fromisoformat(str(value)[:10])


def _days(conn, table: str, *columns: str) -> dict:
    rows = conn.execute(sa.text(f"SELECT id, {', '.join(columns)} FROM {table}")).all()
    return {row[0]: tuple(_day(v) for v in row[1:]) for row in rows}


def _rows_with_bad_days(conn) -> dict:
    programme = _insert(conn, "programme", name="Cambodia", country="KH", committee_short="PICC",
                        committee_long="PICC", default_locale="km", timezone="Asia/Phnom_Penh", question_overrides={})
    factory = _insert(conn, "factory", programme_id=programme, name="Angkor")
    user = _insert(conn, "user", email="ea@example.com", role="ea", programme_id=programme)
    ids = {"factory": factory}

    def cycle(number, start, assessed, released):
        return _insert(conn, "cycle", factory_id=factory, number=number, start_date=start, assessment_date=assessed,
                       report_release_date=released, created_at=RECORDED)

    ids["released in 9999"] = cycle(1, date(2024, 1, 1), date(2024, 3, 1), FAR)
    ids["assessed in 9999"] = cycle(2, date(2024, 6, 1), FAR, FAR)
    ids["started in year 1"] = cycle(3, ANCIENT, date(2025, 1, 10), date(2025, 2, 1))
    ids["started in 9999"] = cycle(4, FAR, None, None)
    ids["fine cycle"] = cycle(5, date(2025, 4, 1), date(2025, 7, 1), date(2025, 8, 1))

    def item(status, target, completion, **extra):
        return _insert(conn, "ip_item", factory_id=factory, cycle_id=ids["fine cycle"], origin="advisory",
                       status=status, target_date=target, completion_date=completion, created_at=RECORDED,
                       version=1, **extra)

    ids["item aiming at 9999"] = item("in_progress", FAR, ANCIENT)
    ids["completed in 9999"] = item("completed", date(2025, 5, 1), FAR, completed_by_id=user, updated_at=CHANGED)
    ids["fine item"] = item("completed", date(2025, 5, 1), date(2025, 6, 1), completed_by_id=user)

    def member(since, until):
        return _insert(conn, "committee_member", factory_id=factory, name="M", role="worker_rep", gender="female",
                       how_chosen="elected", since=since, until=until)

    ids["member for ever"] = member(ANCIENT, FAR)
    ids["member left in year 1"] = member(None, ANCIENT)
    ids["fine member"] = member(date(2024, 1, 1), date(2025, 1, 1))
    ids["meeting"] = _insert(conn, "committee_meeting", factory_id=factory, meeting_date=FAR, created_at=RECORDED)
    ids["report"] = _insert(conn, "progress_report", factory_id=factory, cycle_id=ids["fine cycle"], kind="pr1",
                            report_date=ANCIENT, status="draft", created_at=RECORDED)
    ids["visit"] = _insert(conn, "advisory_visit", factory_id=factory, cycle_id=ids["fine cycle"], visit_date=FAR,
                           created_at=RECORDED)
    course = _insert(conn, "training_course", programme_id=programme, name="OSH")
    ids["session in 9999"] = _insert(conn, "training_session", programme_id=programme, course_id=course, starts_on=FAR)
    ids["session in year 1"] = _insert(conn, "training_session", programme_id=programme, course_id=course,
                                       starts_on=ANCIENT)
    ids["fine session"] = _insert(conn, "training_session", programme_id=programme, course_id=course,
                                  starts_on=date(2026, 2, 1))
    return ids


@pytest.mark.usefixtures("database")
def test_days_out_of_range_are_cleaned_by_what_each_column_means():
    from flask_migrate import downgrade, upgrade

    upgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        ids = _rows_with_bad_days(conn)
    upgrade(revision=CLEANED)
    today = datetime.now(UTC).date()
    ten_years_ahead = today.replace(year=today.year + 10, day=28 if (today.month, today.day) == (2, 29) else today.day)
    recorded = date(2025, 3, 4)
    with db.engine.begin() as conn:
        cycles = _days(conn, "cycle", "start_date", "assessment_date", "report_release_date")
        assert cycles[ids["released in 9999"]] == (date(2024, 1, 1), date(2024, 3, 1), None)
        assert cycles[ids["assessed in 9999"]] == (date(2024, 6, 1), None, None)
        # recorded 4 March 2025, but a cycle starts before its assessment
        assert cycles[ids["started in year 1"]] == (date(2025, 1, 10), date(2025, 1, 10), date(2025, 2, 1))
        assert cycles[ids["started in 9999"]] == (recorded, None, None)
        assert cycles[ids["fine cycle"]] == (date(2025, 4, 1), date(2025, 7, 1), date(2025, 8, 1))

        items = _days(conn, "ip_item", "target_date", "completion_date")
        assert items[ids["item aiming at 9999"]] == (None, None)
        assert items[ids["completed in 9999"]] == (date(2025, 5, 1), date(2025, 6, 7))  # the day it was verified
        assert items[ids["fine item"]] == (date(2025, 5, 1), date(2025, 6, 1))

        members = _days(conn, "committee_member", "since", "until")
        assert members[ids["member for ever"]] == (None, None)  # still a member
        assert members[ids["member left in year 1"]] == (None, date(2000, 1, 1))  # still a former member
        assert members[ids["fine member"]] == (date(2024, 1, 1), date(2025, 1, 1))

        assert _days(conn, "committee_meeting", "meeting_date")[ids["meeting"]] == (recorded,)
        assert _days(conn, "progress_report", "report_date")[ids["report"]] == (recorded,)
        assert _days(conn, "advisory_visit", "visit_date")[ids["visit"]] == (recorded,)
        sessions = _days(conn, "training_session", "starts_on")
        assert sessions[ids["session in 9999"]] == (ten_years_ahead,)
        assert sessions[ids["session in year 1"]] == (date(2000, 1, 1),)
        assert sessions[ids["fine session"]] == (date(2026, 2, 1),)

    downgrade(revision=BEFORE)  # changes nothing: the cleaned days are valid days
    with db.engine.begin() as conn:
        assert _days(conn, "cycle", "start_date")[ids["started in 9999"]] == (recorded,)
    upgrade()  # and up again, to the newest revision
