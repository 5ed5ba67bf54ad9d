"""Celery's entry point: `celery -A make_celery worker` sends the mail and runs the jobs; `beat` the timed ones."""

from app import create_app

flask_app = create_app()
if "celery" not in flask_app.extensions:
    raise SystemExit("Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0) to run Celery workers.")
celery_app = flask_app.extensions["celery"]
