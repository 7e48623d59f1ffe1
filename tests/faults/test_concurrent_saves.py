"""Two users saving the same PR1 section or the same IP item at the same moment (issue 9),
on PostgreSQL, each request in its own thread and database connection.

A barrier holds both requests just before they write, after both have read the same version
and passed the check in Python; what decides is then the database: the UPDATE carries
``WHERE version = :read`` (SQLAlchemy's version_id_col), and a first save of a section meets
the unique (report, key). Exactly one wins; the other gets the conflict page with the
winner's text and its own still in the form; the database has the winner's text.
"""

import threading
from html import unescape

from bwportal.extensions import db
from bwportal.models import IPEvent, IPItem, Role
from tests import factories as f
from tests.conftest import sign_in

from .conftest import HX, needs_postgres, say, section_url, stored_section
from .rendezvous import Rendezvous


def at_once(app, requests):
    """Run each ``(client, method, url, kwargs)`` in its own thread; their responses, in order."""
    responses, errors = [None] * len(requests), []

    def run(i, client, method, url, kwargs):
        try:
            responses[i] = getattr(client, method)(url, **kwargs)
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, *r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return responses


def two_factory_users(app, world):
    colleague = f.make_user(Role.FACTORY, factory=world.angkor, email="colleague@example.com", name="Colleague")
    db.session.commit()
    first, second = app.test_client(), app.test_client()
    sign_in(first, world.factory_user)
    sign_in(second, colleague)
    return first, second


def winner_and_loser(responses, win_status):
    statuses = sorted(r.status_code for r in responses)
    assert statuses == sorted([win_status, 409]), statuses
    winner = next(i for i, r in enumerate(responses) if r.status_code == win_status)
    return winner, 1 - winner


@needs_postgres("SQLite runs one writer at a time")
def test_two_users_save_the_same_section_at_once(app, world, pr1):
    first, second = two_factory_users(app, world)
    url = section_url(world, pr1)
    version = stored_section(pr1).version
    texts = ["Sokha's answer: the PICC met twice", "Dara's answer: the PICC met three times"]
    # Both sent at once from the same version: a save locks its report (issue 17 item 2), so the
    # second waits for the first and then finds the version moved on.
    responses = at_once(app, [(client, "post", url, {"data": {"feedback": text, "version": str(version)}})
                              for client, text in zip((first, second), texts, strict=True)])
    winner, loser = winner_and_loser(responses, 302)
    conflict = unescape(responses[loser].get_data(as_text=True))
    assert "Someone else saved this section while you were editing it." in conflict
    assert texts[winner] in conflict and texts[loser] in conflict  # theirs shown, mine still in the form
    saved = stored_section(pr1)
    assert (saved.answers["feedback"]["value"], saved.version) == (texts[winner], version + 1)
    say(f"two users saved PR1 section version {version} at once (the second waits for the report's lock): "
        f"one 302, one 409 conflict page with both texts; stored: the winner's text, version {saved.version}")


@needs_postgres("SQLite runs one writer at a time")
def test_two_users_save_a_section_for_the_first_time_at_once(app, world, pr1):
    """No row yet: one saves it first (the report's lock), the other is a conflict, not a 500."""
    first, second = two_factory_users(app, world)
    url = section_url(world, pr1, "learning")
    db.session.delete(stored_section(pr1, "learning"))  # never saved yet
    db.session.commit()
    texts = ["We trained 12 supervisors", "We trained 30 line leaders"]
    responses = at_once(app, [(client, "post", url, {"data": {"upcoming": text}})
                              for client, text in zip((first, second), texts, strict=True)])
    winner, loser = winner_and_loser(responses, 302)
    conflict = unescape(responses[loser].get_data(as_text=True))
    assert "Someone else saved this section while you were editing it." in conflict
    assert texts[winner] in conflict and texts[loser] in conflict
    saved = stored_section(pr1, "learning")
    assert texts[winner] in str(saved.answers) and texts[loser] not in str(saved.answers)
    say("two users saved a new PR1 section at once: one 302, one 409 conflict page "
        "(not a 500); one row with the winner's text")


@needs_postgres("SQLite runs one writer at a time")
def test_two_users_save_the_same_ip_item_at_once(app, world, cycle):
    from tests.web.test_ip import factory_form

    item = f.make_ip_item(cycle, by=world.ea)
    db.session.commit()
    first, second = two_factory_users(app, world)
    url = f"/factories/{world.angkor.id}/ip/{item.id}/edit"
    version = item.version
    texts = ["Pay the overtime owed in March", "Recalculate all overtime since January"]
    with Rendezvous(IPItem, patience=20) as together:
        responses = at_once(app, [(client, "post", url, {"headers": HX,
                                                         "data": factory_form(item, actions_needed=text)})
                                  for client, text in zip((first, second), texts, strict=True)])
    assert len(together.waited) == 2
    winner, loser = winner_and_loser(responses, 200)
    conflict = unescape(responses[loser].get_data(as_text=True))
    assert "Someone else saved this item" in conflict
    assert texts[winner] in conflict and texts[loser] in conflict
    db.session.expire_all()
    stored = db.session.get(IPItem, item.id)
    assert (stored.actions_needed, stored.version) == (texts[winner], version + 1)
    history = db.session.scalars(db.select(IPEvent.new_value).filter_by(item_id=item.id, field="actions_needed"))
    assert list(history) == [texts[winner]]  # the loser's change left no trace either
    say(f"two users saved IP item version {version} at once over HTMX: one 200, one 409 conflict "
        f"with both texts; stored: the winner's text, version {stored.version}; one history entry per change")
