"""ENT-1: My Organization, saved with and without HTMX, validated, never losing input."""

import re

import pytest

from bwportal.extensions import db
from bwportal.models import Factory

HX = {"HX-Request": "true"}


def form_data(factory, **overrides):
    data = {
        "name": factory.name, "address": "12 Riverside", "contact_name": "Sok Dara",
        "phone": "+855 23 555 0101", "email": "hr@example.com", "ownership_info": "Private",
        "male_employees": "100", "female_employees": "250", "version": str(factory.version),
    }
    data.update(overrides)
    return data


def reload(factory) -> Factory:
    db.session.expire_all()
    return db.session.get(Factory, factory.id)


def test_view_shows_the_enterprise_data_and_derived_total(login, world):
    client = login(world.factory_user)
    html = client.get(f"/factories/{world.angkor.id}/organization").get_data(as_text=True)
    assert "Angkor Garments" in html and "Northwind Apparel" in html
    assert ">30<" in html  # 10 male + 20 female


def test_plain_post_saves_and_redirects(login, world):
    client = login(world.factory_user)
    url = f"/factories/{world.angkor.id}/organization/edit"
    response = client.post(url, data=form_data(world.angkor, customers=[str(world.other_brand.id)]))
    assert response.status_code == 302
    assert response.location.endswith(f"/factories/{world.angkor.id}/organization")
    factory = reload(world.angkor)
    assert (factory.address, factory.male_employees, factory.female_employees) == ("12 Riverside", 100, 250)
    assert factory.total_employees == 350
    assert [c.name for c in factory.customers] == ["Blue Harbor Clothing"]
    assert factory.updated_by_id == world.factory_user.id
    page = client.get(response.location).get_data(as_text=True)
    assert "Organization saved." in page and "350" in page and "Last saved" in page


def test_htmx_post_answers_only_the_form(login, world):
    client = login(world.factory_user)
    url = f"/factories/{world.angkor.id}/organization/edit"
    response = client.post(url, data=form_data(world.angkor, contact_name="Chea Mony"), headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith("<form")
    assert "Organization saved." in html and "data-saved" in html
    assert reload(world.angkor).contact_name == "Chea Mony"


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
@pytest.mark.parametrize(
    "field, value, message",
    [
        ("email", "not-an-email", "Please enter an e-mail address such as name@example.com."),
        ("phone", "call me", "Please enter a phone number with digits"),
        ("male_employees", "-4", "Please enter a whole number from 0 to 1,000,000."),
        ("female_employees", "12.5", "Please enter a whole number, such as 120."),
        ("female_employees", "lots", "Please enter a whole number, such as 120."),
        ("male_employees", "", "Please enter the number of male employees (0 if none)."),
        ("name", "", "Please enter the factory name."),
        ("male_employees", "99999999999999999999", "Please enter a whole number from 0 to 1,000,000."),
    ],
)
def test_bad_values_are_refused_with_a_message_and_the_input_kept(login, world, headers, field, value, message):
    client = login(world.factory_user)
    url = f"/factories/{world.angkor.id}/organization/edit"
    typed = form_data(world.angkor, address="Typed address that must survive", **{field: value})
    response = client.post(url, data=typed, headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert f'id="{field}-error"' in html and 'aria-invalid="true"' in html
    assert "Typed address that must survive" in html
    if value:
        assert f'value="{value}"' in html
    assert reload(world.angkor).address != "Typed address that must survive"


def test_stale_save_shows_both_versions_and_keeps_the_typed_text(login, world):
    client = login(world.factory_user)
    url = f"/factories/{world.angkor.id}/organization/edit"
    opened_at = world.angkor.version
    assert client.post(url, data=form_data(world.angkor, contact_name="Saved first")).status_code == 302
    response = client.post(url, data=form_data(world.angkor, contact_name="Typed second",
                                                version=str(opened_at)), headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this organization" in html
    assert "Saved first" in html and 'value="Typed second"' in html
    assert reload(world.angkor).contact_name == "Saved first"
    # Saving again, knowingly, from the conflict form keeps the second version.
    version = html.split('name="version" type="hidden" value="')[1].split('"')[0]
    again = client.post(url, data=form_data(world.angkor, contact_name="Typed second", version=version))
    assert again.status_code == 302
    assert reload(world.angkor).contact_name == "Typed second"


def test_unknown_customer_id_is_refused(login, world):
    client = login(world.factory_user)
    url = f"/factories/{world.angkor.id}/organization/edit"
    response = client.post(url, data=form_data(world.angkor, customers=["999999"]))
    assert response.status_code == 422


@pytest.mark.parametrize("who", ["ea", "buyer", "assessor"])
def test_roles_that_may_only_read_get_403_on_edit(login, world, who):
    client = login(getattr(world, who))
    assert client.get(f"/factories/{world.angkor.id}/organization").status_code == 200
    url = f"/factories/{world.angkor.id}/organization/edit"
    assert client.get(url).status_code == 403
    assert client.post(url, data=form_data(world.angkor, name="Hijacked")).status_code == 403
    assert reload(world.angkor).name == "Angkor Garments"


def test_edit_form_is_prefilled_and_has_the_navigation(login, world):
    client = login(world.factory_user)
    html = client.get(f"/factories/{world.angkor.id}/organization/edit").get_data(as_text=True)
    assert 'value="Angkor Garments"' in html
    assert "My Organization" in html and "Edit Organization" in html
    checked = re.findall(r'<input checked id="customers-\d+" name="customers" type="checkbox" value="(\d+)"', html)
    assert checked == [str(world.brand.id)]
