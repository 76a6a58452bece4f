"""The appeal's workflow use cases: every transition is checked by the domain, stored (actor, time, reason)
and published through the outbox in the same transaction.

Events of this module carry no personal data (only appeal_submitted does, for notify).
"""
from __future__ import annotations

import hmac
import hashlib
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from services.common.auth import Principal
from services.common.db import add_to_outbox, transaction
from services.common.errors import Problem

from . import db, events
from .checks import attach_media, require_known_institution
from .domain import deadlines
from .domain.appeal import (RUNNING, IllegalTransition, NotYourTransition, Status, check_extension,
                            check_transition)

ALMATY = ZoneInfo("Asia/Almaty")


def almaty_day(moment: datetime) -> date:
    return moment.astimezone(ALMATY).date()


def not_found() -> Problem:
    return Problem(404, {"kk": "Өтініш табылмады", "ru": "Обращение не найдено", "en": "appeal not found"})


def conflict(error: IllegalTransition) -> Problem:
    why = error.why or f"{error.current.value} → {error.wanted.value}"
    return Problem(409, {"kk": f"Бұл әрекет мүмкін емес ({why})", "ru": f"Переход невозможен ({why})",
                         "en": f"illegal transition ({why})"},
                   current_status=error.current.value, allowed_transitions=error.allowed)


def _holidays(session: Session, day: date) -> set[date]:
    rows = session.scalars(select(db.holidays.c.day).where(
        db.holidays.c.day.between(day - timedelta(days=120), day + timedelta(days=400))))
    return set(rows)


def move(session: Session, appeal, to: Status, *, actor: str, now: datetime, reason: str | None = None,
         values: dict | None = None, previous_institution_id: str | None = None) -> str:
    """Check, apply, record and publish one transition; returns the published event's id."""
    current = Status(appeal.status)
    try:
        check_transition(current, to, actor)
    except IllegalTransition as error:
        raise conflict(error)
    except NotYourTransition:
        raise Problem(403, {"kk": "Бұл әрекетке рұқсат жоқ", "ru": "Недостаточно прав для этого действия",
                            "en": "your role may not do this"})
    values = {"status": to.value, "updated_at": now, **(values or {})}
    session.execute(update(db.appeals).where(db.appeals.c.id == appeal.id).values(**values))
    institution_id = values.get("institution_id", appeal.institution_id)
    deadline = values.get("deadline", appeal.deadline)
    session.execute(db.appeal_history.insert().values(
        appeal_id=appeal.id, from_status=current.value, to_status=to.value, actor=actor, reason=reason, at=now,
        institution_id=institution_id, previous_institution_id=previous_institution_id))
    topic, key, event = events.appeal_event(
        events.APPEAL_STATUS_CHANGED, events.AppealStatusChangedV1(), appeal.id,
        {"appeal_id": appeal.id, "ticket": appeal.ticket, "institution_id": institution_id,
         "from_status": current.value, "to_status": to.value, "actor": actor, "reason": reason,
         "deadline": deadline.isoformat(), "previous_institution_id": previous_institution_id})
    add_to_outbox(session, db.outbox, topic=topic, key=key, event=event)
    return event["id"]


def _publish(session: Session, type_: str, schema, appeal_id: str, data: dict) -> None:
    topic, key, event = events.appeal_event(type_, schema, appeal_id, data)
    add_to_outbox(session, db.outbox, topic=topic, key=key, event=event)


def _lock(session: Session, appeal_id: str, principal: Principal | None = None):
    """The appeal, locked for this transaction; staff of another institution get the same 404 as a stranger."""
    row = session.execute(select(db.appeals).where(db.appeals.c.id == appeal_id).with_for_update()).first()
    if row is None:
        raise not_found()
    if principal is not None and principal.role == "staff" and row.institution_id != principal.institution_id:
        raise not_found()
    return row


# ----- institution staff

def start_work(sessions: sessionmaker, appeal_id: str, principal: Principal, *, now: datetime) -> dict:
    with transaction(sessions) as session:
        appeal = _lock(session, appeal_id, principal)
        move(session, appeal, Status.IN_PROGRESS, actor=principal.role, now=now, reason="work started")
    return {"id": appeal_id, "status": Status.IN_PROGRESS.value}


def answer(sessions: sessionmaker, appeal_id: str, principal: Principal, text: str, media_ids: list[str], *,
           now: datetime) -> dict:
    with transaction(sessions) as session:
        appeal = _lock(session, appeal_id, principal)
        move(session, appeal, Status.ANSWERED, actor="staff", now=now, reason="answered",
             values={"answered_at": now})
        attach_media(session, media_ids, owner=f"answer:{appeal_id}", field="media_ids")
        session.execute(db.answers.insert().values(appeal_id=appeal_id, institution_id=appeal.institution_id,
                                                   text=text, media_ids=media_ids, author=principal.subject, at=now))
        _publish(session, events.APPEAL_ANSWERED, events.AppealAnsweredV1(), appeal_id, {
            "appeal_id": appeal_id, "ticket": appeal.ticket, "institution_id": appeal.institution_id,
            "answer_text": text, "media_ids": media_ids, "answered_at": now.isoformat()})
    return {"id": appeal_id, "status": Status.ANSWERED.value}


# ----- operators

def reject(sessions: sessionmaker, appeal_id: str, reason: str, comment: str | None, *, now: datetime) -> dict:
    with transaction(sessions) as session:
        appeal = _lock(session, appeal_id)
        move(session, appeal, Status.REJECTED, actor="operator", now=now,
             reason=f"{reason}: {comment}" if comment else reason)
    return {"id": appeal_id, "status": Status.REJECTED.value}


def redirect(sessions: sessionmaker, appeal_id: str, institution_id: str, reason: str, *, now: datetime) -> dict:
    """Forward to the competent institution: it gets its own 15 working days from today."""
    today = almaty_day(now)
    with transaction(sessions) as session:
        appeal = _lock(session, appeal_id)
        require_known_institution(session, institution_id)
        if institution_id == appeal.institution_id:
            raise Problem(422, errors={"institution_id": [{"kk": "Өтініш осы мекемеде тұр",
                                                           "ru": "Обращение уже у этого учреждения",
                                                           "en": "the appeal is already with this institution"}]})
        holidays = _holidays(session, today)
        timely = deadlines.redirect_is_timely(appeal.registered_on or today, today, holidays)
        deadline = deadlines.answer_deadline(today, holidays)
        event_id = move(session, appeal, Status.REDIRECTED, actor="operator", now=now, reason=reason,
                        values={"institution_id": institution_id, "deadline": deadline, "registered_on": today,
                                "reminder_published_at": None},
                        previous_institution_id=appeal.institution_id)
        session.execute(update(db.appeals).where(db.appeals.c.id == appeal_id).values(delivery_event_id=event_id))
    return {"id": appeal_id, "status": Status.REDIRECTED.value, "institution_id": institution_id,
            "deadline": deadline.isoformat(), "timely": timely}


def extend(sessions: sessionmaker, appeal_id: str, until: date, reason: str, *, now: datetime) -> dict:
    with transaction(sessions) as session:
        appeal = _lock(session, appeal_id)
        try:
            check_extension(Status(appeal.status), appeal.extended)
        except IllegalTransition as error:
            raise conflict(error)
        try:
            deadlines.check_extension_date(appeal.deadline, until)
        except deadlines.ExtensionOutOfRange as error:
            raise Problem(422, errors={"until": [{"kk": f"Ұзарту мерзімі жарамсыз: {error}",
                                                  "ru": f"Недопустимый срок продления: {error}",
                                                  "en": str(error)}]})
        move(session, appeal, Status.EXTENDED, actor="operator", now=now, reason=reason,
             values={"deadline": until, "extended": True, "reminder_published_at": None})
    return {"id": appeal_id, "status": Status.EXTENDED.value, "deadline": until.isoformat()}


def operator_move(sessions: sessionmaker, appeal_id: str, to: Status, reason: str, *, now: datetime) -> dict:
    """escalate, close, or send back to the institution (in_progress)."""
    with transaction(sessions) as session:
        appeal = _lock(session, appeal_id)
        move(session, appeal, to, actor="operator", now=now, reason=reason)
    return {"id": appeal_id, "status": to.value}


def add_note(sessions: sessionmaker, appeal_id: str, principal: Principal, text: str, *, now: datetime) -> dict:
    with transaction(sessions) as session:
        _lock(session, appeal_id)
        note_id = session.execute(db.notes.insert().values(appeal_id=appeal_id, author=principal.subject,
                                                           text=text, at=now).returning(db.notes.c.id)).scalar_one()
    return {"id": note_id, "appeal_id": appeal_id, "author": principal.subject, "text": text, "at": now}


# ----- citizens

def citizen_appeal(session: Session, ticket: str, token: str, *, lock: bool = False):
    """The appeal the ticket and token open; a wrong token and an unknown ticket look the same (403)."""
    query = select(db.appeals).where(db.appeals.c.ticket == ticket)
    appeal = session.execute(query.with_for_update() if lock else query).first()
    expected = appeal.token_hash if appeal is not None else "0" * 64
    if not hmac.compare_digest(expected, hashlib.sha256(token.encode()).hexdigest()) or appeal is None:
        raise Problem(403, {"kk": "Нөмір немесе токен дұрыс емес", "ru": "Неверный номер или токен",
                            "en": "wrong ticket or token"})
    return appeal


def dispute(sessions: sessionmaker, ticket: str, token: str, reason: str, *, now: datetime) -> dict:
    """The citizen disagrees with the answer (within 10 working days): it goes back to an operator."""
    today = almaty_day(now)
    with transaction(sessions) as session:
        appeal = citizen_appeal(session, ticket, token, lock=True)
        if appeal.status == Status.ANSWERED.value and appeal.answered_at is not None:
            if not deadlines.dispute_open(almaty_day(appeal.answered_at), today, _holidays(session, today)):
                raise conflict(IllegalTransition(Status.ANSWERED, Status.DISPUTED,
                                                 why="the 10 working days to dispute the answer have passed"))
        move(session, appeal, Status.DISPUTED, actor="citizen", now=now, reason=reason)
    return {"ticket": ticket, "status": Status.DISPUTED.value}


# ----- the deadline loop

def deadline_sweep(sessions: sessionmaker, *, now: datetime, appeal_ids: list[str] | None = None) -> dict:
    """Reminders 3 working days before the deadline, overdue once it has passed, closing answers nobody disputed.

    Each is published once per appeal. `now` is injected (the worker passes the clock; tests pass a date).
    `appeal_ids` limits the sweep (tests on a shared database).
    """
    today = almaty_day(now)
    counts = {"reminded": 0, "overdue": 0, "closed": 0}
    with transaction(sessions) as session:
        holidays = _holidays(session, today)
        running = [s.value for s in RUNNING]
        query = (select(db.appeals).where(db.appeals.c.status.in_(running))
                 .where(db.appeals.c.deadline <= today + timedelta(days=10))
                 .where(db.appeals.c.overdue_published_at.is_(None)))
        if appeal_ids is not None:
            query = query.where(db.appeals.c.id.in_(appeal_ids))
        for appeal in session.execute(query.order_by(db.appeals.c.deadline).limit(1000)
                                      .with_for_update(skip_locked=True)).all():
            data = {"appeal_id": appeal.id, "ticket": appeal.ticket, "institution_id": appeal.institution_id,
                    "deadline": appeal.deadline.isoformat()}
            if deadlines.is_overdue(appeal.deadline, today):
                move(session, appeal, Status.OVERDUE, actor="system", now=now, reason="deadline passed",
                     values={"overdue_published_at": now})
                _publish(session, events.APPEAL_OVERDUE, events.AppealDeadlineV1(), appeal.id, data)
                counts["overdue"] += 1
            elif appeal.reminder_published_at is None and today >= deadlines.reminder_date(appeal.deadline, holidays):
                session.execute(update(db.appeals).where(db.appeals.c.id == appeal.id)
                                .values(reminder_published_at=now))
                _publish(session, events.APPEAL_DEADLINE_APPROACHING, events.AppealDeadlineV1(), appeal.id, data)
                counts["reminded"] += 1
        counts["closed"] = _close_undisputed(session, now, today, holidays, appeal_ids)
    return counts


def _close_undisputed(session: Session, now: datetime, today: date, holidays: set[date],
                      appeal_ids: list[str] | None) -> int:
    query = (select(db.appeals).where(db.appeals.c.status == Status.ANSWERED.value)
             .where(db.appeals.c.answered_at < now - timedelta(days=10)))
    if appeal_ids is not None:
        query = query.where(db.appeals.c.id.in_(appeal_ids))
    closed = 0
    for appeal in session.execute(query.limit(1000).with_for_update(skip_locked=True)).all():
        if not deadlines.dispute_open(almaty_day(appeal.answered_at), today, holidays):
            move(session, appeal, Status.CLOSED, actor="system", now=now, reason="not disputed in time")
            closed += 1
    return closed


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
