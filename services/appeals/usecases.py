"""Intake and the consumers: registering appeals, and keeping appeals' copies of other services' facts.

Each function is one transaction; they take plain values and return plain values.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import time
import uuid
from datetime import date, datetime, timezone

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from services.common.db import claim_event, transaction
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


def submit_appeal(sessions: sessionmaker, body: dict, *, public_url: str, now: datetime,
                  idempotency_key: str | None = None, source: str = "api") -> dict:
    """Register an appeal: the appeal, its first history entry and its event commit together, or nothing does.

    Intake is the hot path: it reads what it needs in one statement and writes in one (a few round trips).
    Concurrent requests with the same Idempotency-Key meet at the key's primary key: the later one waits for
    the earlier one's commit, fails as a whole, and answers with the stored receipt.
    """
    fingerprint = request_fingerprint(body)
    try:
        return _submit(sessions, body, fingerprint, public_url=public_url, now=now,
                       idempotency_key=idempotency_key, source=source)
    except IntegrityError as error:
        if not idempotency_key or "idempotency_keys_pkey" not in str(error.orig):
            raise
    with sessions() as session:
        earlier = session.execute(select(db.idempotency_keys.c.request_hash, db.idempotency_keys.c.response)
                                  .where(db.idempotency_keys.c.key == idempotency_key)).one()
    return _replay(earlier.request_hash, earlier.response, fingerprint)


def _submit(sessions: sessionmaker, body: dict, fingerprint: str, *, public_url: str, now: datetime,
            idempotency_key: str | None, source: str) -> dict:
    today = almaty_day(now)
    with transaction(sessions) as session:
        known, sequence, earlier_hash, earlier = session.execute(_INTAKE_READ, {
            "institution_id": body["institution_id"], "key": idempotency_key}).one()
        if earlier is not None:
            return _replay(earlier_hash, earlier, fingerprint)
        if not known:
            require_known_institution(session, body["institution_id"])  # raises the 422 naming it
        appeal_id = str(uuid.uuid4())
        attach_media(session, body.get("media_ids", []), owner=f"appeal:{appeal_id}", field="media_ids")
        token = secrets.token_urlsafe(24)
        ticket = ticket_number(REGION_CODE, today.year, sequence)
        deadline = deadlines.answer_deadline(today, holiday_calendar(session))
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
        receipt = {"id": appeal_id, "ticket": ticket, "status": Status.SUBMITTED.value,
                   "deadline": deadline.isoformat(), "tracking_url": tracking_url, "token": token}
        if open311_token:
            receipt["open311_token"] = open311_token
        session.execute(_INTAKE_WRITE, {
            "id": appeal_id, "ticket": ticket, "institution_id": body["institution_id"], "category": body["category"],
            "description": body["description"], "budget_line_id": body.get("budget_line_id"),
            "contract_id": body.get("contract_id"), "lat": location.get("lat"), "lon": location.get("lon"),
            "media_ids": json.dumps(body.get("media_ids", [])), "language": body["language"],
            "publish_text": body["publish_text"], "applicant_name": body["applicant"]["name"],
            "applicant_email": body["applicant"]["email"], "applicant_phone": body["applicant"].get("phone"),
            "token_hash": hash_token(token), "status": Status.SUBMITTED.value, "deadline": deadline,
            "registered_on": today, "now": now, "delivery_event_id": event["id"], "source": source,
            "open311_token": open311_token, "event_id": event["id"], "topic": events.APPEALS, "key": key,
            "type": event["type"], "payload": json.dumps(event, ensure_ascii=False),
            "idempotency_key": idempotency_key, "request_hash": fingerprint,
            "response": json.dumps(receipt, ensure_ascii=False)})
        return receipt


# Whether the institution is known, the next ticket number and any earlier answer to the same key.
_INTAKE_READ = text("""
    select exists(select 1 from institutions where id = :institution_id) as known,
           nextval('appeal_ticket_seq') as sequence,
           (select request_hash from idempotency_keys where key = cast(:key as text)) as earlier_hash,
           (select response from idempotency_keys where key = cast(:key as text)) as earlier
""")

# The appeal, its first history entry, its outbox event and its idempotency key, in one statement.
_INTAKE_WRITE = text("""
    with appeal as (
        insert into appeals (id, ticket, institution_id, category, description, budget_line_id, contract_id, lat, lon,
                             media_ids, language, publish_text, applicant_name, applicant_email, applicant_phone,
                             token_hash, status, deadline, registered_on, submitted_at, updated_at,
                             delivery_event_id, source, open311_token)
        values (:id, :ticket, :institution_id, :category, :description, :budget_line_id, :contract_id, :lat, :lon,
                cast(:media_ids as jsonb), :language, :publish_text, :applicant_name, :applicant_email,
                :applicant_phone, :token_hash, :status, :deadline, :registered_on, :now, :now,
                :delivery_event_id, :source, :open311_token)
        returning id, institution_id
    ), history as (
        insert into appeal_history (appeal_id, from_status, to_status, actor, at, institution_id)
        select id, null, :status, 'citizen', :now, institution_id from appeal
    ), event as (
        insert into outbox (event_id, topic, key, type, payload)
        values (:event_id, :topic, :key, :type, cast(:payload as jsonb))
    )
    insert into idempotency_keys (key, request_hash, appeal_id, response)
    select cast(:idempotency_key as text), :request_hash, id, cast(:response as jsonb) from appeal
    where cast(:idempotency_key as text) is not null
""")

_calendar: dict = {"loaded": 0.0, "days": frozenset()}
CALENDAR_TTL_SECONDS = 60.0


def holiday_calendar(session: Session) -> frozenset[date]:
    """The whole holiday calendar (a few hundred rows), kept a minute per process; edits here reset it."""
    if time.monotonic() - _calendar["loaded"] > CALENDAR_TTL_SECONDS:
        _calendar["days"] = frozenset(session.scalars(select(db.holidays.c.day)))
        _calendar["loaded"] = time.monotonic()
    return _calendar["days"]


def forget_holiday_calendar() -> None:
    _calendar["loaded"] = 0.0


def _replay(earlier_hash: str, earlier: dict, fingerprint: str) -> dict:
    if earlier_hash != fingerprint:
        raise Problem(409, {"kk": "Бұл Idempotency-Key басқа сұрауға қолданылған",
                            "ru": "Этот Idempotency-Key уже использован для другого запроса",
                            "en": "Idempotency-Key was used with a different body"})
    return earlier


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
