"""Settings from the environment, each with a default that works on a developer's machine.

The embedded default is a SQLite file under ``instance/``, no Redis (jobs run in-process)
and mail written to an outbox folder. Setting ``DATABASE_URL`` and ``REDIS_URL`` switches
on PostgreSQL and Redis.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("BWPORTAL_INSTANCE", ROOT / "instance"))

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
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR", str(INSTANCE / "uploads")),
        # Files kept through bwportal.infra.storage (a folder on the embedded default).
        "STORAGE_DIR": os.environ.get("STORAGE_DIR", str(INSTANCE / "storage")),
        # Rendered PDFs (JOB-1), served only through the portal: never under static/.
        "DOCUMENT_DIR": os.environ.get("DOCUMENT_DIR", str(INSTANCE / "documents")),
        # Seconds a worker holds an outbox row it claimed (default: domain.outbox.CLAIM, 5 minutes).
        "OUTBOX_CLAIM_SECONDS": int(os.environ.get("OUTBOX_CLAIM_SECONDS", "0")),
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
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
