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
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from services.common.db import claim_event, transaction
from services.common.errors import Problem
from services.common.events import make_event

from . import db, events
from .domain import deadlines
from .domain.appeal import Status, ticket_number
from .checks import attach_media, unknown_institution
from .workflow import almaty_day, move, not_found

REGION_CODE = "AKM"
CONSUMER = "appeals"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_fingerprint(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def submit_appeal(engine: Engine, body: dict, *, public_url: str, now: datetime,
                  idempotency_key: str | None = None, source: str = "api") -> dict:
    """Register an appeal: the appeal, its first history entry and its event commit together, or nothing does.

    Intake is the hot path. Without media it is ONE statement in autocommit (a single statement is its own
    transaction): the ticket comes from the sequence inside it, an unknown institution fails its foreign key,
    and an Idempotency-Key already used fails the key's primary key. Concurrent requests with the same key
    meet there: the later one waits for the earlier one's commit, fails as a whole, and answers with the
    stored receipt.
    """
    fingerprint = request_fingerprint(body)
    try:
        return _submit(engine, body, fingerprint, public_url=public_url, now=now,
                       idempotency_key=idempotency_key, source=source)
    except IntegrityError as error:
        constraint = getattr(getattr(error.orig, "diag", None), "constraint_name", None)
        if constraint == "appeals_institution_id_fkey":
            raise unknown_institution(body["institution_id"]) from None
        if not idempotency_key or constraint != "idempotency_keys_pkey":
            raise
    with engine.connect() as conn:
        earlier = _earlier_answer(conn, idempotency_key)
    return _replay(earlier.request_hash, earlier.response, fingerprint)


def _submit(engine: Engine, body: dict, fingerprint: str, *, public_url: str, now: datetime,
            idempotency_key: str | None, source: str) -> dict:
    media_ids = body.get("media_ids", [])
    if not media_ids:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            return _register(conn, body, fingerprint, public_url=public_url, now=now,
                             idempotency_key=idempotency_key, source=source)
    with engine.begin() as conn:
        # A retry must find its earlier answer before the media, attached to that appeal, refuse it.
        earlier = _earlier_answer(conn, idempotency_key) if idempotency_key else None
        if earlier is not None:
            return _replay(earlier.request_hash, earlier.response, fingerprint)
        appeal_id = str(uuid.uuid4())
        attach_media(conn, media_ids, owner=f"appeal:{appeal_id}", field="media_ids")
        return _register(conn, body, fingerprint, public_url=public_url, now=now,
                         idempotency_key=idempotency_key, source=source, appeal_id=appeal_id)


def _earlier_answer(conn: Connection, idempotency_key: str):
    return conn.execute(_EARLIER_ANSWER, {"key": idempotency_key}).first()


def _register(conn: Connection, body: dict, fingerprint: str, *, public_url: str, now: datetime,
              idempotency_key: str | None, source: str, appeal_id: str | None = None) -> dict:
    """The write statement; the ticket is only known inside it (see TICKET)."""
    today = almaty_day(now)
    appeal_id = appeal_id or str(uuid.uuid4())
    token = secrets.token_urlsafe(24)
    deadline = deadlines.answer_deadline(today, holiday_calendar(conn))
    location = body.get("location") or {}
    tracking_url = f"{public_url}/appeal/{TICKET}?token={token}"
    # Built from validated input, so not re-validated per request: the intake tests load it with its schema.
    event = make_event(type=events.APPEAL_SUBMITTED, source=events.SOURCE, subject=appeal_id, data={
        "appeal_id": appeal_id, "ticket": TICKET, "institution_id": body["institution_id"],
        "category": body["category"], "description": body["description"],
        "media_ids": body.get("media_ids", []), "language": body["language"],
        "deadline": deadline.isoformat(), "tracking_url": tracking_url,
        "applicant": {"name": body["applicant"]["name"], "email": body["applicant"]["email"]},
    })
    open311_token = str(uuid.uuid4()) if source == "open311" else None
    receipt = {"id": appeal_id, "ticket": TICKET, "status": Status.SUBMITTED.value,
               "deadline": deadline.isoformat(), "tracking_url": tracking_url, "token": token}
    if open311_token:
        receipt["open311_token"] = open311_token
    written = conn.execute(_INTAKE_WRITE, {
        "ticket_prefix": ticket_number(REGION_CODE, today.year, 0)[:-6], "marker": TICKET, "tracking_url": tracking_url,
        "id": appeal_id, "institution_id": body["institution_id"], "category": body["category"],
        "description": body["description"], "budget_line_id": body.get("budget_line_id"),
        "contract_id": body.get("contract_id"), "lat": location.get("lat"), "lon": location.get("lon"),
        "media_ids": json.dumps(body.get("media_ids", [])), "language": body["language"],
        "publish_text": body["publish_text"], "applicant_name": body["applicant"]["name"],
        "applicant_email": body["applicant"]["email"], "applicant_phone": body["applicant"].get("phone"),
        "token_hash": hash_token(token), "status": Status.SUBMITTED.value, "deadline": deadline,
        "registered_on": today, "now": now, "delivery_event_id": event["id"], "source": source,
        "open311_token": open311_token, "event_id": event["id"], "topic": events.APPEALS, "key": appeal_id,
        "type": event["type"], "payload": json.dumps(event, ensure_ascii=False),
        "idempotency_key": idempotency_key, "request_hash": fingerprint,
        "response": json.dumps(receipt, ensure_ascii=False)}).one()
    return {**receipt, "ticket": written.ticket, "tracking_url": written.tracking_url}


# Stands for the ticket until the statement knows it; the statement puts the ticket and the tracking URL (the
# only text holding it) into the event and the stored receipt at their paths, never into what the citizen wrote.
TICKET = "\x01"

_EARLIER_ANSWER = text("select request_hash, response from idempotency_keys where key = :key")

# The ticket (region-year-sequence, at least six digits as ticket_number writes it), the appeal, its first
# history entry, its outbox event and its idempotency key, in one statement.
_INTAKE_WRITE = text("""
    with ticket as (
        select :ticket_prefix || lpad(n::text, greatest(6, length(n::text)), '0') as ticket
        from (select nextval('appeal_ticket_seq') as n) as sequence
    ), appeal as (
        insert into appeals (id, ticket, institution_id, category, description, budget_line_id, contract_id, lat, lon,
                             media_ids, language, publish_text, applicant_name, applicant_email, applicant_phone,
                             token_hash, status, deadline, registered_on, submitted_at, updated_at,
                             delivery_event_id, source, open311_token)
        select :id, ticket, :institution_id, :category, :description, :budget_line_id, :contract_id, :lat, :lon,
               cast(:media_ids as jsonb), :language, :publish_text, :applicant_name, :applicant_email,
               :applicant_phone, :token_hash, :status, :deadline, :registered_on, :now, :now,
               :delivery_event_id, :source, :open311_token
        from ticket
        returning id, institution_id, ticket, replace(:tracking_url, :marker, ticket) as tracking_url
    ), history as (
        insert into appeal_history (appeal_id, from_status, to_status, actor, at, institution_id)
        select id, null, :status, 'citizen', :now, institution_id from appeal
    ), event as (
        insert into outbox (event_id, topic, key, type, payload)
        select :event_id, :topic, :key, :type,
               jsonb_set(jsonb_set(cast(:payload as jsonb), '{data,ticket}', to_jsonb(ticket)),
                         '{data,tracking_url}', to_jsonb(tracking_url))
        from appeal
    ), idempotency as (
        insert into idempotency_keys (key, request_hash, appeal_id, response)
        select cast(:idempotency_key as text), :request_hash, id,
               jsonb_set(jsonb_set(cast(:response as jsonb), '{ticket}', to_jsonb(ticket)),
                         '{tracking_url}', to_jsonb(tracking_url))
        from appeal where cast(:idempotency_key as text) is not null
    )
    select ticket, tracking_url from appeal
""")

_calendar: dict = {"loaded": 0.0, "days": frozenset()}
CALENDAR_TTL_SECONDS = 60.0


def holiday_calendar(session: Session | Connection) -> frozenset[date]:
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
