"""HTTP entry points of notify: the operators' delivery log, dead letters and retry."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from sqlalchemy import select

from services.common.auth import require_role
from services.common.errors import Problem

from . import db, usecases
from .schemas import (ContactSchema, DeadLetterQuerySchema, DeadLetterSchema, NotificationQuerySchema, NotificationSchema,
                      RetrySchema)

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
@blp.response(202, RetrySchema)
@require_role("operator")
def retry_notification(notification_id):
    """Send a failed notification again; an institution's email goes to its current addresses."""
    context = current_app.extensions["notify"]
    queued = usecases.retry_notification(context.sessions, context.renderer, notification_id)
    return {"notification_id": notification_id, "queued": queued}


@blp.route("/dead-letters", methods=["GET"])
@blp.arguments(DeadLetterQuerySchema, location="query")
@blp.response(200, DeadLetterSchema(many=True))
@require_role("operator")
def list_dead_letters(query):
    """Notifications that failed for good (permanent SMTP errors, exhausted retries, nobody to send to)."""
    d, n = db.dead_letters, db.notifications
    stmt = (select(d, n.c.appeal_id, n.c.recipient, n.c.recipient_kind, n.c.template)
            .join(n, n.c.id == d.c.notification_id).order_by(d.c.created_at.desc()).limit(query["limit"]))
    if not query["include_resolved"]:
        stmt = stmt.where(d.c.resolved_at.is_(None))
    if "appeal_id" in query:
        stmt = stmt.where(n.c.appeal_id == query["appeal_id"])
    with sessions()() as session:
        return [dict(r._mapping) for r in session.execute(stmt)]


@blp.route("/institutions/<string:institution_id>/contact", methods=["GET"])
@blp.response(200, ContactSchema)
@require_role("operator")
def get_contact(institution_id):
    """The addresses notify will write to for an institution (its copy of budget's contacts)."""
    with sessions()() as session:
        row = session.execute(select(db.contacts).where(db.contacts.c.institution_id == institution_id)).first()
    if row is None:
        raise Problem(404, "notify knows no such institution")
    return row._mapping
