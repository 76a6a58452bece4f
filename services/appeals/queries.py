"""Reading appeals, each view cut to what its reader may see.

- citizens (ticket + token): their own appeal, timeline and answers; never anyone else's.
- public: an institution's appeals without personal data, text only where the applicant allowed it.
- staff: their institution's appeals with the applicant's name only (never email or phone).
- operators: everything, with notes.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from services.common.auth import Principal

from . import db
from .domain import deadlines
from .domain.appeal import FINISHED, RUNNING, Status, allowed_next
from .workflow import ALMATY, almaty_day, citizen_appeal, not_found

PUBLIC_FIELDS = ("ticket", "institution_id", "category", "status", "deadline", "submitted_at")
STAFF_FIELDS = ("id", "ticket", "institution_id", "category", "description", "budget_line_id", "contract_id",
                "lat", "lon", "media_ids", "language", "status", "deadline", "extended", "submitted_at",
                "updated_at", "answered_at", "applicant_name")


def _history(session: Session, appeal_id: str, *, with_actor: bool = True) -> list[dict]:
    rows = session.execute(select(db.appeal_history).where(db.appeal_history.c.appeal_id == appeal_id)
                           .order_by(db.appeal_history.c.id)).all()
    keep = ("from_status", "to_status", "reason", "at") + (("actor",) if with_actor else ())
    return [{k: getattr(r, k) for k in keep} for r in rows]


def _answers(session: Session, appeal_id: str) -> list[dict]:
    rows = session.execute(select(db.answers).where(db.answers.c.appeal_id == appeal_id)
                           .order_by(db.answers.c.id)).all()
    return [{"text": r.text, "media_ids": r.media_ids, "at": r.at} for r in rows]


def track_appeal(sessions: sessionmaker, ticket: str, token: str) -> dict:
    """The citizen's view: the full timeline, deadline and answers."""
    with sessions() as session:
        appeal = citizen_appeal(session, ticket, token)
        answers = _answers(session, appeal.id)
        return {"id": appeal.id, "ticket": appeal.ticket, "institution_id": appeal.institution_id,
                "institution": _institution_names(session, appeal.institution_id),
                "category": appeal.category, "description": appeal.description, "media_ids": appeal.media_ids,
                "status": appeal.status, "deadline": appeal.deadline, "extended": appeal.extended,
                "submitted_at": appeal.submitted_at, "history": _history(session, appeal.id),
                "answers": answers, "answer": answers[-1] if answers else None,
                "can_dispute": appeal.status == Status.ANSWERED.value}


def _institution_names(session: Session, institution_id: str) -> dict | None:
    row = session.execute(select(db.institutions.c.name_kk, db.institutions.c.name_ru)
                          .where(db.institutions.c.id == institution_id)).first()
    return {"name_kk": row.name_kk, "name_ru": row.name_ru} if row else None


# ----- staff

def staff_list(sessions: sessionmaker, principal: Principal, *, status: str | None, limit: int, offset: int,
               today: date) -> dict:
    """The institution's appeals, most urgent first: late ones, then the rest awaiting the institution, then
    answered and finished ones; by deadline within each. Pages of this order are the portal's pages."""
    a = db.appeals
    query = select(*[a.c[f] for f in STAFF_FIELDS]).where(a.c.institution_id == principal.institution_id)
    if status:
        query = query.where(a.c.status == status)
    awaiting = a.c.status.notin_([s.value for s in (Status.ANSWERED, *FINISHED)])
    late = or_(a.c.status.in_([Status.OVERDUE.value, Status.ESCALATED.value]), and_(awaiting, a.c.deadline < today))
    urgency = case((late, 0), (awaiting, 1), else_=2)
    with sessions() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.execute(query.order_by(urgency, a.c.deadline, a.c.ticket).limit(limit).offset(offset)).all()
    return {"total": total, "items": [dict(r._mapping) for r in rows]}


def staff_detail(sessions: sessionmaker, principal: Principal, appeal_id: str) -> dict:
    with sessions() as session:
        row = session.execute(select(*[db.appeals.c[f] for f in STAFF_FIELDS])
                              .where(db.appeals.c.id == appeal_id)).first()
        if row is None or row.institution_id != principal.institution_id:
            raise not_found()
        return {**row._mapping, "history": _history(session, appeal_id, with_actor=False),
                "answers": _answers(session, appeal_id),
                "allowed_transitions": allowed_next(Status(row.status), "staff")}


# ----- operators

def operator_list(sessions: sessionmaker, filters: dict, *, today: date) -> dict:
    a, i = db.appeals, db.institutions
    query = select(a.c.id, a.c.ticket, a.c.institution_id, a.c.category, a.c.status, a.c.deadline, a.c.extended,
                   a.c.submitted_at, a.c.updated_at, a.c.source, i.c.kind, i.c.district_id,
                   i.c.name_ru.label("institution_name_ru")).join(i, i.c.id == a.c.institution_id)
    conditions = []
    for field, column in (("status", a.c.status), ("institution_id", a.c.institution_id),
                          ("category", a.c.category), ("kind", i.c.kind), ("district_id", i.c.district_id)):
        if filters.get(field):
            conditions.append(column == filters[field])
    if filters.get("overdue") is True:
        conditions.append(or_(a.c.status == Status.OVERDUE.value,
                              and_(a.c.status.in_([s.value for s in RUNNING]), a.c.deadline < today)))
    if filters.get("submitted_from"):
        conditions.append(a.c.submitted_at >= filters["submitted_from"])
    if filters.get("submitted_to"):
        conditions.append(a.c.submitted_at < filters["submitted_to"])
    if filters.get("q"):
        pattern = "%" + filters["q"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(or_(a.c.description.ilike(pattern), a.c.ticket.ilike(pattern)))
    if conditions:
        query = query.where(and_(*conditions))
    with sessions() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.execute(query.order_by(a.c.submitted_at.desc())
                               .limit(filters["limit"]).offset(filters["offset"])).all()
    return {"total": total, "items": [dict(r._mapping) for r in rows]}


def operator_detail(sessions: sessionmaker, appeal_id: str) -> dict:
    with sessions() as session:
        row = session.execute(select(db.appeals).where(db.appeals.c.id == appeal_id)).first()
        if row is None:
            raise not_found()
        appeal = {k: v for k, v in row._mapping.items()
                  if k not in ("token_hash", "open311_token", "delivery_event_id")}
        notes = session.execute(select(db.notes).where(db.notes.c.appeal_id == appeal_id)
                                .order_by(db.notes.c.id)).all()
        return {**appeal, "history": _history(session, appeal_id), "answers": _answers(session, appeal_id),
                "notes": [dict(n._mapping) for n in notes],
                "allowed_transitions": allowed_next(Status(row.status), "operator")}


# ----- public

def public_list(sessions: sessionmaker, institution_id: str, *, limit: int, offset: int) -> dict:
    """An institution's appeals for everyone: no names, emails or phones; text only where allowed."""
    a = db.appeals
    query = (select(a.c.id, a.c.ticket, a.c.institution_id, a.c.category, a.c.status, a.c.deadline,
                    a.c.submitted_at, a.c.publish_text, a.c.description)
             .where(a.c.institution_id == institution_id).where(a.c.status != Status.REJECTED.value))
    with sessions() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.execute(query.order_by(a.c.submitted_at.desc()).limit(limit).offset(offset)).all()
        items = []
        for r in rows:
            item = {f: getattr(r, f) for f in PUBLIC_FIELDS}
            item["description"] = r.description if r.publish_text else None
            item["answers"] = _answers(session, r.id)
            items.append(item)
    return {"institution_id": institution_id, "total": total, "items": items}


def appeal_counts(sessions: sessionmaker, institution_id: str | None, *, today: date) -> list[dict]:
    """Per institution, for the map: total, open, answered, overdue (rejected appeals are not counted)."""
    a = db.appeals
    running = [s.value for s in RUNNING]
    finished = [s.value for s in FINISHED]
    query = select(
        a.c.institution_id,
        func.count().label("total"),
        func.count().filter(a.c.status.notin_(finished)).label("open"),
        func.count().filter(a.c.status.in_([Status.ANSWERED.value, Status.CLOSED.value])).label("answered"),
        func.count().filter(or_(a.c.status.in_([Status.OVERDUE.value, Status.ESCALATED.value]),
                                and_(a.c.status.in_(running), a.c.deadline < today))).label("overdue"),
    ).where(a.c.status != Status.REJECTED.value).group_by(a.c.institution_id)
    if institution_id:
        query = query.where(a.c.institution_id == institution_id)
    with sessions() as session:
        return [dict(r._mapping) for r in session.execute(query.order_by(a.c.institution_id)).all()]


def today_for(moment: datetime) -> date:
    return almaty_day(moment)



# ----- operators' dashboard (services/common/operator.py summary section and metrics)

def _breakdown(session: Session, since: datetime) -> dict:
    a, i = db.appeals, db.institutions
    result = {}
    for name, column in (("by_status", a.c.status), ("by_district", i.c.district_id), ("by_category", a.c.category)):
        rows = session.execute(select(column, func.count()).select_from(a.join(i, i.c.id == a.c.institution_id))
                               .where(a.c.submitted_at >= since).group_by(column)).all()
        result[name] = {str(key): count for key, count in rows}
    return result


def _deadline_rows(session: Session, condition, limit: int) -> list[dict]:
    a, i = db.appeals, db.institutions
    rows = session.execute(select(a.c.id, a.c.ticket, a.c.deadline, a.c.status, i.c.name_ru, i.c.name_kk)
                           .join(i, i.c.id == a.c.institution_id).where(condition)
                           .order_by(a.c.deadline, a.c.ticket).limit(limit)).all()
    return [{"id": r.id, "ticket": r.ticket, "deadline": r.deadline.isoformat(), "status": r.status,
             "institution_name": r.name_ru, "institution_name_kk": r.name_kk} for r in rows]


def deadline_conditions(today: date, holidays) -> tuple:
    """(overdue, due within 3 working days) as SQL conditions on appeals."""
    a = db.appeals
    running = [s.value for s in RUNNING]
    soon = deadlines.add_working_days(today, deadlines.REMINDER_WORKING_DAYS, holidays)
    overdue = or_(a.c.status == Status.OVERDUE.value, and_(a.c.status.in_(running), a.c.deadline < today))
    due_soon = and_(a.c.status.in_(running), a.c.deadline >= today, a.c.deadline <= soon)
    return overdue, due_soon


def operator_summary(sessions: sessionmaker, now: datetime, holidays) -> dict:
    """Appeals today and this week by status, district and category; overdue and due-soon appeals."""
    today = almaty_day(now)
    midnight = datetime.combine(today, datetime.min.time(), ALMATY)
    overdue, due_soon = deadline_conditions(today, holidays)
    with sessions() as session:
        return {"today": _breakdown(session, midnight), "week": _breakdown(session, midnight - timedelta(days=6)),
                "overdue": _deadline_rows(session, overdue, 20), "due_soon": _deadline_rows(session, due_soon, 20)}


def appeal_gauges(sessions: sessionmaker, now: datetime, holidays) -> tuple[dict, int, int]:
    """(count by status, overdue, due soon) for the Prometheus gauges."""
    a = db.appeals
    overdue, due_soon = deadline_conditions(almaty_day(now), holidays)
    with sessions() as session:
        by_status = dict(session.execute(select(a.c.status, func.count()).group_by(a.c.status)).all())
        return (by_status, session.scalar(select(func.count()).select_from(a).where(overdue)),
                session.scalar(select(func.count()).select_from(a).where(due_soon)))
