"""Intake and the consumers: registering appeals, and keeping appeals' copies of other services' facts.

Each function is one transaction; they take plain values and return plain values.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from services.common.db import add_to_outbox, claim_event, transaction
from services.common.errors import Problem

from . import db, events
from .domain import deadlines
from .domain.appeal import Status, ticket_number
from .checks import attach_media, require_known_institution
from .workflow import almaty_day, move, not_found

REGION_CODE = "AKM"
CONSUMER = "appeals"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_fingerprint(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def holidays_between(session: Session, start: date, end: date) -> set[date]:
    return set(session.scalars(select(db.holidays.c.day).where(db.holidays.c.day.between(start, end))))


def holidays_around(session: Session, day: date) -> set[date]:
    """Enough of the calendar for any time limit counted from `day` (extensions reach two months on)."""
    return holidays_between(session, day - timedelta(days=120), day + timedelta(days=400))


def submit_appeal(sessions: sessionmaker, body: dict, *, public_url: str, now: datetime,
                  idempotency_key: str | None = None, source: str = "api") -> dict:
    """Register an appeal: the appeal, its first history entry and its event commit together, or nothing does."""
    fingerprint = request_fingerprint(body)
    today = almaty_day(now)
    with transaction(sessions) as session:
        if idempotency_key:
            earlier = _replay(session, idempotency_key, fingerprint)
            if earlier:
                return earlier
        require_known_institution(session, body["institution_id"])
        appeal_id = str(uuid.uuid4())
        attach_media(session, body.get("media_ids", []), owner=f"appeal:{appeal_id}", field="media_ids")
        token = secrets.token_urlsafe(24)
        sequence = session.execute(db.ticket_sequence.next_value()).scalar_one()
        ticket = ticket_number(REGION_CODE, today.year, sequence)
        deadline = deadlines.answer_deadline(today, holidays_around(session, today))
        location = body.get("location") or {}
        tracking_url = f"{public_url}/appeal/{ticket}?token={token}"
        _, key, event = events.appeal_event(events.APPEAL_SUBMITTED, events.AppealSubmittedV1(), appeal_id, {
            "appeal_id": appeal_id, "ticket": ticket, "institution_id": body["institution_id"],
            "category": body["category"], "description": body["description"],
            "media_ids": body.get("media_ids", []), "language": body["language"],
            "deadline": deadline.isoformat(), "tracking_url": tracking_url,
            "applicant": {"name": body["applicant"]["name"], "email": body["applicant"]["email"]},
        })
        open311_token = str(uuid.uuid4()) if source == "open311" else None
        session.execute(db.appeals.insert().values(
            id=appeal_id, ticket=ticket, institution_id=body["institution_id"], category=body["category"],
            description=body["description"], budget_line_id=body.get("budget_line_id"),
            contract_id=body.get("contract_id"), lat=location.get("lat"), lon=location.get("lon"),
            media_ids=body.get("media_ids", []), language=body["language"], publish_text=body["publish_text"],
            applicant_name=body["applicant"]["name"], applicant_email=body["applicant"]["email"],
            applicant_phone=body["applicant"].get("phone"), token_hash=hash_token(token),
            status=Status.SUBMITTED.value, deadline=deadline, registered_on=today, submitted_at=now, updated_at=now,
            delivery_event_id=event["id"], source=source, open311_token=open311_token))
        session.execute(db.appeal_history.insert().values(
            appeal_id=appeal_id, from_status=None, to_status=Status.SUBMITTED.value, actor="citizen", at=now,
            institution_id=body["institution_id"]))
        add_to_outbox(session, db.outbox, topic=events.APPEALS, key=key, event=event)
        receipt = {"id": appeal_id, "ticket": ticket, "status": Status.SUBMITTED.value,
                   "deadline": deadline.isoformat(), "tracking_url": tracking_url, "token": token}
        if open311_token:
            receipt["open311_token"] = open311_token
        if idempotency_key:
            session.execute(db.idempotency_keys.insert().values(
                key=idempotency_key, request_hash=fingerprint, appeal_id=appeal_id, response=receipt))
        return receipt


def _replay(session: Session, key: str, fingerprint: str) -> dict | None:
    # Serialise concurrent requests with the same key: the second waits for the first's commit.
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))
    row = session.execute(select(db.idempotency_keys).where(db.idempotency_keys.c.key == key)).first()
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise Problem(409, {"kk": "Бұл Idempotency-Key басқа сұрауға қолданылған",
                            "ru": "Этот Idempotency-Key уже использован для другого запроса",
                            "en": "Idempotency-Key was used with a different body"})
    return row.response


# ----- consumers

def upsert_institution(sessions: sessionmaker, event: dict) -> None:
    data = events.InstitutionUpserted().load(event["data"])
    values = {**data, "source_event_time": event.get("time"), "updated_at": datetime.now(timezone.utc)}
    with transaction(sessions) as session:
        stmt = insert(db.institutions).values(**values)
        # An older event arriving late never overwrites a newer one.
        session.execute(stmt.on_conflict_do_update(
            index_elements=[db.institutions.c.id], set_=values,
            where=(db.institutions.c.source_event_time.is_(None))
            | (db.institutions.c.source_event_time <= stmt.excluded.source_event_time)))


def on_media_stored(sessions: sessionmaker, event: dict) -> None:
    data = events.MediaStored().load(event["data"])
    with transaction(sessions) as session:
        stmt = insert(db.media).values(id=data["media_id"], kind=data["kind"], content_type=data["content_type"],
                                       state="stored")
        session.execute(stmt.on_conflict_do_update(
            index_elements=[db.media.c.id], set_={"kind": data["kind"], "content_type": data["content_type"],
                                                  "state": "stored", "updated_at": func.now()}))


def on_media_rejected(sessions: sessionmaker, event: dict) -> None:
    data = events.MediaRejected().load(event["data"])
    with transaction(sessions) as session:
        stmt = insert(db.media).values(id=data["media_id"], state="rejected")
        session.execute(stmt.on_conflict_do_update(index_elements=[db.media.c.id],
                                                   set_={"state": "rejected", "updated_at": func.now()}))


def on_notification_sent(sessions: sessionmaker, event: dict, *, now: datetime | None = None) -> None:
    """The institution's email about the appeal's submission (or redirect) went out: it is delivered."""
    data = events.NotificationOutcome().load(event["data"])
    if data["recipient_kind"] != "institution" or not data["appeal_id"]:
        return
    now = now or datetime.now(timezone.utc)
    with transaction(sessions) as session:
        if not claim_event(session, db.processed_events, consumer=CONSUMER, event_id=event["id"]):
            return
        appeal = session.execute(select(db.appeals).where(db.appeals.c.id == data["appeal_id"])
                                 .with_for_update()).first()
        if appeal is None or appeal.status not in (Status.SUBMITTED.value, Status.REDIRECTED.value):
            return  # already delivered (or moved on): nothing to do
        source = data.get("source_event_id")
        if source and appeal.delivery_event_id and source != appeal.delivery_event_id:
            return  # an email about an earlier stage (e.g. to the institution before a redirect)
        move(session, appeal, Status.DELIVERED, actor="system", reason="institution notified", now=now)


def get_or_404(session: Session, appeal_id: str):
    row = session.execute(select(db.appeals).where(db.appeals.c.id == appeal_id).with_for_update()).first()
    if row is None:
        raise not_found()
    return row
