"""Production refuses unsafe defaults (issue 17 item 7, issue 18 item 3), and
``flask --app wsgi check`` lists what a deployment misses; development starts as before."""

import pytest

from bwportal import create_app
from bwportal.infra.deployment import NotReadyForProduction

READY = {
    "ENV_NAME": "production",
    "SECRET_KEY": "k" * 48,
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://portal@db.internal/portal",
    "PUBLIC_URL": "https://portal.example.org",
    "MAIL_SERVER": "smtp.example.org",
}


@pytest.mark.parametrize("setting, value, named", [
    ("SECRET_KEY", "dev-only-secret-change-me", "SECRET_KEY"),  # the key an admin session was forged with
    ("SECRET_KEY", "", "SECRET_KEY"),
    ("SECRET_KEY", "short", "SECRET_KEY"),
    ("SQLALCHEMY_DATABASE_URI", "sqlite:////tmp/portal.sqlite", "DATABASE_URL"),
    ("PUBLIC_URL", "http://localhost:5000", "PUBLIC_URL"),
    ("PUBLIC_URL", "http://127.0.0.1:8000", "PUBLIC_URL"),
    ("MAIL_SERVER", "", "MAIL_SERVER"),
])
def test_production_refuses_to_start_on_an_unsafe_default(setting, value, named):
    with pytest.raises(NotReadyForProduction) as refused:
        create_app({**READY, setting: value})
    assert refused.value.code.count("\n  - ") == 1 and named in refused.value.code
    assert "BWPORTAL_ENV=production" in refused.value.code


def test_production_with_the_environment_defaults_names_everything(monkeypatch):
    monkeypatch.setenv("BWPORTAL_ENV", "production")
    for name in ("SECRET_KEY", "DATABASE_URL", "PUBLIC_URL", "MAIL_SERVER"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit) as refused:
        create_app()
    for name in ("SECRET_KEY", "DATABASE_URL", "PUBLIC_URL", "MAIL_SERVER"):
        assert name in str(refused.value.code)


def test_a_complete_production_configuration_starts():
    assert create_app(READY).config["ENV_NAME"] == "production"


def test_check_lists_what_the_deployment_misses(app):
    """Development starts on its defaults (this test suite's app is one); ``check`` says what
    production would still need, and exits 1."""
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1
    assert "SECRET_KEY" in result.output and "MAIL_SERVER" in result.output
    ready = create_app(READY).test_cli_runner().invoke(args=["check"])
    assert ready.exit_code == 0 and "Ready for production" in ready.output
