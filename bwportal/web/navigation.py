"""The menu, named as the factory guide names it, so users of the old portal find their way.

Items whose page does not exist yet (no such endpoint) are left out, so the menu grows
with the blueprints. "{committee}" labels take the programme's committee name.
"""

from dataclasses import dataclass

from flask import current_app, g, url_for
from flask_babel import gettext
from flask_login import current_user

from ..domain.policy import can
from .i18n import committee_short


def N_(msgid: str) -> str:
    """Mark a string for extraction; it is translated when the menu is built."""
    return msgid


@dataclass(frozen=True)
class Item:
    msgid: str
    endpoint: str
    action: str  # the policy action a user needs to see the item
    fallback: "Item | None" = None  # shown instead when the user may not use this one


@dataclass(frozen=True)
class Group:
    msgid: str
    items: tuple[Item, ...]
    factory_msgid: str | None = None  # the label a factory user sees instead


MENU = (
    Group(
        N_("Advisory & Training"),
        (
            Item(N_("Factory dashboard"), "dashboards.factory", "dashboard.factory"),
            Item(N_("Progress Report"), "reports.index", "report.view"),
            Item(N_("Improvement Plan"), "ip.index", "ip.view"),
            Item(N_("Training"), "training.index", "training.view"),
            Item(N_("%(committee)s Members"), "committee.members", "committee.view"),
            Item(N_("%(committee)s Meetings"), "committee.meetings", "committee.view"),
            Item(N_("Advisory Visit Log"), "visits.index", "visits.view"),
        ),
    ),
    Group(
        N_("Assessments"),
        (
            Item(N_("Assessment Reports"), "assessments.index", "assessments.view"),
            Item(N_("Public Reporting Issues"), "public_issues.index", "public.view"),
        ),
    ),
    Group(
        N_("Organization"),
        (
            Item(
                N_("Edit Organization"),
                "enterprise.edit",
                "enterprise.edit",
                fallback=Item(N_("Enterprise Data"), "enterprise.view", "enterprise.view"),
            ),
            Item(N_("People"), "people.index", "people.manage"),
            Item(N_("Buyers"), "subscriptions.index", "subscription.decide"),
        ),
        factory_msgid=N_("My Organization"),
    ),
)


# Pages that are not about one factory, after "Home".
GLOBAL_MENU = (
    Item(N_("Dashboard"), "buyers.dashboard", "buyer.dashboard"),
    Item(N_("Dashboard"), "dashboards.programme", "dashboard.programme"),
    Item(N_("Dashboard"), "dashboards.advisor", "dashboard.advisor"),
    Item(N_("Subscriptions"), "buyers.factories", "subscription.request"),
    Item(N_("Inbox"), "reports.inbox", "report.review"),
    Item(N_("Verification queue"), "ip.queue", "ip.verify"),
    Item(N_("Administration"), "admin.settings", "admin.manage"),
    Item(N_("Notices"), "notices.index", "notices.view"),
)


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    endpoint: str


def current_factory():
    """The factory whose menu to show: the one on the page, else a factory user's own."""
    factory = g.get("factory")
    if factory is None and current_user.is_authenticated:
        factory = current_user.factory
    return factory


def navigation() -> list[tuple[str, list[Link]]]:
    factory = current_factory()
    if factory is None:
        return []
    committee = committee_short(factory.programme)  # in the reader's language (issue 19)
    endpoints = current_app.view_functions
    menu = []
    for group in MENU:
        links = []
        for item in group.items:
            while item is not None and (
                item.endpoint not in endpoints or not can(current_user, item.action)
            ):
                item = item.fallback
            if item is not None:
                label = gettext(item.msgid, committee=committee)
                links.append(Link(label, url_for(item.endpoint, factory_id=factory.id), item.endpoint))
        if links:
            msgid = group.factory_msgid if (group.factory_msgid and current_user.factory) else group.msgid
            menu.append((gettext(msgid), links))
    return menu


def global_links() -> list[Link]:
    endpoints = current_app.view_functions
    return [
        Link(gettext(item.msgid), url_for(item.endpoint), item.endpoint)
        for item in GLOBAL_MENU
        if item.endpoint in endpoints and can(current_user, item.action)
    ]
