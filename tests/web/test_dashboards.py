"""DASH-1: every figure of the four dashboards against a small programme counted by hand,
the filters in the URL, and each audience seeing only its own factories (TEN-1)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from bwportal.domain.dashboards.advisor import Action, advisor_dashboard
from bwportal.domain.dashboards.buyer import BEFORE, LATEST, buyer_figures, buyer_rows
from bwportal.domain.dashboards.factory import factory_dashboard
from bwportal.domain.dashboards.figures import Filters
from bwportal.domain.dashboards.programme import programme_dashboard
from bwportal.domain.notices import outbox
from bwportal.domain.reports.deadlines import Timeliness
from bwportal.extensions import db
from bwportal.models import IPStatus, OutboxMessage, OutboxStatus, PublicResponse, ReportStatus
from tests import factories as f

T = Timeliness
P, IP, D, C = IPStatus.PENDING, IPStatus.IN_PROGRESS, IPStatus.DELAYED, IPStatus.COMPLETED


def _ago(days: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


@pytest.fixture
def programme(world):
    """Cambodia, counted by hand in each test below; Indonesia and an inactive Cambodian
    factory have data of their own that no Cambodian figure may count."""
    today = date.today()
    ns = world.ns
    # PR1s: Angkor's cycle 1 on time (10 days after the release, due 30 days after), its cycle 2
    # overdue (due 10 days ago, none); Mekong's cycle 1 late (5 days after its due date), waiting
    # for review 15 days; Tonle's cycle 1 not due yet (released 5 days ago).
    ns.a1 = f.make_cycle(world.angkor, 1, today - timedelta(days=300), today - timedelta(days=100))
    f.make_pr1(ns.a1, ReportStatus.APPROVED, submitted_at=_ago(90), approved_at=_ago(80))
    ns.a2 = f.make_cycle(world.angkor, 2, today - timedelta(days=60), today - timedelta(days=40))
    m1 = ns.m1 = f.make_cycle(world.mekong, 1, today - timedelta(days=80), today - timedelta(days=50))
    f.make_pr1(m1, ReportStatus.SUBMITTED, submitted_at=_ago(15))
    tonle = f.make_factory(world.kh, name="Tonle Knitwear")
    ns.tonle = f.make_cycle(tonle, 1, today - timedelta(days=20), today - timedelta(days=5))
    closed = f.make_factory(world.kh, name="Closed Garments", active=False)
    gone = f.make_cycle(closed, 1, today - timedelta(days=300), today - timedelta(days=200))
    f.make_ip_item_in_state(gone, status=P, target_date=today - timedelta(days=9))
    f.make_ip_item_in_state(f.make_cycle(world.bandung, 1, today - timedelta(days=90), today - timedelta(days=60)),
                   status=IP, target_date=today - timedelta(days=9), reported_at=_ago(30))
    # Items of Angkor's cycle 2: Compensation (Overtime Wages) and OSH (Emergency Preparedness).
    ot, ep = "Overtime Wages", "Emergency Preparedness"
    ns.pending = f.make_ip_item_in_state(ns.a2, ot, P, today + timedelta(days=10), area="A1")
    f.make_ip_item_in_state(ns.a2, ot, IP, today - timedelta(days=1), area="A2")  # shows Delayed
    f.make_ip_item_in_state(ns.a2, ep, D, today - timedelta(days=30), area="A3")
    f.make_ip_item_in_state(ns.a2, ep, C, today - timedelta(days=20), completion_date=today, completed_by=world.ea,
                            area="A4")
    ns.late_check = f.make_ip_item_in_state(ns.a2, ot, IP, publicly_reported=True, reported_at=_ago(20), area="A5")
    f.make_ip_item_in_state(ns.a2, ep, IP, reported_at=_ago(3), area="A6")
    f.make_visit(ns.a2, today - timedelta(days=15))
    f.make_visit(ns.a2, today - timedelta(days=5))  # A5's verification fell due then: past due
    f.make_ip_item_in_state(m1, ot, P, today - timedelta(days=2), area="M1")  # shows Delayed
    # Angkor's first assessment had two Compensation findings (the buyer's "one before").
    f.make_finding(ns.a1, ot, "earlier 1", publicly_reported=False)
    f.make_finding(ns.a1, ot, "earlier 2", publicly_reported=False)
    db.session.add(PublicResponse(factory_id=world.angkor.id, finding_id=_finding_of(ns.late_check), text="Paid"))
    # Notices: one waiting and one failed about Angkor, one waiting about Bandung (Indonesia).
    for key, factory, status in (("a", world.angkor, OutboxStatus.PENDING), ("b", world.angkor, OutboxStatus.FAILED),
                                 ("c", world.bandung, OutboxStatus.PENDING)):
        outbox.write("mail.item_completed", f"dash:{key}", factory_id=factory.id, recipient_id=world.factory_user.id)
        db.session.flush()
        db.session.query(OutboxMessage).filter_by(key=f"dash:{key}").update({"status": status})
    ns.compensation = f.catalogue_point(ot, world.kh).cluster_id
    ns.osh = f.catalogue_point(ep, world.kh).cluster_id
    db.session.commit()
    return world


def _finding_of(item):
    from bwportal.models import Finding

    return db.session.scalar(db.select(Finding.id).where(Finding.ip_item_id == item.id))


def test_programme_figures_are_the_hand_counted_ones(programme):
    """DASH-1 1: PR1 on time per cycle and month, reviews waiting, items by status and cluster,
    Delayed and past-due verifications and workload per EA, notices waiting or failed."""
    w = programme
    board = programme_dashboard(w.admin, Filters())
    pr1 = board.pr1_by_cycle
    assert pr1.rows == [1, 2]
    assert {t: pr1.get(1, t) for t in T} == {T.ON_TIME: 1, T.LATE: 1, T.OVERDUE: 0, T.NOT_DUE: 1}
    assert {t: pr1.get(2, t) for t in T} == {T.ON_TIME: 0, T.LATE: 0, T.OVERDUE: 1, T.NOT_DUE: 0}
    assert pr1.total == 4  # the inactive factory's and Indonesia's cycles are not counted
    dues = [c.report_release_date + timedelta(days=30) for c in (w.a1, w.a2, w.m1, w.tonle)]
    in_period = [d for d in dues if d.strftime("%Y-%m") in board.pr1_by_month.rows]  # Tonle's may be next month
    assert board.pr1_by_month.total == len(in_period) >= 3 and len(board.pr1_by_month.rows) == 12
    assert board.waiting_review.get("month", "reports") == 1 and board.waiting_review.total == 1
    items = board.items
    assert {s: items.get(w.compensation, s) for s in IPStatus} == {P: 1, IP: 1, D: 2, C: 0}
    assert {s: items.get(w.osh, s) for s in IPStatus} == {P: 0, IP: 1, D: 1, C: 1}
    assert items.total == 7 and items.rows == sorted(items.rows, key=list(board.clusters).index)
    advisors = {a.name: a for a in board.advisors}
    assert set(advisors) == {w.ea.name, w.ea2.name}
    ea, ea2 = advisors[w.ea.name], advisors[w.ea2.name]
    def figures(a):
        return a.factories, a.reports_waiting, a.items_waiting, a.verification_overdue, a.delayed

    assert figures(ea) == (1, 0, 2, 1, 2) and figures(ea2) == (1, 1, 0, 0, 1)
    assert abs(ea.oldest_wait - _ago(20)) < timedelta(minutes=5)  # A5, reported 20 days ago
    assert ea2.queue == 1
    assert (board.notices_waiting, board.notices_failed) == (1, 1)


def test_programme_filters_narrow_the_figures(programme):
    w = programme
    by_cycle = programme_dashboard(w.admin, Filters(cycle=1))
    assert by_cycle.pr1_by_cycle.rows == [1] and by_cycle.items.total == 1  # Mekong's M1 only
    assert by_cycle.items.get(w.compensation, D) == 1
    by_cluster = programme_dashboard(w.admin, Filters(cluster_id=w.osh))
    assert by_cluster.items.rows == [w.osh] and by_cluster.items.total == 3
    assert {a.name: a.delayed for a in by_cluster.advisors} == {w.ea.name: 1, w.ea2.name: 0}


def test_programme_page_shows_the_figures_with_tables_and_bookmarkable_filters(programme, login):
    client = login(programme.admin)
    html = client.get("/dashboards/programme").get_data(as_text=True)
    assert html.count('<svg class="chart-svg"') == 5 and html.count('aria-hidden="true" focusable="false"') == 5
    row = html[html.index('<th scope="row">Cycle 1</th>'):]
    assert row.split("</tr>")[0].count("<td>") == 5 and "50%" in row.split("</tr>")[0]  # 1 on time of 2 due
    assert "Tonle Knitwear" not in html and "Bandung" not in html
    assert 'style="' not in html.split("<main")[1]  # CSP: presentation attributes only
    filtered = client.get(f"/dashboards/programme?cycle=1&cluster={programme.compensation}&period=24")
    body = filtered.get_data(as_text=True)
    assert filtered.status_code == 200 and 'inputmode="numeric" value="1"' in body
    assert f'<option value="{programme.compensation}" selected>' in body and '<option value="24" selected>' in body


@pytest.mark.parametrize("query", ["cycle=abc", "cycle=0", "cycle=99999999999999", "cluster=999999", "cluster=-1",
                                   "period=7", "period=12abc"])
def test_a_filter_not_understood_is_said_and_left_out(programme, login, query):
    response = login(programme.admin).get(f"/dashboards/programme?{query}")
    assert response.status_code == 200
    assert "A filter in the address was not understood" in response.get_data(as_text=True)


def test_a_cluster_of_another_programme_is_not_applied(programme, login):
    foreign = f.catalogue_point("Overtime", programme.idn).cluster_id
    html = login(programme.admin).get(f"/dashboards/programme?cluster={foreign}").get_data(as_text=True)
    assert "A filter in the address was not understood" in html


def test_the_advisor_sees_only_assigned_factories_most_urgent_first(programme):
    """DASH-1 2: side by side, PR1 state and due date, items waiting (public apart), Delayed,
    last visit, what is due next."""
    w = programme
    board = advisor_dashboard(w.ea, Filters())
    assert [r.factory.name for r in board.rows] == ["Angkor Garments"]
    row = board.rows[0]
    assert row.cycle.number == 2 and row.pr1 is None and row.due.overdue
    assert row.due.due_date == w.a2.report_release_date + timedelta(days=30)
    assert (row.waiting, row.waiting_public, row.verification_overdue, row.delayed) == (2, 1, 1, 2)
    assert row.last_visit == date.today() - timedelta(days=5)
    assert row.action is Action.VERIFY_OVERDUE
    other = advisor_dashboard(w.ea2, Filters()).rows
    assert [(r.factory.name, r.action, r.delayed) for r in other] == [("Mekong Apparel", Action.REVIEW_PR1, 1)]
    assert advisor_dashboard(w.ea, Filters(cluster_id=w.osh)).rows[0].waiting == 1


def test_the_advisor_page(programme, login):
    html = login(programme.ea).get("/dashboards/advisor").get_data(as_text=True)
    assert "Angkor Garments" in html and "Mekong Apparel" not in html and "Verify items: past due" in html
    assert login(programme.ea2).get("/dashboards/advisor").status_code == 200


def test_the_buyer_figures_cover_followed_factories_only(programme):
    """DASH-1 3: non-compliance by cluster in the latest assessment and the one before, public
    findings open and responded, PR1 on time or late."""
    w = programme
    rows = buyer_rows(w.buyer)
    assert [r.factory.name for r in rows] == ["Angkor Garments"]
    assert rows[0].timeliness is T.OVERDUE
    figures = buyer_figures(rows)
    assert figures.clusters.get("Compensation", LATEST) == 3 and figures.clusters.get("Compensation", BEFORE) == 2
    assert figures.clusters.get("Occupational Safety and Health", LATEST) == 3
    assert figures.clusters.total == 8  # Mekong's finding is not the buyer's
    assert figures.public == {"total": 1, "open": 1, "responded": 1, "verified": 0}
    assert figures.timeliness.get("pr1", T.OVERDUE) == 1 and figures.timeliness.total == 1


def test_the_buyer_page_has_the_figures_and_the_digest_setting(programme, login):
    html = login(programme.buyer).get("/dashboard").get_data(as_text=True)
    assert html.count('<svg class="chart-svg"') == 3 and "Mekong" not in html
    assert 'id="weekly-digest" name="weekly_digest" value="on" aria-describedby' in html  # not checked: off


def test_the_factory_sees_its_trend_and_what_is_due(programme, login):
    """DASH-1 4: findings by cluster per assessment, items completed over time, what is due next."""
    w = programme
    board = factory_dashboard(w.angkor, Filters())
    assert board.findings.columns == [1, 2]
    assert board.findings.get(w.compensation, 1) == 2 and board.findings.get(w.compensation, 2) == 3
    assert board.findings.get(w.osh, 2) == 3 and board.findings.total == 8
    assert board.completed.get(date.today().strftime("%Y-%m"), "completed") == 1 and board.completed.total == 1
    assert [i.area_of_improvement for i in board.next_items] == ["A3", "A2", "A1"]  # Delayed first
    assert board.waiting == 2 and board.summary.due.overdue
    assert factory_dashboard(w.angkor, Filters(cycle=1)).findings.total == 2
    html = login(w.factory_user).get(f"/factories/{w.angkor.id}/dashboard").get_data(as_text=True)
    assert html.count('<svg class="chart-svg"') == 2 and "A3" in html


@pytest.mark.parametrize("who,path", [("factory_user", "/dashboards/programme"), ("ea", "/dashboards/programme"),
                                      ("buyer", "/dashboards/advisor"), ("admin", "/dashboards/advisor"),
                                      ("buyer", "/factories/{angkor}/dashboard")])
def test_each_dashboard_is_for_its_audience(programme, login, who, path):
    response = login(getattr(programme, who)).get(path.format(angkor=programme.angkor.id))
    assert response.status_code == 403


def test_charts_are_small_and_right_to_left_in_arabic(programme, login):
    """DASH-1 5: a few KB each, mirrored in Arabic."""
    import re

    client = login(programme.admin)
    html = client.get("/dashboards/programme").get_data(as_text=True)
    svgs = re.findall(r'<svg class="chart-svg".*?</svg>', html, re.S)
    assert svgs and max(len(s) for s in svgs) < 6000 and "direction" not in svgs[0]
    client.post("/language", data={"locale": "ar", "next": "/dashboards/programme"})
    arabic = client.get("/dashboards/programme").get_data(as_text=True)
    assert 'dir="rtl"' in arabic and 'direction="rtl"' in arabic


def test_an_item_knows_its_factorys_programme(programme):
    """The programme's figures read a range of the programme's items (issue 21): an item takes
    its factory's programme, whether made by the rules or as a bare row."""
    from bwportal.models import IPItem, Origin

    w = programme
    made = f.make_ip_item(w.a2, text="Made by the rules")
    bare = IPItem(factory_id=w.bandung.id, cycle_id=f.make_cycle(w.bandung, 2).id, origin=Origin.ADVISORY)
    db.session.add(bare)
    db.session.flush()
    assert (made.programme_id, bare.programme_id) == (w.angkor.programme_id, w.bandung.programme_id)
    assert w.angkor.programme_id != w.bandung.programme_id
