"""What the appeals service does, one function a use case, each one transaction.

Called by the HTTP layer and by the consumers; they take plain values and return plain values.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from datetime import date, datetime, timezone

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from services.common.db import add_to_outbox, claim_event, transaction
from services.common.errors import Problem

from . import db, events
from .domain import deadlines
from .domain.appeal import Status, check_transition, ticket_number

REGION_CODE = "AKM"
CONSUMER = "appeals"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_fingerprint(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def holidays_between(session: Session, start: date, end: date) -> set[date]:
    return set(session.scalars(select(db.holidays.c.day).where(db.holidays.c.day.between(start, end))))


def submit_appeal(sessions: sessionmaker, body: dict, *, public_url: str, today: date,
                  idempotency_key: str | None = None) -> dict:
    """Register an appeal: the appeal, its first history entry and its event commit together, or nothing does."""
    fingerprint = request_fingerprint(body)
    with transaction(sessions) as session:
        if idempotency_key:
            earlier = _replay(session, idempotency_key, fingerprint)
            if earlier:
                return earlier
        _require_known_institution(session, body["institution_id"])
        appeal_id = str(uuid.uuid4())
        token = secrets.token_urlsafe(24)
        sequence = session.execute(db.ticket_sequence.next_value()).scalar_one()
        ticket = ticket_number(REGION_CODE, today.year, sequence)
        deadline = deadlines.answer_deadline(
            today, holidays_between(session, today, date(today.year + 1, 12, 31)))
        location = body.get("location") or {}
        session.execute(db.appeals.insert().values(
            id=appeal_id, ticket=ticket, institution_id=body["institution_id"], category=body["category"],
            description=body["description"], budget_line_id=body.get("budget_line_id"),
            contract_id=body.get("contract_id"), lat=location.get("lat"), lon=location.get("lon"),
            media_ids=body.get("media_ids", []), language=body["language"], publish_text=body["publish_text"],
            applicant_name=body["applicant"]["name"], applicant_email=body["applicant"]["email"],
            applicant_phone=body["applicant"].get("phone"), token_hash=hash_token(token),
            status=Status.SUBMITTED.value, deadline=deadline))
        _record_transition(session, appeal_id, None, Status.SUBMITTED, actor="citizen")
        tracking_url = f"{public_url}/appeal/{ticket}?token={token}"
        topic, key, event = events.appeal_event(events.APPEAL_SUBMITTED, events.AppealSubmittedV1(), appeal_id, {
            "appeal_id": appeal_id, "ticket": ticket, "institution_id": body["institution_id"],
            "category": body["category"], "description": body["description"],
            "media_ids": body.get("media_ids", []), "language": body["language"],
            "deadline": deadline.isoformat(), "tracking_url": tracking_url,
            "applicant": {"name": body["applicant"]["name"], "email": body["applicant"]["email"]},
        })
        add_to_outbox(session, db.outbox, topic=topic, key=key, event=event)
        receipt = {"id": appeal_id, "ticket": ticket, "status": Status.SUBMITTED.value,
                   "deadline": deadline.isoformat(), "tracking_url": tracking_url, "token": token}
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


def _require_known_institution(session: Session, institution_id: str) -> None:
    if session.execute(select(db.institutions.c.id).where(db.institutions.c.id == institution_id)).first():
        return
    raise Problem(422, errors={"institution_id": [f"Unknown institution: {institution_id}"]})


def _record_transition(session: Session, appeal_id: str, from_status: Status | None, to_status: Status, *,
                       actor: str, reason: str | None = None) -> None:
    session.execute(db.appeal_history.insert().values(
        appeal_id=appeal_id, from_status=from_status.value if from_status else None,
        to_status=to_status.value, actor=actor, reason=reason))


def track_appeal(sessions: sessionmaker, ticket: str, token: str) -> dict:
    """The citizen's view. A wrong token and an unknown ticket look the same (404)."""
    with sessions() as session:
        appeal = session.execute(select(db.appeals).where(db.appeals.c.ticket == ticket)).first()
        if appeal is None or not hmac.compare_digest(appeal.token_hash, hash_token(token)):
            raise Problem(404, {"kk": "Өтініш табылмады", "ru": "Обращение не найдено", "en": "appeal not found"})
        history = session.execute(select(db.appeal_history).where(db.appeal_history.c.appeal_id == appeal.id)
                                  .order_by(db.appeal_history.c.id)).all()
    return {**appeal._mapping, "history": [h._mapping for h in history]}


def upsert_institution(sessions: sessionmaker, event: dict) -> None:
    data = events.InstitutionUpserted().load(event["data"])
    values = {**data, "source_event_time": event.get("time"), "updated_at": datetime.now(timezone.utc)}
    with transaction(sessions) as session:
        stmt = insert(db.institutions).values(**values)
        session.execute(stmt.on_conflict_do_update(index_elements=[db.institutions.c.id], set_=values))


def on_notification_sent(sessions: sessionmaker, event: dict) -> None:
    """The institution's first email about an appeal went out: the appeal is delivered."""
    data = events.NotificationOutcome().load(event["data"])
    if data["recipient_kind"] != "institution" or not data["appeal_id"]:
        return
    with transaction(sessions) as session:
        if not claim_event(session, db.processed_events, consumer=CONSUMER, event_id=event["id"]):
            return
        appeal = session.execute(select(db.appeals).where(db.appeals.c.id == data["appeal_id"])
                                 .with_for_update()).first()
        if appeal is None or appeal.status != Status.SUBMITTED.value:
            return  # already delivered (or moved on): nothing to do
        check_transition(Status(appeal.status), Status.DELIVERED)
        session.execute(update(db.appeals).where(db.appeals.c.id == appeal.id)
                        .values(status=Status.DELIVERED.value, updated_at=datetime.now(timezone.utc)))
        _record_transition(session, appeal.id, Status.SUBMITTED, Status.DELIVERED, actor="system",
                           reason="institution notified")
        topic, key, out = events.appeal_event(
            events.APPEAL_STATUS_CHANGED, events.AppealStatusChangedV1(), appeal.id,
            {"appeal_id": appeal.id, "ticket": appeal.ticket, "institution_id": appeal.institution_id,
             "from_status": Status.SUBMITTED.value, "to_status": Status.DELIVERED.value, "actor": "system",
             "reason": "institution notified"})
        add_to_outbox(session, db.outbox, topic=topic, key=key, event=out)
