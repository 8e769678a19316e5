"""Entry point for WSGI servers: `gunicorn wsgi:app`."""

from mutualise import create_app

app = create_app()
