"""WSGI entry point: ``gunicorn wsgi:app``."""

from bwportal import create_app
from bwportal.domain.people.accounts import dummy_hash

app = create_app()
dummy_hash()  # now, not at the first sign-in with an unknown e-mail (accounts.dummy_hash)
