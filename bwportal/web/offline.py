"""Offline, for real (issue 19 item 6): the service worker (static/sw.js, served at /sw.js
with scope /) keeps the pages a signed-in factory user opened, for opening them offline.

It never serves one user's pages to another: each page it may keep carries ``BW-Offline-User``,
an opaque id of the user and their session version (so a new password or "sign out everywhere"
changes it), and the worker keeps a page only in the cache named after that same id, which is
the one it was registered for. Signed-out pages, other roles and non-GET answers carry no id and
are never kept. app.js registers the worker only where the page names a user, and clears every
cache at sign-out and when the page's user differs.

Saves made offline (forms marked ``data-offline-queue``: a report section, an IP item inline or
on its edit page) are queued on the device by app.js, under the same id, each with its own
idempotency key (domain/idempotency.py) and the version the user saw. The queue is a cache,
``bwportal-queue-<id>``, one entry per form, a later save of the form replacing the one waiting:
a cache, so that the worker can send it as well as the pages. Pages send it when the link returns
and at every load, with their own CSRF token; when the link returns with no page open, Background
Sync has the worker send it (where the browser supports it; sw.js). The server applies each key
once and answers a replay whose item someone else changed meanwhile with the conflict; the page
shows it where the form is, or where the form's answer goes when the form is not open (the
attribute's value, e.g. an IP item's card on the list), the text staying kept on the device;
until a page has such a place, the answer waits in the queue. A page opened offline while a save
waits says so, with the text that waits in the form. Signing out empties the queue with the rest.
"""

import hashlib
import hmac

from flask import current_app, request, send_from_directory
from flask_login import current_user

from ..models import Role

HEADER = "BW-Offline-User"


def offline_id(user) -> str | None:
    """The opaque id the pages give the service worker, or None where nothing is kept."""
    if not getattr(user, "is_authenticated", False) or user.role is not Role.FACTORY:
        return None
    secret = str(current_app.config["SECRET_KEY"]).encode()
    message = f"offline-cache:{user.id}:{user.session_version}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:24]


def _mark_keepable(response):
    if (request.method == "GET" and response.status_code == 200 and response.mimetype == "text/html"
            and request.endpoint != "static"):
        marker = offline_id(current_user)
        if marker:
            response.headers[HEADER] = marker
    return response


def service_worker():
    response = send_from_directory(current_app.static_folder, "sw.js", mimetype="text/javascript",
                                   max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"  # a new worker reaches browsers at once
    return response


def init_app(app) -> None:
    app.add_url_rule("/sw.js", "service_worker", service_worker)
    app.after_request(_mark_keepable)
    app.context_processor(lambda: {"offline_user": offline_id(current_user)})
