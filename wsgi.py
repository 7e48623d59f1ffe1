"""WSGI entry point: ``gunicorn wsgi:app``."""

from bwportal import create_app

app = create_app()
