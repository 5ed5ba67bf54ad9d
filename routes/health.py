"""The health check for load balancers: an answer from the app that touches no database and sets no cookie."""

from flask import Blueprint, Response

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """Say "ok" while the process serves requests; open to all, since it tells nothing else."""
    return Response("ok", mimetype="text/plain")
