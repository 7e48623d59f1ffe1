"""IP item edits replayed from a device's offline queue are applied once (issue 19 item 6): the
same Idempotency-Key twice is one edit and the same answer, with or without JavaScript; a replay
over someone else's change meanwhile is a conflict each time, never an overwrite; a key is one
edit of one item."""

from bwportal.extensions import db
from bwportal.models import EventKind, IdempotencyKey

from .test_ip import HX, events, factory_form, plan, reload, url  # noqa: F401 - plan is a fixture


def keys() -> list[IdempotencyKey]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(IdempotencyKey)))


def test_the_same_key_twice_edits_once_and_answers_the_same(login, world, plan):  # noqa: F811
    item = plan["public"]
    client = login(world.factory_user)
    version = item.version
    sent = factory_form(item, progress="Typed offline")
    once = {**HX, "Idempotency-Key": "9b2f6c1e-4a7d-4e3b-8c55-1d2e3f4a5b6c"}

    first = client.post(url(world, item, "/edit"), headers=once, data=sent)
    again = client.post(url(world, item, "/edit"), headers=once, data=sent)  # the answer was lost: sent again
    plain = client.post(url(world, item, "/edit"), headers={"Idempotency-Key": once["Idempotency-Key"]}, data=sent)

    assert first.status_code == again.status_code == 200
    assert "Item saved." in again.get_data(as_text=True)
    assert plain.status_code == 302 and plain.location.endswith(f"#item-{item.id}")
    assert reload(item).version == version + 1 and reload(item).progress == "Typed offline"
    assert [e.new_value for e in events(item, EventKind.FIELD) if e.field == "progress"] == ["Typed offline"]
    assert [(k.user_id, k.status) for k in keys()] == [(world.factory_user.id, 200)]


def test_a_replay_over_someone_elses_change_is_a_conflict_each_time(login, world, plan):  # noqa: F811
    item = plan["public"]
    client = login(world.factory_user)
    seen = item.version
    client.post(url(world, item, "/edit"), data=factory_form(item, progress="Changed meanwhile"))
    once = {**HX, "Idempotency-Key": "replay-after-their-change"}
    sent = factory_form(item, progress="Typed offline", version=str(seen))

    for response in (client.post(url(world, item, "/edit"), headers=once, data=sent),
                     client.post(url(world, item, "/edit"), headers=once, data=sent)):
        html = response.get_data(as_text=True)
        assert response.status_code == 409 and "Someone else saved this item" in html
        assert "Changed meanwhile" in html and "Typed offline" in html  # theirs, and ours in the form
    assert reload(item).progress == "Changed meanwhile" and reload(item).version == seen + 1
    assert [k.status for k in keys()] == [409]


def test_a_key_is_one_edit_of_one_item(login, world, plan):  # noqa: F811
    client = login(world.factory_user)
    once = {**HX, "Idempotency-Key": "one-key-one-item"}
    first, other = plan["public"], plan["private"]
    client.post(url(world, first, "/edit"), headers=once, data=factory_form(first))
    version = other.version
    response = client.post(url(world, other, "/edit"), headers=once, data=factory_form(other, progress="Not here"))
    assert response.status_code == 422
    assert reload(other).version == version and reload(other).progress != "Not here"
