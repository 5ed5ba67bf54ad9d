"""The WSGI entry point, as production runs it: `gunicorn -w 2 -k gthread --threads 4 wsgi:app`."""

from app import create_app

app = create_app()
