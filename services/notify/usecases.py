"""What notify does with each event: decide the emails, store them once, and record their fate."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from services.common import metrics
from services.common.db import add_to_outbox, transaction
from services.common.errors import Problem

from . import db, events
from .domain import emails
from .rendering import Renderer

CONSUMER = "notify"
NO_INSTITUTION_EMAIL = "institution has no contact email"
NO_APPEAL_CONTACT = "notify has no copy of the appeal's contact (its submitted event was not seen)"


def upsert_contact(sessions: sessionmaker, event: dict) -> None:
    with transaction(sessions) as session:
        apply_contact(session, event)


def apply_contact(session: Session, event: dict) -> None:
    data = events.InstitutionUpserted().load(event["data"])
    values = {"institution_id": data["id"], "name_kk": data["name_kk"], "name_ru": data["name_ru"],
              "emails": data["contact_emails"], "updated_at": datetime.now(timezone.utc)}
    session.execute(insert(db.contacts).values(**values)
                    .on_conflict_do_update(index_elements=[db.contacts.c.institution_id], set_=values))


def on_appeal_event(sessions: sessionmaker, renderer: Renderer, operator_mailbox: str, event: dict) -> int:
    """Queue the emails an appeal event causes, once per event; returns how many were queued."""
    with transaction(sessions) as session:
        return apply_appeal_events(session, renderer, operator_mailbox, [event])


def on_batch(sessions: sessionmaker, renderer: Renderer, operator_mailbox: str, batch: list[dict]) -> int:
    """A partition's worth of events in one transaction (the consumer falls back to one by one on error)."""
    with transaction(sessions) as session:
        for event in batch:
            if event["type"] == events.INSTITUTION_UPSERTED:
                apply_contact(session, event)
        appeal_events = [e for e in batch if e["type"] in events.APPEAL_EVENTS]
        return apply_appeal_events(session, renderer, operator_mailbox, appeal_events) if appeal_events else 0


def apply_appeal_events(session: Session, renderer: Renderer, operator_mailbox: str, batch: list[dict]) -> int:
    """Events of one partition, in order. Reads and writes are in bulk (a handful of round trips per
    batch, not per event): under load each round trip to PostgreSQL is the cost that counts."""
    loaded = {e["id"]: (e, e["type"].split(".")[-2], events.load_appeal_event(e)) for e in batch}
    fresh = claim_events(session, list(loaded))
    loaded = [loaded[event_id] for event_id in loaded if event_id in fresh]  # dict order: partition order
    if not loaded:
        return 0
    known = Known.fetch(session, [data for _, _, data in loaded])
    rows: list[dict] = []
    for event, name, data in loaded:
        known.follow(session, name, data)
        appeal = known.appeal_view(data)
        for planned in emails.emails_for(name, data.get("to_status")):
            rows += plan_email(session, renderer, event, data, appeal, planned, operator_mailbox,
                               known.contacts.get(data["institution_id"]))
    known.save_new_copies(session)
    if rows:
        session.execute(insert(db.notifications).on_conflict_do_nothing(
            constraint="one_email_per_event_and_recipient"), rows)
    return len(rows)


def claim_events(session: Session, event_ids: list[str]) -> set[str]:
    """The ids among these that notify sees for the first time (recorded with this transaction's effect)."""
    result = session.execute(insert(db.processed_events).values(
        [{"consumer": CONSUMER, "event_id": event_id} for event_id in event_ids])
        .on_conflict_do_nothing().returning(db.processed_events.c.event_id))
    return set(result.scalars())


class Known:
    """Notify's copies of the appeals and institutions a batch is about, fetched at once and kept current."""

    def __init__(self, copies: dict[str, dict], contacts: dict):
        self.copies = copies
        self.contacts = contacts
        self.new_copies: list[dict] = []

    @classmethod
    def fetch(cls, session: Session, datas: list[dict]) -> "Known":
        c = db.appeal_contacts
        copies = {r.appeal_id: dict(r._mapping) for r in session.execute(
            select(c).where(c.c.appeal_id.in_({d["appeal_id"] for d in datas})))}
        contacts = {r.institution_id: r for r in session.execute(select(db.contacts).where(
            db.contacts.c.institution_id.in_({d["institution_id"] for d in datas})))}
        return cls(copies, contacts)

    def follow(self, session: Session, name: str, data: dict) -> None:
        """Keep the contact from the submitted event; follow redirects and extended deadlines after it."""
        copy = self.copies.get(data["appeal_id"])
        if name == emails.SUBMITTED:
            if copy is None:
                copy = {"appeal_id": data["appeal_id"], "ticket": data["ticket"],
                        "institution_id": data["institution_id"], "category": data["category"],
                        "description": data["description"], "media_ids": data["media_ids"],
                        "language": data["language"], "deadline": data["deadline"],
                        "tracking_url": data["tracking_url"], "applicant_name": data["applicant"]["name"],
                        "applicant_email": data["applicant"]["email"]}
                self.copies[data["appeal_id"]] = copy
                self.new_copies.append(copy)
            return
        if copy is None:
            return
        changes = {}
        if data["institution_id"] != copy["institution_id"]:
            changes["institution_id"] = data["institution_id"]
        if data.get("deadline") and data["deadline"] != copy["deadline"]:
            changes["deadline"] = data["deadline"]
        if changes:
            copy.update(changes)
            if copy not in self.new_copies:  # a copy made in this batch is saved as it ends
                session.execute(update(db.appeal_contacts).where(
                    db.appeal_contacts.c.appeal_id == data["appeal_id"]).values(
                    **changes, updated_at=datetime.now(timezone.utc)))

    def appeal_view(self, data: dict) -> dict:
        """What templates know of the appeal: notify's copy, or (without one) what the event itself says."""
        copy = self.copies.get(data["appeal_id"])
        if copy is None:
            return {"appeal_id": data["appeal_id"], "ticket": data["ticket"], "institution_id": data["institution_id"],
                    "category": None, "description": None, "media_ids": [], "deadline": data.get("deadline"),
                    "tracking_url": None, "language": None, "applicant": None}
        return {"appeal_id": copy["appeal_id"], "ticket": copy["ticket"], "institution_id": copy["institution_id"],
                "category": copy["category"], "description": copy["description"],
                "media_ids": list(copy["media_ids"]), "deadline": data.get("deadline") or copy["deadline"],
                "tracking_url": copy["tracking_url"], "language": copy["language"],
                "applicant": {"name": copy["applicant_name"], "email": copy["applicant_email"]}}

    def save_new_copies(self, session: Session) -> None:
        if self.new_copies:
            session.execute(insert(db.appeal_contacts).on_conflict_do_nothing(), self.new_copies)


def institution_contact(session: Session, institution_id: str):
    return session.execute(select(db.contacts).where(db.contacts.c.institution_id == institution_id)).first()


def institution_view(contact) -> dict | None:
    return {"name_kk": contact.name_kk, "name_ru": contact.name_ru} if contact else None


def plan_email(session: Session, renderer: Renderer, event: dict, data: dict, appeal: dict,
               planned: emails.PlannedEmail, operator_mailbox: str, contact) -> list[dict]:
    """The notification rows of one planned email (one per address); nobody to send to is recorded at once."""
    kind, template = planned.recipient_kind, planned.template
    context = {"appeal": appeal, "event": data, "institution": institution_view(contact)}
    target = {"event": event, "appeal_id": data["appeal_id"], "kind": kind, "template": template,
              "institution_id": data["institution_id"] if kind == emails.INSTITUTION else None}
    if kind == emails.INSTITUTION:
        recipients = list(contact.emails) if contact else []
        reason = NO_INSTITUTION_EMAIL
    elif kind == emails.CITIZEN:
        recipients = [appeal["applicant"]["email"]] if appeal["applicant"] else []
        reason = NO_APPEAL_CONTACT
    else:
        recipients = [operator_mailbox]
        reason = "no operator mailbox configured"
    if not recipients:
        record_undeliverable(session=session, **target, reason=reason, context=context)
        return []
    language = emails.language_for(kind, appeal["language"])
    email = renderer.render(template, language, **context)
    return [notification_row(**target, recipient=address, language=language, email=email, context=context)
            for address in recipients]


def notification_row(*, event: dict, appeal_id: str | None, recipient: str, kind: str, template: str,
                     language: str, email, institution_id: str | None = None, context: dict | None = None) -> dict:
    return {"id": str(uuid.uuid4()), "event_id": event["id"], "event_type": event["type"], "appeal_id": appeal_id,
            "recipient": recipient, "recipient_kind": kind, "institution_id": institution_id, "template": template,
            "language": language, "subject": email.subject, "body_text": email.text, "body_html": email.html,
            "thread_id": f"appeal-{appeal_id}" if appeal_id else None, "context": context, "status": "pending",
            "priority": emails.priority_of(kind)}


def queue_email(*, session: Session, **row) -> None:
    """One row per (event, recipient): the unique key makes a second queueing a no-op."""
    session.execute(insert(db.notifications).values(**notification_row(**row))
                    .on_conflict_do_nothing(constraint="one_email_per_event_and_recipient"))


def record_undeliverable(*, session: Session, event: dict, appeal_id: str | None, kind: str, template: str,
                         institution_id: str | None, reason: str, context: dict) -> None:
    """Nobody to send to: a failed notification, a dead letter and a failed event, so operators see it."""
    notification_id = str(uuid.uuid4())
    inserted = session.execute(insert(db.notifications).values(
        id=notification_id, event_id=event["id"], event_type=event["type"], appeal_id=appeal_id,
        recipient=f"<no {kind} address>", recipient_kind=kind, institution_id=institution_id, template=template,
        language=emails.BILINGUAL, subject="", body_text="", body_html="", context=context, status="failed",
        last_error=reason, next_attempt_at=None,
    ).on_conflict_do_nothing(constraint="one_email_per_event_and_recipient").returning(db.notifications.c.id)).first()
    if inserted is None:
        return
    fail_for_good(session, notification_id, appeal_id, kind, template, event["id"], reason)


def fail_for_good(session: Session, notification_id: str, appeal_id: str | None, kind: str, template: str,
                  source_event_id: str, reason: str) -> None:
    session.execute(db.dead_letters.insert().values(notification_id=notification_id, reason=reason[:1000]))
    metrics.count_email(template, sent=False)
    publish_outcome(session, events.NOTIFICATION_FAILED, notification_id, appeal_id, kind, template,
                    source_event_id, reason[:500])


def publish_outcome(session: Session, type_: str, notification_id: str, appeal_id: str | None,
                    recipient_kind: str, template: str, source_event_id: str, reason: str | None = None) -> None:
    topic, key, out = events.outcome_event(type_, {
        "notification_id": notification_id, "appeal_id": appeal_id, "recipient_kind": recipient_kind,
        "template": template, "source_event_id": source_event_id, "reason": reason})
    add_to_outbox(session, db.outbox, topic=topic, key=key, event=out)


def retry_notification(sessions: sessionmaker, renderer: Renderer, notification_id: str) -> list[str]:
    """An operator's retry of a failed notification; returns the ids now waiting to be sent.

    An institution's email goes to the institution's current addresses: if the failed address is no
    longer among them (corrected in budget since), the email is re-addressed to the new ones.
    """
    n = db.notifications
    with transaction(sessions) as session:
        row = session.execute(select(n).where(n.c.id == notification_id).with_for_update()).first()
        if row is None:
            raise Problem(404, "notification not found")
        if row.status != "failed":
            raise Problem(409, f"only a failed notification can be retried (it is {row.status})")
        if row.recipient_kind == emails.INSTITUTION and row.institution_id:
            queued = _readdress_to_institution(session, renderer, row)
        elif row.body_text:
            session.execute(update(n).where(n.c.id == row.id).values(
                status="pending", attempts=0, next_attempt_at=datetime.now(timezone.utc), last_error=None))
            queued = [row.id]
        else:
            raise Problem(409, f"nobody to send it to: {row.last_error}")
        session.execute(update(db.dead_letters).where(db.dead_letters.c.notification_id == row.id,
                                                      db.dead_letters.c.resolved_at.is_(None))
                        .values(resolved_at=datetime.now(timezone.utc)))
        return queued


def _readdress_to_institution(session: Session, renderer: Renderer, row) -> list[str]:
    n = db.notifications
    contact = institution_contact(session, row.institution_id)
    addresses = list(contact.emails) if contact else []
    if not addresses:
        raise Problem(409, f"{NO_INSTITUTION_EMAIL} (still)")
    if row.recipient in addresses and row.body_text:
        session.execute(update(n).where(n.c.id == row.id).values(
            status="pending", attempts=0, next_attempt_at=datetime.now(timezone.utc), last_error=None))
        return [row.id]
    context = {**(row.context or {}), "institution": institution_view(contact)}
    email = renderer.render(row.template, row.language if row.body_text else emails.BILINGUAL, **context)
    event = {"id": row.event_id, "type": row.event_type}
    for address in addresses:
        queue_email(session=session, event=event, appeal_id=row.appeal_id, recipient=address, kind=row.recipient_kind,
                    template=row.template, language=emails.BILINGUAL, email=email, institution_id=row.institution_id,
                    context=context)
    session.execute(update(n).where(n.c.id == row.id).values(
        status="superseded", last_error=f"{row.last_error}; re-addressed to {', '.join(addresses)}"))
    return [r.id for r in session.execute(select(n.c.id).where(
        n.c.event_id == row.event_id, n.c.recipient.in_(addresses), n.c.status == "pending"))]
