"""WSGI entry point in a checkout: ``gunicorn wsgi:app``, ``flask --app wsgi``.
The app is built in the package (bwportal/wsgi.py) so an installed wheel runs without this file."""

from bwportal.wsgi import app  # noqa: F401
