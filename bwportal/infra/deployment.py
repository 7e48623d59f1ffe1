"""What a production deployment must set (issue 17 item 7, issue 18 item 3).

The defaults suit a developer's machine: a public development key, a SQLite file, mail
written to a folder and links to localhost. In production each of them is a hole (a session
forged with the public key) or a silent failure (nobody receives a notice), so the app refuses
to start with ``BWPORTAL_ENV=production`` until they are set, and ``flask --app wsgi check``
lists what a deployment still misses.
"""

from urllib.parse import urlsplit

# Keys that anyone can read in this repository or in its history.
KNOWN_SECRETS = frozenset({"", "dev-only-secret-change-me", "change-me", "changeme", "secret", "dev", "test"})
SECRET_MIN = 32
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", ""})


def missing(config) -> list[str]:
    """What this configuration lacks for production, each with the setting that fixes it."""
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if secret in KNOWN_SECRETS:
        problems.append("SECRET_KEY is missing or a known development value: set SECRET_KEY to a long random "
                        "string (e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(48))').")
    elif len(secret) < SECRET_MIN:
        problems.append(f"SECRET_KEY is shorter than {SECRET_MIN} characters: set a longer random SECRET_KEY.")
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        problems.append("The database is a SQLite file: set DATABASE_URL to PostgreSQL "
                        "(postgresql://user:password@host/database).")
    host = (urlsplit(config.get("PUBLIC_URL") or "").hostname or "").lower()
    if host in LOCAL_HOSTS or host.endswith(".localhost"):
        problems.append("PUBLIC_URL is on localhost, so links in e-mails lead nowhere: set PUBLIC_URL to the "
                        "portal's public address (https://portal.example.org).")
    if not config.get("MAIL_SERVER"):
        problems.append("No SMTP server, so e-mails are only written to files: set MAIL_SERVER (and MAIL_PORT, "
                        "MAIL_USERNAME, MAIL_PASSWORD, MAIL_USE_TLS, MAIL_DEFAULT_SENDER).")
    return problems


class NotReadyForProduction(SystemExit):
    """Raised by create_app: a SystemExit, so gunicorn, rq and flask stop with the message
    alone (exit status 1) instead of a traceback."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(message(problems))


def message(problems: list[str]) -> str:
    lines = ["bwportal will not start with BWPORTAL_ENV=production until these are set:"]
    lines += [f"  - {problem}" for problem in problems]
    lines.append("Run `flask --app wsgi check` to see what is still missing.")
    return "\n".join(lines)


def refuse_unsafe_production(config) -> None:
    if config.get("ENV_NAME") == "production":
        problems = missing(config)
        if problems:
            raise NotReadyForProduction(problems)
