"""The peer for bench/peer_admin.py: a Flask-Admin ModelView over bwportal's IP items.

    gunicorn --chdir bench '_peer_app:create_peer_app()'      (bench/peer_admin.py starts it)

A separate small WSGI app, not part of the portal: Flask-Admin is a ``bench`` extra only.
It uses the portal's own database (BWPORTAL_INSTANCE or DATABASE_URL, read by
bwportal.config), its SQLAlchemy ``db`` and its models, and mounts Flask-Admin as it comes:
``ModelView(IPItem, db.session)`` at /admin/ipitem/ (list) and /admin/ipitem/edit/?id=N.

What differs from Flask-Admin's defaults, and why:
- the theme is named (Bootstrap4Theme, swatch "default"); Flask-Admin 2.x then serves its
  Bootstrap, jQuery, Select2 and Font Awesome from its own static folder (/admin/static/),
  as it does by default: no CDN request, which would fail or hang here;
- the two relationships the portal's model marks ``lazy="raise"`` (findings, events) are left
  out of the list and the form: ModelView would load them per row and they raise;
- responses go through Flask-Compress like the portal's, so the bytes compare the pages, not
  a server setting (with Flask-Admin's static endpoint among those whose revalidations are
  answered 304: otherwise the compressed ETag never matches and every warm load re-downloads);
- no sign-in: Flask-Admin has none of its own (``is_accessible`` is True). Loopback only.
"""

import sys
from pathlib import Path

from flask import Flask
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from flask_admin.theme import Bootstrap4Theme
from flask_babel import Babel
from flask_compress import Compress

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bwportal import config  # noqa: E402
from bwportal.extensions import configure_sqlite, db  # noqa: E402
from bwportal.models import IPItem  # noqa: E402

LIST = "/admin/ipitem/"
EDIT = "/admin/ipitem/edit/?id={id}"


class IPItemView(ModelView):
    column_exclude_list = form_excluded_columns = ("findings", "events")


def create_peer_app() -> Flask:
    settings = config.from_environment()
    app = Flask(__name__)
    app.config.update({key: settings[key] for key in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI",
                                                      "SQLALCHEMY_ENGINE_OPTIONS", "BABEL_DEFAULT_LOCALE")})
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    Babel(app)  # the portal's enum labels are lazy gettext strings
    # Flask-Admin's static files are revalidated (no-cache + ETag); Flask-Compress answers a
    # revalidation with 304 only on the endpoints named here, so name Flask-Admin's too.
    app.config["COMPRESS_STREAMING_ENDPOINT_CONDITIONAL"] = ["static", "admin.static"]
    Compress(app)
    admin = Admin(app, name="Peer: Flask-Admin", theme=Bootstrap4Theme(swatch="default"))
    admin.add_view(IPItemView(IPItem, db.session, name="IP items", endpoint="ipitem"))

    @app.get("/healthz")
    def healthz():
        return "ok"

    return app

