"""Settings from the environment, each with a default that works on a developer's machine.

The embedded default is a SQLite file under ``instance/``, no Redis (jobs run in-process)
and mail written to an outbox folder. Setting ``DATABASE_URL`` and ``REDIS_URL`` switches
on PostgreSQL and Redis.
"""

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
# A checkout keeps translations/ and migrations/ beside the package; a built wheel carries them
# inside it (setup.py's build step compiles the catalogues and copies the migrations there).
CHECKOUT = (ROOT / "pyproject.toml").is_file()
TRANSLATIONS = ROOT / "translations" if CHECKOUT else PACKAGE / "translations"
MIGRATIONS = ROOT / "migrations" if CHECKOUT else PACKAGE / "migrations"
# Installed, the instance folder is the working directory's, never site-packages.
INSTANCE = Path(os.environ.get("BWPORTAL_INSTANCE", (ROOT if CHECKOUT else Path.cwd()) / "instance"))

# Locales with a complete catalogue; the first is the fallback.
LOCALES = ("en", "km", "vi", "bn", "id", "ar", "es", "fr")


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{INSTANCE / 'bwportal.sqlite'}"
    # Platforms hand out postgres:// URLs; SQLAlchemy wants the psycopg 3 driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def from_environment() -> dict:
    env = os.environ.get("BWPORTAL_ENV", "development")
    return {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "dev-only-secret-change-me"),
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "") == "1",  # STARTTLS (port 587)
        "MAIL_USE_SSL": os.environ.get("MAIL_USE_SSL", "") == "1",  # implicit TLS (port 465)
        "MAIL_TLS_CA_FILE": os.environ.get("MAIL_TLS_CA_FILE", ""),  # a private CA to verify the server with
        "MAIL_TIMEOUT": int(os.environ.get("MAIL_TIMEOUT", "15")),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "portal@bwportal.invalid"),
        "MAIL_OUTBOX_DIR": os.environ.get("MAIL_OUTBOX_DIR", str(INSTANCE / "outbox")),
        # How many reverse proxies stand before gunicorn (their X-Forwarded-For is trusted).
        "PROXIES": int(os.environ.get("PROXIES", "0")),
        # Invitation and password links stay valid this long.
        "INVITATION_DAYS": int(os.environ.get("INVITATION_DAYS", "7")),
        # A password-reset link works once, for this many hours.
        "PASSWORD_RESET_HOURS": int(os.environ.get("PASSWORD_RESET_HOURS", "2")),
        # Sign-in and password-reset throttling (bwportal/throttle.py). Stored in REDIS_URL's Redis
        # when set, so every gunicorn worker counts together; in memory otherwise.
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") != "0",
        "SIGN_IN_LIMIT_PER_ACCOUNT": os.environ.get("SIGN_IN_LIMIT_PER_ACCOUNT", "5/minute;20/hour"),
        "SIGN_IN_LIMIT_PER_ADDRESS": os.environ.get("SIGN_IN_LIMIT_PER_ADDRESS", "30/minute"),
        "PASSWORD_RESET_LIMIT_PER_ACCOUNT": os.environ.get("PASSWORD_RESET_LIMIT_PER_ACCOUNT", "3/hour"),
        "PASSWORD_RESET_LIMIT_PER_ADDRESS": os.environ.get("PASSWORD_RESET_LIMIT_PER_ADDRESS", "10/hour"),
        # The read API (bwportal/api): requests allowed per token, and per client address (open
        # data and the API document too).
        "API_LIMIT_PER_TOKEN": os.environ.get("API_LIMIT_PER_TOKEN", "300/minute;5000/hour"),
        "API_LIMIT_PER_ADDRESS": os.environ.get("API_LIMIT_PER_ADDRESS", "600/minute"),
        # The licence the Transparency Portal's open data is published under.
        "OPEN_DATA_LICENCE": os.environ.get("OPEN_DATA_LICENCE", "CC-BY-4.0"),
        "OPEN_DATA_LICENCE_URL": os.environ.get("OPEN_DATA_LICENCE_URL",
                                                "https://creativecommons.org/licenses/by/4.0/"),
        # Links in e-mails start with this (the portal's public address).
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://localhost:5000"),
        # Every file the portal keeps (evidence under evidence/, rendered PDFs under documents/)
        # goes through bwportal.infra.storage, served only through the portal, never under static/.
        # STORAGE_URL=s3://bucket[/prefix] keeps them in S3-compatible object storage (endpoint
        # S3_ENDPOINT_URL for MinIO, Ceph, R2...; credentials from AWS_ACCESS_KEY_ID and
        # AWS_SECRET_ACCESS_KEY), which every machine shares; else in the folder STORAGE_DIR.
        "STORAGE_URL": os.environ.get("STORAGE_URL", ""),
        # Observability (bwportal/web/observability.py): JSON log lines (LOG_FORMAT=text for plain
        # ones), /metrics behind METRICS_TOKEN when set, errors to Sentry when SENTRY_DSN is set.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "json"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").upper(),
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN", ""),
        "SENTRY_DSN": os.environ.get("SENTRY_DSN", ""),
        "SENTRY_TRACES_SAMPLE_RATE": os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0"),
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL", ""),
        "STORAGE_DIR": os.environ.get("STORAGE_DIR", str(INSTANCE / "storage")),
        # Rendered PDFs of drafts and of the IP are deleted after this many days (final reports' never).
        "DOCUMENT_PRUNE_DAYS": int(os.environ.get("DOCUMENT_PRUNE_DAYS", "30")),
        # Seconds a worker holds an outbox row it claimed, renewed while it works (default:
        # domain.notices.outbox.CLAIM, 60 s): a dead worker's row is taken over after that.
        "OUTBOX_CLAIM_SECONDS": float(os.environ.get("OUTBOX_CLAIM_SECONDS", "0")),
        "BABEL_TRANSLATION_DIRECTORIES": str(TRANSLATIONS),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LOCALES": LOCALES,
        # Session cookies: Secure everywhere but on a developer's plain-http machine.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_SECURE": env == "production",
        "WTF_CSRF_TIME_LIMIT": None,  # a factory may keep a form open all day on a slow link
        "SEND_FILE_MAX_AGE_DEFAULT": 365 * 24 * 3600,
        # The largest request: a public-issue response with 10 evidence files of 5 MB and its
        # text. Bigger ones are refused before they are read (413, a page of its own).
        "MAX_CONTENT_LENGTH": 10 * 5 * 1024 * 1024 + 1024 * 1024,
    }
