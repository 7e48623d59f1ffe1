"""bwportal: the Better Work portal for improvement plans and progress reports."""

from flask import Flask

from . import config as config_module


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(config_module.INSTANCE))
    app.config.update(config_module.from_environment())
    if config:
        app.config.update(config)
    from .infra.deployment import refuse_unsafe_production

    refuse_unsafe_production(app.config)  # production: no public key, SQLite, localhost links or file mail
    # The embedded default keeps its SQLite file, mail outbox and uploads here.
    config_module.INSTANCE.mkdir(parents=True, exist_ok=True)

    from .domain.reports import guard  # noqa: F401 - the model refuses writes to a report that is not a draft
    from .extensions import configure_sqlite, csrf, db, htmx, login_manager, migrate
    from .web import assets, hooks, i18n, observability, offline, throttle, transactions, unit_of_work

    observability.init_app(app)  # first: every later handler's log lines carry the request id

    assets.init_app(app)  # first, so its compression sees every other handler's final answer
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    transactions.init_app(app)  # after db: read-only requests end with COMMIT (prepared statements stay)
    migrate.init_app(app, db, directory=str(config_module.MIGRATIONS))
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    hooks.init_app(app)
    offline.init_app(app)
    unit_of_work.init_app(app)
    throttle.init_app(app)

    from .blueprints import register_blueprints

    register_blueprints(app)

    from .api import init_app as init_api

    init_api(app)  # the read API, its OpenAPI document and the open data (API-1)

    from .cli import register_cli

    register_cli(app)
    return app
