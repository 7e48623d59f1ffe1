"""The Improvement Plan in the browser's place: list, edit, statuses, verification, history."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bwportal.extensions import db
from bwportal.models import (
    Cluster,
    CompliancePoint,
    EventKind,
    Factory,
    IPEvent,
    IPItem,
    IPStatus,
    Origin,
    RaisedBy,
    RootCause,
)
from tests import factories as f

HX = {"HX-Request": "true"}


@pytest.fixture
def plan(world):
    """Angkor: cycle 1 with two assessment items (one public) and an advisory item."""
    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=120), date.today() - timedelta(days=99))
    visit = f.make_visit(cycle, date.today() - timedelta(days=30), ea=world.ea)
    public = f.make_ip_item(cycle, "Overtime Wages", "Overtime paid at normal rate", by=world.ea)
    private = f.make_ip_item(cycle, "Regular Hours", "Hours records incomplete", by=world.ea)
    advisory = f.make_advisory_item(cycle, by=world.factory_user, visit=visit, raised_by="Self-diagnosis",
                                    lead_person="Sok Dara")
    db.session.commit()
    return {"cycle": cycle, "visit": visit, "public": public, "private": private, "advisory": advisory}


def root_cause_id(factory_id):
    """A root cause of the factory's programme."""
    return db.session.scalar(select(RootCause.id).join(Factory, Factory.programme_id == RootCause.programme_id)
                             .where(Factory.id == factory_id, RootCause.name == "Lack of training or skills"))


def factory_form(item, **overrides):
    data = {"root_cause_id": str(root_cause_id(item.factory_id)), "root_cause_description": "Supervisors unaware",
            "actions_needed": "Train payroll staff", "lead_person": "Chea Mony", "additional_persons": "HR team",
            "target_date": (date.today() + timedelta(days=30)).isoformat(), "status": "in_progress",
            "progress": "Training planned", "version": str(item.version)}
    if item.origin is Origin.ADVISORY:
        data.update(area_of_improvement=item.area_of_improvement, cluster_id=str(item.cluster_id),
                    compliance_point_id=str(item.compliance_point_id))
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def reload(item) -> IPItem:
    db.session.expire_all()
    return db.session.get(IPItem, item.id)


def events(item, kind=None):
    db.session.expire_all()
    stmt = select(IPEvent).where(IPEvent.item_id == item.id).order_by(IPEvent.id)
    if kind:
        stmt = stmt.where(IPEvent.kind == kind)
    return list(db.session.scalars(stmt))


def url(world, item=None, suffix=""):
    base = f"/factories/{world.angkor.id}/ip"
    return base + (f"/{item.id}" if item else "") + suffix


# --- list ----------------------------------------------------------------------------

def test_list_shows_every_item_public_first_with_counts(login, world, plan):
    html = login(world.factory_user).get(url(world)).get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'<li id="item-(\d+)"', html)]
    assert ids[0] == plan["public"].id
    assert set(ids) == {p.id for p in (plan["public"], plan["private"], plan["advisory"])}
    assert "Overtime paid at normal rate" in html and "Publicly reported" in html
    assert re.search(r"Pending</span> 3", html)


@pytest.mark.parametrize("query, expected", [
    ("public=yes", ["public"]),
    ("public=no", ["private", "advisory"]),
    ("origin=advisory", ["advisory"]),
    ("origin=assessment", ["public", "private"]),
    ("lead=sok", ["advisory"]),
    ("status=completed", []),
    ("status=pending", ["public", "private", "advisory"]),
    ("status=nonsense&cluster=abc&public=maybe", ["public", "private", "advisory"]),
])
def test_filters(login, world, plan, query, expected):
    html = login(world.factory_user).get(url(world) + "?" + query).get_data(as_text=True)
    shown = {int(i) for i in re.findall(r'<li id="item-(\d+)"', html)}
    assert shown == {plan[name].id for name in expected}


def test_cluster_filter(login, world, plan):
    html = login(world.ea).get(url(world) + f"?cluster={plan['advisory'].cluster_id}").get_data(as_text=True)
    assert {int(i) for i in re.findall(r'<li id="item-(\d+)"', html)} == {plan["advisory"].id}


def test_overdue_items_show_and_filter_as_delayed(login, world, plan):
    plan["private"].target_date = date.today() - timedelta(days=3)
    db.session.commit()
    client = login(world.factory_user)
    for query in ("status=delayed", "overdue=1"):
        html = client.get(url(world) + "?" + query).get_data(as_text=True)
        assert {int(i) for i in re.findall(r'<li id="item-(\d+)"', html)} == {plan["private"].id}
    html = client.get(url(world) + "?status=pending").get_data(as_text=True)
    assert str(plan["private"].id) not in re.findall(r'<li id="item-(\d+)"', html)


# --- editing -------------------------------------------------------------------------

def test_factory_edits_its_fields_inline_and_every_change_is_in_the_timeline(login, world, plan):
    item = plan["public"]
    client = login(world.factory_user)
    form_html = client.get(url(world, item, "/edit"), headers=HX).get_data(as_text=True)
    assert form_html.lstrip().startswith("<li") and 'name="actions_needed"' in form_html
    assert 'name="area_of_improvement"' not in form_html  # Better Work's field on an assessment item
    response = client.post(url(world, item, "/edit"), data=factory_form(item), headers=HX)
    assert response.status_code == 200 and "Item saved." in response.get_data(as_text=True)
    saved = reload(item)
    assert (saved.actions_needed, saved.lead_person, saved.status) == ("Train payroll staff", "Chea Mony",
                                                                        IPStatus.IN_PROGRESS)
    changed = {e.field for e in events(item, EventKind.FIELD)}
    assert changed >= {"root_cause_id", "root_cause_description", "actions_needed", "lead_person",
                       "additional_persons", "target_date", "progress"}
    status_events = events(item, EventKind.STATUS)
    assert [(e.old_value, e.new_value, e.actor_id) for e in status_events] == [
        ("pending", "in_progress", world.factory_user.id)]
    history = client.get(url(world, item)).get_data(as_text=True)
    assert "Train payroll staff" in history and "Pending → In Progress" in history


def test_plain_post_without_javascript_redirects_to_the_item_in_the_list(login, world, plan):
    item = plan["private"]
    response = login(world.factory_user).post(url(world, item, "/edit"), data=factory_form(item))
    assert response.status_code == 302 and response.location.endswith(f"#item-{item.id}")


@pytest.mark.parametrize("field", ["area_of_improvement", "cluster_id", "compliance_point_id", "key_work_ahead",
                                   "completion_date"])
def test_factory_cannot_write_better_works_fields_on_an_assessment_item(login, world, plan, field):
    item = plan["public"]
    response = login(world.factory_user).post(url(world, item, "/edit"),
                                              data=factory_form(item, **{field: "1"}))
    assert response.status_code == 403
    assert reload(item).area_of_improvement == "Overtime paid at normal rate"
    assert events(item, EventKind.FIELD) == []


def test_factory_writes_what_and_where_on_its_own_advisory_item(login, world, plan):
    item = plan["advisory"]
    response = login(world.factory_user).post(url(world, item, "/edit"), data=factory_form(
        item, area_of_improvement="Too few water points on floor 2"))
    assert response.status_code == 302
    assert reload(item).area_of_improvement == "Too few water points on floor 2"


@pytest.mark.parametrize("field", ["actions_needed", "lead_person", "progress", "target_date", "root_cause_id"])
def test_ea_cannot_write_the_factorys_fields(login, world, plan, field):
    item = plan["public"]
    response = login(world.ea).post(url(world, item, "/edit"), data={
        "key_work_ahead": "Check payroll", "version": str(item.version), field: "2"})
    assert response.status_code == 403


def test_ea_writes_key_work_ahead_and_better_works_fields(login, world, plan):
    item = plan["public"]
    response = login(world.ea).post(url(world, item, "/edit"), data={
        "key_work_ahead": "Check payroll in March", "area_of_improvement": "Overtime premium not paid",
        "cluster_id": str(item.cluster_id), "compliance_point_id": str(item.compliance_point_id),
        "status": "pending", "version": str(item.version)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    saved = reload(item)
    assert saved.key_work_ahead == "Check payroll in March"
    assert saved.area_of_improvement == "Overtime premium not paid"


@pytest.mark.parametrize("who", ["buyer", "assessor", "admin"])
def test_roles_without_ip_edit_get_403(login, world, plan, who):
    client = login(getattr(world, who))
    assert client.get(url(world)).status_code == 200
    assert client.get(url(world, plan["public"], "/edit")).status_code == 403
    assert client.post(url(world, plan["public"], "/edit"), data={"version": "1"}).status_code == 403


@pytest.mark.parametrize("status", ["completed", "delayed"])
def test_factory_cannot_choose_completed_or_delayed(login, world, plan, status):
    item = plan["public"]
    response = login(world.factory_user).post(url(world, item, "/edit"), data=factory_form(item, status=status))
    assert response.status_code == 422
    assert "Please choose one of the listed options." in response.get_data(as_text=True)
    assert reload(item).status is IPStatus.PENDING


@pytest.mark.parametrize("field, message", [
    ("actions_needed", "Please describe the actions needed."),
    ("lead_person", "Please name the lead person."),
    ("target_date", "Please enter a target date."),
    ("root_cause_id", "Please choose a root cause."),
    ("progress", "Please describe the progress, or why no progress has been made."),
])
def test_required_fields_have_messages_and_input_is_kept(login, world, plan, field, message):
    item = plan["public"]
    response = login(world.factory_user).post(url(world, item, "/edit"), headers=HX,
                                              data=factory_form(item, **{field: ""}, additional_persons="Kept text"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and "Kept text" in html


def test_no_progress_needs_a_reason(login, world, plan):
    item = plan["public"]
    client = login(world.factory_user)
    bad = client.post(url(world, item, "/edit"), data=factory_form(item, no_progress="y", progress=""))
    assert bad.status_code == 422
    ok = client.post(url(world, item, "/edit"), data=factory_form(
        item, no_progress="y", progress="Waiting for the new payroll software"))
    assert ok.status_code == 302
    saved = reload(item)
    assert saved.no_progress and saved.progress == "Waiting for the new payroll software"


def test_bad_date_and_foreign_catalogue_ids_are_refused_with_messages(login, world, plan):
    item = plan["advisory"]
    client = login(world.factory_user)
    bad_date = client.post(url(world, item, "/edit"), data=factory_form(item, target_date="31/02/2026"))
    assert bad_date.status_code == 422 and "Please enter a date, such as 2026-03-31." in bad_date.get_data(as_text=True)
    wrong_point = f.catalogue_point("Child Labourers", world.kh)  # not in the item's cluster
    response = client.post(url(world, item, "/edit"), data=factory_form(item, compliance_point_id=str(wrong_point.id)))
    assert response.status_code == 422
    assert "Please choose a compliance point of the chosen cluster." in response.get_data(as_text=True)
    nonsense = client.post(url(world, item, "/edit"), data=factory_form(item, root_cause_id="abc"))
    assert nonsense.status_code == 422


def test_stale_save_shows_both_versions(login, world, plan):
    item = plan["public"]
    client = login(world.factory_user)
    opened = item.version
    assert client.post(url(world, item, "/edit"), data=factory_form(item, actions_needed="First")).status_code == 302
    response = client.post(url(world, item, "/edit"), headers=HX,
                           data=factory_form(item, actions_needed="Second", version=str(opened)))
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "Someone else saved this item" in html
    assert "First" in html and "Second" in html
    assert reload(item).actions_needed == "First"


# --- new advisory items ---------------------------------------------------------------

def test_factory_adds_an_advisory_item_on_a_visit_date(login, world, plan):
    client = login(world.factory_user)
    page = client.get(url(world, suffix="/new")).get_data(as_text=True)
    assert "Cycle 1" in page
    point = f.catalogue_point("Emergency Preparedness", world.kh)
    raised = f.catalogue_row(RaisedBy, "Management", world.kh).id
    data = factory_form(IPItem(factory_id=world.angkor.id, origin=Origin.ADVISORY, version=1,
                               area_of_improvement="Blocked fire exit",
                               cluster_id=point.cluster_id, compliance_point_id=point.id),
                        cycle_id=str(plan["cycle"].id), advisory_visit_id=str(plan["visit"].id),
                        raised_by_id=str(raised))
    response = client.post(url(world, suffix="/new"), data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    item = db.session.scalar(select(IPItem).filter_by(area_of_improvement="Blocked fire exit"))
    assert (item.origin, item.advisory_visit_id, item.raised_by_id, item.status) == (
        Origin.ADVISORY, plan["visit"].id, raised, IPStatus.IN_PROGRESS)
    assert [e.kind for e in events(item)] == [EventKind.CREATED, EventKind.STATUS]


def test_new_item_needs_what_where_and_who(login, world, plan):
    response = login(world.factory_user).post(url(world, suffix="/new"), data={"cycle_id": str(plan["cycle"].id)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("Please describe the area of improvement.", "Please choose a cluster.",
                    "Please say who raised this issue.", "Please name the lead person."):
        assert message in html


def test_ea_cannot_add_items_for_the_factory(login, world, plan):
    assert login(world.ea).get(url(world, suffix="/new")).status_code == 403


# --- the compliance point list follows the chosen cluster (issue 19 item 8) ----------------
# With a cluster chosen only its points are offered; the "Show this cluster's compliance points"
# button reloads the form as typed (without JavaScript; app.js presses it on choosing), saving nothing.

def points_of(cluster) -> set[str]:
    return {str(i) for i in db.session.scalars(select(CompliancePoint.id).filter_by(cluster_id=cluster.id))}


def offered_points(html: str) -> set[str]:
    select_html = re.search(r'<select[^>]*name="compliance_point_id".*?</select>', html, re.S).group(0)
    return set(re.findall(r'<option[^>]*value="(\d+)"', select_html))


def test_a_new_item_with_a_chosen_cluster_offers_only_its_points_and_keeps_what_was_typed(login, world, plan):
    client = login(world.factory_user)
    everything = offered_points(client.get(url(world, suffix="/new")).get_data(as_text=True))
    safety = f.catalogue_row(Cluster, "Occupational Safety and Health", world.kh)
    assert len(everything) > len(points_of(safety))  # nothing chosen: every cluster's points
    before = db.session.scalar(select(func.count(IPItem.id)))
    response = client.post(url(world, suffix="/new"), data={
        "cycle_id": str(plan["cycle"].id), "area_of_improvement": "Blocked fire exit",
        "cluster_id": str(safety.id), "choose_cluster": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Please describe" not in html and 'class="error"' not in html
    assert offered_points(html) == points_of(safety)
    assert re.search(r">\s*Blocked fire exit</textarea>", html)  # typed values kept
    assert "Show this cluster&#39;s compliance points" in html or "Show this cluster's compliance points" in html
    assert db.session.scalar(select(func.count(IPItem.id))) == before  # nothing saved


def test_editing_an_item_offers_its_clusters_points_and_switches_with_htmx(login, world, plan):
    item = plan["advisory"]
    client = login(world.factory_user)
    own = points_of(db.session.get(Cluster, item.cluster_id))
    assert offered_points(client.get(url(world, item, "/edit")).get_data(as_text=True)) == own
    other = next(c for c in db.session.scalars(select(Cluster).filter_by(programme_id=world.kh.id))
                 if c.id != item.cluster_id and points_of(c))
    version = item.version
    response = client.post(url(world, item, "/edit"), headers=HX, data=factory_form(
        item, cluster_id=str(other.id), actions_needed="Typed, not saved", choose_cluster="1"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith("<li")
    assert offered_points(html) == points_of(other)
    assert re.search(r">\s*Typed, not saved</textarea>", html)
    assert reload(item).version == version and reload(item).cluster_id == item.cluster_id


# --- without JavaScript, saving an item comes back to the list as it was filtered (issue 19 item 9) --

def test_plain_save_keeps_the_lists_filters_and_refuses_other_addresses(login, world, plan):
    item = plan["private"]
    client = login(world.factory_user)
    listing = client.get(url(world) + "?status=pending&public=no").get_data(as_text=True)
    assert 'class="expander"' in listing  # rows show that they open
    edit_link = re.search(rf'href="([^"]*/ip/{item.id}/edit[^"]*)"', listing).group(1).replace("&amp;", "&")
    assert "next=" in edit_link
    form = client.get(edit_link).get_data(as_text=True)
    item_form = form[form.index('class="ip-item editing"'):]  # the language picker has a "next" too
    kept = re.search(r'name="next" value="([^"]*)"', item_form).group(1).replace("&amp;", "&")
    assert kept == url(world) + "?status=pending&public=no"
    response = client.post(url(world, item, "/edit"), data=factory_form(item, next=kept))
    assert response.status_code == 302
    assert response.location.endswith(f"/ip?status=pending&public=no#item-{item.id}")
    for foreign in ("https://evil.test/ip", "//evil.test/factories/1/ip", "/factories/999/ip?x=1", "/home"):
        again = client.post(url(world, item, "/edit"), data=factory_form(reload(item), next=foreign))
        assert again.status_code == 302 and again.location.endswith(f"/factories/{world.angkor.id}/ip#item-{item.id}")
