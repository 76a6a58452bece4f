"""HTTP entry points of notify: the operators' delivery log and retry."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from sqlalchemy import func, select, update

from services.common.auth import require_role
from services.common.db import transaction
from services.common.errors import Problem

from . import db
from .schemas import NotificationQuerySchema, NotificationSchema

blp = Blueprint("notifications", __name__, url_prefix="/api/notify/v1", description="Delivery log (operators)")


def sessions():
    return current_app.extensions["notify"].sessions


@blp.route("/notifications", methods=["GET"])
@blp.arguments(NotificationQuerySchema, location="query")
@blp.response(200, NotificationSchema(many=True))
@require_role("operator")
def list_notifications(query):
    """Every notification with its delivery attempts, newest first."""
    n = db.notifications
    stmt = select(n).order_by(n.c.created_at.desc()).limit(query["limit"])
    for name in ("appeal_id", "status", "recipient_kind"):
        if name in query:
            stmt = stmt.where(n.c[name] == query[name])
    with sessions()() as session:
        rows = [dict(r._mapping) for r in session.execute(stmt)]
        attempts = session.execute(select(db.delivery_attempts).where(
            db.delivery_attempts.c.notification_id.in_([r["id"] for r in rows]))
            .order_by(db.delivery_attempts.c.id)).all()
    by_id: dict[str, list] = {}
    for a in attempts:
        by_id.setdefault(a.notification_id, []).append(a._mapping)
    return [{**r, "delivery_attempts": by_id.get(r["id"], [])} for r in rows]


@blp.route("/notifications/<string:notification_id>/retry", methods=["POST"])
@blp.response(202, NotificationSchema)
@require_role("operator")
def retry_notification(notification_id):
    """Send a failed notification again (it goes back to the delivery queue)."""
    n = db.notifications
    with transaction(sessions()) as session:
        row = session.execute(select(n).where(n.c.id == notification_id).with_for_update()).first()
        if row is None:
            raise Problem(404, "notification not found")
        if row.status != "failed" or not row.body_text:
            raise Problem(409, f"only a failed notification with a recipient can be retried (it is {row.status})")
        session.execute(update(n).where(n.c.id == notification_id).values(
            status="pending", attempts=0, next_attempt_at=func.now(), last_error=None))
        updated = session.execute(select(n).where(n.c.id == notification_id)).first()
    return {**updated._mapping, "delivery_attempts": []}
