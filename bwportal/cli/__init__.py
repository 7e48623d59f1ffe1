"""Flask commands, one module per group: ``flask --app wsgi i18n update``, ``ip``, ``programme``,
``outbox``, and in a checkout ``seed-demo`` and ``seed-scale``."""

from importlib.util import find_spec


def register_cli(app) -> None:
    from . import backup, check, documents, i18n, ip, outbox, programmes

    for module in (i18n, ip, programmes, outbox, documents, backup):
        app.cli.add_command(module.group)
    app.cli.add_command(check.check_command)
    if find_spec("devdata") is not None:  # a checkout: the demo and scale data are at hand
        from . import devdata

        app.cli.add_command(devdata.seed_demo_command)
        app.cli.add_command(devdata.seed_scale_command)
