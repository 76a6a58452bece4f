"""What notify does with each event: decide the emails, store them once, and record their fate."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from services.common.db import add_to_outbox, claim_event, transaction

from . import db, events
from .rendering import Renderer

CONSUMER = "notify"


def upsert_contact(sessions: sessionmaker, event: dict) -> None:
    data = events.InstitutionUpserted().load(event["data"])
    values = {"institution_id": data["id"], "name_kk": data["name_kk"], "name_ru": data["name_ru"],
              "emails": data["contact_emails"], "updated_at": datetime.now(timezone.utc)}
    with transaction(sessions) as session:
        session.execute(insert(db.contacts).values(**values)
                        .on_conflict_do_update(index_elements=[db.contacts.c.institution_id], set_=values))


def on_appeal_submitted(sessions: sessionmaker, renderer: Renderer, event: dict) -> None:
    """Queue the institution's notice (both languages) and the citizen's confirmation (their language)."""
    appeal = events.AppealSubmitted().load(event["data"])
    with transaction(sessions) as session:
        if not claim_event(session, db.processed_events, consumer=CONSUMER, event_id=event["id"]):
            return
        contact = session.execute(select(db.contacts).where(
            db.contacts.c.institution_id == appeal["institution_id"])).first()
        thread = f"appeal-{appeal['appeal_id']}"
        if contact and contact.emails:
            email = renderer.render("appeal_submitted_institution", "kk+ru", appeal=appeal, institution=contact)
            for address in contact.emails:
                queue_email(session, event, appeal["appeal_id"], address, "institution",
                            "appeal_submitted_institution", "kk+ru", email, thread)
        else:
            record_undeliverable(session, event, appeal["appeal_id"], "institution", "appeal_submitted_institution",
                                 "institution has no contact email")
        lang = appeal["language"]
        email = renderer.render("appeal_submitted_citizen", lang, appeal=appeal)
        queue_email(session, event, appeal["appeal_id"], appeal["applicant"]["email"], "citizen",
                    "appeal_submitted_citizen", lang, email, thread)


def queue_email(session: Session, event: dict, appeal_id: str | None, recipient: str, recipient_kind: str,
                template: str, language: str, email, thread: str) -> None:
    """One row per (event, recipient): the unique key makes a second queueing a no-op."""
    session.execute(insert(db.notifications).values(
        id=str(uuid.uuid4()), event_id=event["id"], event_type=event["type"], appeal_id=appeal_id,
        recipient=recipient, recipient_kind=recipient_kind, template=template, language=language,
        subject=email.subject, body_text=email.text, body_html=email.html, thread_id=thread, status="pending",
    ).on_conflict_do_nothing(constraint="one_email_per_event_and_recipient"))


def record_undeliverable(session: Session, event: dict, appeal_id: str | None, recipient_kind: str,
                         template: str, reason: str) -> None:
    notification_id = str(uuid.uuid4())
    session.execute(insert(db.notifications).values(
        id=notification_id, event_id=event["id"], event_type=event["type"], appeal_id=appeal_id,
        recipient=f"<no {recipient_kind} address>", recipient_kind=recipient_kind, template=template,
        language="kk+ru", subject="", body_text="", body_html="", status="failed", last_error=reason,
        next_attempt_at=None).on_conflict_do_nothing(constraint="one_email_per_event_and_recipient"))
    publish_outcome(session, events.NOTIFICATION_FAILED, notification_id, appeal_id, recipient_kind, template,
                    event["id"], reason)


def publish_outcome(session: Session, type_: str, notification_id: str, appeal_id: str | None,
                    recipient_kind: str, template: str, source_event_id: str, reason: str | None = None) -> None:
    topic, key, out = events.outcome_event(type_, {
        "notification_id": notification_id, "appeal_id": appeal_id, "recipient_kind": recipient_kind,
        "template": template, "source_event_id": source_event_id, "reason": reason})
    add_to_outbox(session, db.outbox, topic=topic, key=key, event=out)
