"""The WSGI entry point, as production runs it: `gunicorn -k gthread --threads 4 wsgi:app` (README)."""

from app import create_app

app = create_app()
