"""WSGI entry point of the installed portal: ``gunicorn bwportal.wsgi:app``,
``flask --app bwportal.wsgi db upgrade``. The checkout's top-level ``wsgi.py`` re-exports it."""

from bwportal import create_app
from bwportal.domain.people.accounts import dummy_hash

app = create_app()
dummy_hash()  # now, not at the first sign-in with an unknown e-mail (accounts.dummy_hash)
