"""What the budget service does, one function a use case. Reads return plain dicts (money as decimal
strings); writes are one transaction each, with their events in the outbox."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import and_, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import sessionmaker

from services.common.db import claim_event, transaction
from services.common.errors import Problem

from . import db, events
from .domain.kinds import UNITS
from .domain.search import normalise

CONSUMER = "budget"
NOT_FOUND = {"kk": "Мекеме табылмады", "ru": "Учреждение не найдено", "en": "institution not found"}


def _money(value) -> str | None:
    return None if value is None else str(value)


def _name(row, lang: str) -> str:
    return row.name_ru if lang == "ru" else row.name_kk


# ---- reference lists --------------------------------------------------------------------------

def districts(sessions: sessionmaker) -> list[dict]:
    with sessions() as s:
        return [dict(r._mapping) for r in s.execute(select(db.districts).order_by(db.districts.c.kind,
                                                                                    db.districts.c.name_ru))]


def specifics(sessions: sessionmaker) -> list[dict]:
    with sessions() as s:
        rows = s.execute(select(db.specifics).order_by(db.specifics.c.code))
        return [{"code": r.code, "name_kk": r.name_kk, "name_ru": r.name_ru, "name_en": r.name_en,
                 "name_kk_verified": bool(r.name_kk_verified)} for r in rows]


def years(sessions: sessionmaker) -> list[int]:
    with sessions() as s:
        return [r[0] for r in s.execute(text("select distinct year from institution_years order by 1"))]


# ---- institutions -----------------------------------------------------------------------------

def filtered(query, f: dict, year: int):
    i = db.institutions.c
    if f.get("kind"):
        query = query.where(i.kind == f["kind"])
    if f.get("district"):
        query = query.where(i.district_id == f["district"])
    if f.get("q"):
        for word in normalise(f["q"]).split():
            query = query.where(i.search_text.like(f"%{word}%"))
    if f.get("bbox"):
        min_lon, min_lat, max_lon, max_lat = f["bbox"]
        query = query.where(i.lat.between(min_lat, max_lat), i.lon.between(min_lon, max_lon))
    if f.get("flag"):
        query = query.where(select(db.red_flags.c.rule).where(
            db.red_flags.c.institution_id == i.id, db.red_flags.c.year == year,
            db.red_flags.c.rule == f["flag"]).exists())
    return query


def list_institutions(sessions: sessionmaker, f: dict, year: int, lang: str) -> dict:
    i, y = db.institutions, db.institution_years
    with sessions() as s:
        total = s.execute(filtered(select(func.count()).select_from(i), f, year)).scalar_one()
        query = filtered(select(i.c.id, i.c.kind, i.c.name_kk, i.c.name_ru, i.c.bin, i.c.district_id, i.c.lat,
                                 i.c.lon, i.c.appeal_count, y.c.plan, y.c.adjusted_plan, y.c.executed,
                                 y.c.execution_pct, y.c.flag_count)
                          .select_from(i.outerjoin(y, and_(y.c.institution_id == i.c.id, y.c.year == year))), f, year)
        rows = s.execute(query.order_by(i.c.name_ru, i.c.id).limit(f["per_page"])
                         .offset((f["page"] - 1) * f["per_page"])).all()
    items = [{
        "id": r.id, "kind": r.kind, "name_kk": r.name_kk, "name_ru": r.name_ru, "name": _name(r, lang),
        "bin": r.bin, "district": r.district_id, "lat": r.lat, "lon": r.lon, "appeal_count": r.appeal_count,
        "totals": None if r.plan is None else {
            "year": year, "plan": _money(r.plan), "adjusted_plan": _money(r.adjusted_plan),
            "executed": _money(r.executed), "execution_pct": _money(r.execution_pct), "flag_count": r.flag_count},
    } for r in rows]
    return {"items": items, "page": f["page"], "per_page": f["per_page"], "total": total, "year": year}


def institution_detail(sessions: sessionmaker, institution_id: str, lang: str) -> dict:
    with sessions() as s:
        inst = s.execute(select(db.institutions).where(db.institutions.c.id == institution_id)).first()
        if inst is None:
            raise Problem(404, NOT_FOUND)
        district = s.execute(select(db.districts).where(db.districts.c.id == inst.district_id)).first()
        year_rows = s.execute(select(db.institution_years).where(db.institution_years.c.institution_id == institution_id)
                              .order_by(db.institution_years.c.year)).all()
        rating = s.execute(select(func.count(), func.avg(db.reviews.c.rating)).where(
            db.reviews.c.institution_id == institution_id, db.reviews.c.state == "published")).first()
    unit, unit_kk, unit_ru = UNITS[inst.kind]
    return {
        "id": inst.id, "kind": inst.kind, "name_kk": inst.name_kk, "name_ru": inst.name_ru, "name": _name(inst, lang),
        "bin": inst.bin, "address_kk": inst.address_kk, "address_ru": inst.address_ru,
        "district": {"id": district.id, "kind": district.kind, "name_kk": district.name_kk, "name_ru": district.name_ru},
        "geometry": inst.geometry, "lat": inst.lat, "lon": inst.lon, "contact_emails": inst.contact_emails,
        "admin_code": inst.admin_code, "appeal_count": inst.appeal_count,
        "unit": {"code": unit, "kk": unit_kk, "ru": unit_ru},
        "reviews": {"count": rating[0], "average_rating": None if rating[1] is None else str(round(rating[1], 2))},
        "years": [{
            "year": y.year, "plan": _money(y.plan), "adjusted_plan": _money(y.adjusted_plan),
            "executed": _money(y.executed), "execution_pct": _money(y.execution_pct),
            "headcount": None if y.headcount is None else format(y.headcount.normalize(), "f"),  # 310, never 3.1E+2
            "unit_cost": _money(y.unit_cost),
            "rank": {"district": y.rank_district, "district_peers": y.peers_district,
                     "region": y.rank_region, "region_peers": y.peers_region},
            "flag_count": y.flag_count,
        } for y in year_rows],
    }


def institution_budget(sessions: sessionmaker, institution_id: str, year: int, lang: str) -> dict:
    with sessions() as s:
        if s.execute(select(db.institutions.c.id).where(db.institutions.c.id == institution_id)).first() is None:
            raise Problem(404, NOT_FOUND)
        l, sp = db.budget_lines, db.specifics
        lines = s.execute(select(l, sp.c.name_kk, sp.c.name_ru).join(sp, sp.c.code == l.c.specific)
                          .where(l.c.institution_id == institution_id, l.c.year == year)
                          .order_by(l.c.program_code, l.c.specific)).all()
        contracts = s.execute(select(db.contracts).where(db.contracts.c.institution_id == institution_id,
                                                         db.contracts.c.year == year)
                              .order_by(db.contracts.c.signed_on, db.contracts.c.id)).all()
        documents = s.execute(select(db.documents).where(db.documents.c.institution_id == institution_id,
                                                         db.documents.c.year == year).order_by(db.documents.c.id)).all()
        flags = s.execute(select(db.red_flags).where(db.red_flags.c.institution_id == institution_id,
                                                     db.red_flags.c.year == year).order_by(db.red_flags.c.rule)).all()
    return {
        "institution_id": institution_id, "year": year, "currency": "KZT",
        "lines": [{
            "id": r.id, "program_code": r.program_code, "functional_group": r.functional_group,
            "specific": {"code": r.specific, "name_kk": r.name_kk, "name_ru": r.name_ru,
                         "name": r.name_ru if lang == "ru" else r.name_kk},
            "plan": _money(r.plan), "adjusted_plan": _money(r.adjusted_plan),
            "executed": {"q1": _money(r.executed_q1), "q2": _money(r.executed_q2), "q3": _money(r.executed_q3),
                         "q4": _money(r.executed_q4),
                         "total": _money(r.executed_q1 + r.executed_q2 + r.executed_q3 + r.executed_q4)},
        } for r in lines],
        "contracts": [{
            "id": c.id, "budget_line_id": c.budget_line_id, "supplier_name": c.supplier_name,
            "supplier_bin": c.supplier_bin, "subject": c.subject, "method": c.method, "amount": _money(c.amount),
            "signed_on": c.signed_on.isoformat(),
        } for c in contracts],
        "documents": [{
            "id": d.id, "kind": d.kind, "title": d.title, "contract_id": d.contract_id, "media_id": d.media_id,
            "sha256": d.sha256,
        } for d in documents],
        "red_flags": [{
            "rule": f.rule, "numbers": f.numbers,
            "explanation": f.explanation_ru if lang == "ru" else f.explanation_kk,
            "explanation_kk": f.explanation_kk, "explanation_ru": f.explanation_ru,
        } for f in flags],
    }


def map_features(sessions: sessionmaker, year: int, kind: str | None, district: str | None) -> dict:
    i, y = db.institutions.c, db.institution_years.c
    query = (select(i.id, i.kind, i.name_kk, i.name_ru, i.district_id, i.geometry, i.appeal_count, y.plan,
                    y.adjusted_plan, y.executed, y.execution_pct, y.flag_count)
             .select_from(db.institutions.outerjoin(db.institution_years, and_(y.institution_id == i.id, y.year == year))))
    if kind:
        query = query.where(i.kind == kind)
    if district:
        query = query.where(i.district_id == district)
    with sessions() as s:
        rows = s.execute(query.order_by(i.id)).all()
    return {"type": "FeatureCollection", "year": year, "features": [{
        "type": "Feature", "id": r.id, "geometry": r.geometry,
        "properties": {"kind": r.kind, "name_kk": r.name_kk, "name_ru": r.name_ru, "district": r.district_id,
                       "year": year, "plan": _money(r.plan), "adjusted_plan": _money(r.adjusted_plan),
                       "executed": _money(r.executed), "execution_pct": _money(r.execution_pct),
                       "flag_count": r.flag_count or 0, "appeal_count": r.appeal_count},
    } for r in rows]}


def stats(sessions: sessionmaker, group_by: str, year: int | None, kind: str | None, lang: str) -> dict:
    where, params = ["true"], {"year": year, "kind": kind}
    if year is not None:
        where.append("y.year = :year")
    if kind:
        where.append("i.kind = :kind")
    cond = " and ".join(where)
    if group_by == "specific":
        sql = f"""select l.specific as key, s.name_kk, s.name_ru, count(distinct l.institution_id) as institutions,
                         sum(l.plan) plan, sum(l.adjusted_plan) adjusted_plan,
                         sum(l.executed_q1 + l.executed_q2 + l.executed_q3 + l.executed_q4) executed, null as flags
                  from budget_lines l join institutions i on i.id = l.institution_id
                  join specifics s on s.code = l.specific
                  where {cond.replace('y.year', 'l.year')} group by l.specific, s.name_kk, s.name_ru order by 1"""
    else:
        column, names, group = {
            "district": ("i.district_id", "d.name_kk, d.name_ru", "i.district_id, d.name_kk, d.name_ru"),
            "kind": ("i.kind", "null as name_kk, null as name_ru", "i.kind"),
            "year": ("y.year", "null as name_kk, null as name_ru", "y.year")}[group_by]
        sql = f"""select {column} as key, {names}, count(distinct y.institution_id) institutions, sum(y.plan) plan,
                         sum(y.adjusted_plan) adjusted_plan, sum(y.executed) executed, sum(y.flag_count) flags
                  from institution_years y join institutions i on i.id = y.institution_id
                  join districts d on d.id = i.district_id
                  where {cond} group by {group} order by 1"""
    with sessions() as s:
        rows = s.execute(text(sql), params).all()
    groups = []
    for r in rows:
        pct = None if not r.adjusted_plan else str(round(r.executed * 100 / r.adjusted_plan, 2))
        group = {"key": str(r.key), "institutions": r.institutions, "plan": _money(r.plan),
                 "adjusted_plan": _money(r.adjusted_plan), "executed": _money(r.executed), "execution_pct": pct,
                 "flag_count": None if r.flags is None else int(r.flags)}
        if r.name_kk is not None:
            group.update(name_kk=r.name_kk, name_ru=r.name_ru, name=r.name_ru if lang == "ru" else r.name_kk)
        groups.append(group)
    return {"group_by": group_by, "year": year, "kind": kind, "currency": "KZT", "groups": groups}


# ---- reviews ----------------------------------------------------------------------------------

def submit_review(sessions: sessionmaker, institution_id: str, body: dict) -> dict:
    with transaction(sessions) as s:
        if s.execute(select(db.institutions.c.id).where(db.institutions.c.id == institution_id)).first() is None:
            raise Problem(404, NOT_FOUND)
        review_id = str(uuid.uuid4())
        row = s.execute(db.reviews.insert().values(id=review_id, institution_id=institution_id, state="pending",
                                                   **body).returning(db.reviews)).first()
        return dict(row._mapping)


def reviews(sessions: sessionmaker, *, institution_id: str | None = None, state: str = "published") -> list[dict]:
    query = select(db.reviews).where(db.reviews.c.state == state).order_by(db.reviews.c.created_at.desc()).limit(200)
    with sessions() as s:
        if institution_id is not None:
            if s.execute(select(db.institutions.c.id).where(db.institutions.c.id == institution_id)).first() is None:
                raise Problem(404, NOT_FOUND)
            query = query.where(db.reviews.c.institution_id == institution_id)
        return [dict(r._mapping) for r in s.execute(query)]


def moderate_review(sessions: sessionmaker, review_id: str, decision: str) -> dict:
    state = {"publish": "published", "reject": "rejected"}[decision]
    with transaction(sessions) as s:
        row = s.execute(update(db.reviews).where(db.reviews.c.id == review_id)
                        .values(state=state, moderated_at=datetime.now(timezone.utc)).returning(db.reviews)).first()
        if row is None:
            raise Problem(404, {"kk": "Пікір табылмады", "ru": "Отзыв не найден", "en": "review not found"})
        return dict(row._mapping)


# ---- documents ---------------------------------------------------------------------------------

def add_document(sessions: sessionmaker, institution_id: str, body: dict, thresholds) -> dict:
    """Attach a document (its file stored by the media service) to an institution's year. Its SHA-256 comes
    from media's media_stored event, now if already received, else when it arrives."""
    from . import derived
    with transaction(sessions) as s:
        if s.execute(select(db.institutions.c.id).where(db.institutions.c.id == institution_id)).first() is None:
            raise Problem(404, NOT_FOUND)
        if body.get("contract_id") and s.execute(select(db.contracts.c.id).where(
                db.contracts.c.id == body["contract_id"], db.contracts.c.institution_id == institution_id)).first() is None:
            raise Problem(422, errors={"contract_id": [{"kk": "Бұл мекеменің шарты емес", "ru": "Не договор этого учреждения",
                                                        "en": "not a contract of this institution"}]})
        sha256 = s.execute(select(db.media.c.sha256).where(db.media.c.media_id == body["media_id"])).scalar()
        row = s.execute(db.documents.insert().values(id=f"DOC-{uuid.uuid4()}", institution_id=institution_id,
                                                     sha256=sha256, **body).returning(db.documents)).first()
        derived.refresh(s, thresholds, [institution_id])   # documents clear the undocumented-spending flag
        return dict(row._mapping)


# ---- consumed events --------------------------------------------------------------------------

def on_media_stored(sessions: sessionmaker, event: dict) -> list[str]:
    """Keep the media's hash; documents waiting for it get it. Returns their institutions (stale details)."""
    data = events.MediaStored().load(event["data"])
    with transaction(sessions) as s:
        if not claim_event(s, db.processed_events, consumer=CONSUMER, event_id=event["id"]):
            return []
        s.execute(insert(db.media).values(**data).on_conflict_do_nothing())
        rows = s.execute(update(db.documents).where(db.documents.c.media_id == data["media_id"],
                                                    db.documents.c.sha256.is_(None))
                         .values(sha256=data["sha256"]).returning(db.documents.c.institution_id)).all()
        return sorted({r[0] for r in rows})


def on_appeal_submitted(sessions: sessionmaker, event: dict) -> str | None:
    """Count the appeal against its institution, once per event. Returns the institution id if counted."""
    data = events.AppealSubmitted().load(event["data"])
    with transaction(sessions) as s:
        if not claim_event(s, db.processed_events, consumer=CONSUMER, event_id=event["id"]):
            return None
        counted = s.execute(update(db.institutions).where(db.institutions.c.id == data["institution_id"])
                            .values(appeal_count=db.institutions.c.appeal_count + 1)
                            .returning(db.institutions.c.id)).first()
        return counted[0] if counted else None
