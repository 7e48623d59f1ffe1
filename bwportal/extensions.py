"""Flask extensions, created unbound and initialised in the app factory."""

from functools import cached_property

from flask_babel import Babel
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Stable constraint names, so Alembic can alter them on PostgreSQL and SQLite alike.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


# Objects keep their values after a commit: the answer a view renders after a save shows what
# it has just written without reading it back (a section save read its report and sections twice).
# Each request, job and CLI command has a session of its own, so nothing is kept for long.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate(render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()


class RequestCachedBabel(Babel):
    @cached_property
    def domain_instance(self):
        from .web.i18n import RequestCachedDomain

        return RequestCachedDomain(domain="messages")


babel = RequestCachedBabel()
htmx = HTMX()


def configure_sqlite(engine) -> None:
    """SQLite, the embedded default: enforce foreign keys, and let readers and a writer
    work side by side (WAL), as they do on PostgreSQL."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
