"""Everything that lists or accepts catalogue rows uses the factory's programme only: a
posted id of another programme's cluster, compliance point, root cause or "raised by"
source is refused (422) and never stored."""

import io
import re
from datetime import date, timedelta

import pytest
from itsdangerous import URLSafeSerializer

from bwportal.domain.assessments import cycles as assessments
from bwportal.domain.ip import operations as ops
from bwportal.extensions import db
from bwportal.models import Cluster, Finding, IPItem, Origin, RaisedBy, RootCause
from tests import factories as f


@pytest.fixture
def plan(world):
    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=120), date.today() - timedelta(days=99))
    visit = f.make_visit(cycle, date.today() - timedelta(days=30), ea=world.ea)
    advisory = f.make_advisory_item(cycle, by=world.factory_user, visit=visit, raised_by="Self-diagnosis",
                                    lead_person="Sok Dara")
    db.session.commit()
    return {"cycle": cycle, "visit": visit, "advisory": advisory}


def ip_url(world, suffix=""):
    return f"/factories/{world.angkor.id}/ip{suffix}"


def item_form(world, item=None, **overrides):
    point = f.catalogue_point("Welfare Facilities", world.kh)
    data = {"area_of_improvement": "Not enough drinking water points", "cluster_id": str(point.cluster_id),
            "compliance_point_id": str(point.id),
            "root_cause_id": str(f.catalogue_row(RootCause, "Lack of training or skills", world.kh).id),
            "actions_needed": "More water points", "lead_person": "Sok Dara",
            "target_date": (date.today() + timedelta(days=30)).isoformat(), "status": "in_progress",
            "progress": "Ordered", "version": str(item.version if item else 1)}
    data.update(overrides)
    return data


def foreign_ids(world) -> dict:
    """Indonesia's copies of the rows the forms above use."""
    point = f.catalogue_point("Welfare Facilities", world.idn)
    return {"cluster_id": str(point.cluster_id), "compliance_point_id": str(point.id),
            "root_cause_id": str(f.catalogue_row(RootCause, "Lack of training or skills", world.idn).id),
            "raised_by_id": str(f.catalogue_row(RaisedBy, "Management", world.idn).id)}


def reload(item) -> IPItem:
    db.session.expire_all()
    return db.session.get(IPItem, item.id)


@pytest.mark.parametrize("field", ["root_cause_id", "cluster_and_point", "compliance_point_id"])
def test_editing_an_item_with_another_programmes_entry_is_refused(login, world, plan, field):
    item = plan["advisory"]
    foreign = foreign_ids(world)
    if field == "cluster_and_point":
        overrides = {"cluster_id": foreign["cluster_id"], "compliance_point_id": foreign["compliance_point_id"]}
    else:
        overrides = {field: foreign[field]}
    before = (item.cluster_id, item.compliance_point_id, item.root_cause_id, item.version)
    client = login(world.factory_user)
    response = client.post(ip_url(world, f"/{item.id}/edit"), data=item_form(world, item, **overrides))
    assert response.status_code == 422
    assert "Please choose" in response.get_data(as_text=True)
    item = reload(item)
    assert (item.cluster_id, item.compliance_point_id, item.root_cause_id, item.version) == before
    # The same form with the programme's own entries is accepted.
    ok = login(world.factory_user).post(ip_url(world, f"/{item.id}/edit"), data=item_form(world, item))
    assert ok.status_code == 302
    assert reload(item).root_cause.programme_id == world.kh.id


@pytest.mark.parametrize("field", ["raised_by_id", "cluster_and_point"])
def test_a_new_item_with_another_programmes_entry_is_refused(login, world, plan, field):
    foreign = foreign_ids(world)
    data = item_form(world, cycle_id=str(plan["cycle"].id), advisory_visit_id=str(plan["visit"].id),
                     raised_by_id=str(f.catalogue_row(RaisedBy, "Management", world.kh).id),
                     area_of_improvement="Smuggled item")
    if field == "cluster_and_point":
        data.update(cluster_id=foreign["cluster_id"], compliance_point_id=foreign["compliance_point_id"])
    else:
        data[field] = foreign[field]
    response = login(world.factory_user).post(ip_url(world, "/new"), data=data)
    assert response.status_code == 422 and "Smuggled item" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(IPItem).filter_by(area_of_improvement="Smuggled item")) is None


def test_the_forms_and_filters_offer_only_the_programmes_entries(login, world, plan):
    f.catalogue_row(Cluster, "Working Time", world.idn).name = "Indonesian working time"
    f.catalogue_row(RootCause, "Buyer Practices", world.idn).name = "Indonesian buyer practices"
    db.session.commit()
    client = login(world.factory_user)
    for path in ("", "/new", f"/{plan['advisory'].id}/edit"):
        html = client.get(ip_url(world, path)).get_data(as_text=True)
        assert "Indonesian" not in html, path
        assert "Working Time" in html, path
    idn_cluster = f.catalogue_row(Cluster, "Compensation", world.idn)
    listed = client.get(ip_url(world)).get_data(as_text=True)
    assert not re.search(rf'<option[^>]*value="{idn_cluster.id}"', listed)


def test_the_domain_refuses_foreign_entries_by_itself(world, plan):
    foreign = {k: int(v) for k, v in foreign_ids(world).items()}
    with pytest.raises(ops.ForeignCatalogueEntry):
        ops.create_item(world.angkor, world.factory_user, plan["cycle"], Origin.ADVISORY,
                        {"cluster_id": foreign["cluster_id"]})
    with pytest.raises(ops.ForeignCatalogueEntry):
        ops.create_item(world.angkor, world.factory_user, plan["cycle"], Origin.ADVISORY, {},
                        raised_by_id=foreign["raised_by_id"])
    item = plan["advisory"]
    with pytest.raises(ops.ForeignCatalogueEntry):
        ops.update_item(item, world.factory_user, {"root_cause_id": foreign["root_cause_id"]}, item.version,
                        date.today())
    with pytest.raises(ValueError):
        assessments.add_finding(plan["cycle"], f.catalogue_point("Gender", world.idn), "x", False)
    db.session.rollback()
    assert reload(item).root_cause_id is None


# --- assessment findings ----------------------------------------------------------------------

def cycle_url(cycle):
    return f"/factories/{cycle.factory_id}/cycles/{cycle.id}"


def test_a_finding_on_another_programmes_point_is_refused(login, world, plan):
    cycle = plan["cycle"]
    foreign = f.catalogue_point("Gender", world.idn)
    client = login(world.assessor)
    response = client.post(cycle_url(cycle) + "/findings", data={
        "cluster_id": str(foreign.cluster_id), "compliance_point_id": str(foreign.id), "text": "Smuggled finding"})
    assert response.status_code == 422 and "Smuggled finding" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Finding).filter_by(text="Smuggled finding")) is None
    page = client.get(cycle_url(cycle)).get_data(as_text=True)
    assert f'value="{foreign.id}"' not in page and f'value="{f.catalogue_point("Gender", world.kh).id}"' in page


def test_imported_findings_take_the_programmes_entries(app, login, world, plan):
    cycle = plan["cycle"]
    client = login(world.assessor)
    content = "Cluster,Compliance Point,Finding\nCompensation,Overtime Wages,Sunday overtime at the normal rate\n"
    html = client.post(cycle_url(cycle) + "/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(content.encode()), "f.csv")}).get_data(as_text=True)
    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', html).group(1)
    assert client.post(cycle_url(cycle) + "/import/confirm", data={"payload": payload}).status_code == 302
    finding = db.session.scalar(db.select(Finding).filter_by(text="Sunday overtime at the normal rate"))
    assert finding.compliance_point_id == f.catalogue_point("Overtime Wages", world.kh).id
    # A signed payload with Indonesia's ids is checked again, and refused.
    foreign = f.catalogue_point("Gender", world.idn)
    signed = URLSafeSerializer(app.secret_key, salt="findings-import").dumps(
        {"cycle": cycle.id, "existing": 1, "rows": [[2, foreign.cluster_id, foreign.id, "Smuggled", True]]})
    response = client.post(cycle_url(cycle) + "/import/confirm", data={"payload": signed})
    assert response.status_code == 422 and "no longer in the catalogue" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Finding).filter_by(text="Smuggled")) is None


def test_the_import_template_names_an_entry_of_the_programme(login, world, plan):
    f.catalogue_point("Overtime Wages", world.kh).active = False  # retired in Cambodia only
    f.catalogue_row(Cluster, "Child Labour", world.idn).name = "Indonesian first cluster"
    db.session.commit()
    csv = login(world.assessor).get(f"/factories/{world.angkor.id}/cycles/import-template.csv").get_data(
        as_text=True)
    assert "Overtime Wages" not in csv and "Indonesian" not in csv
    assert "Child Labour,Child Labourers" in csv
