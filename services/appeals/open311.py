"""Open311 GeoReport v2 on top of appeals: services are the categories, requests are appeals.

Our statuses map to the spec's open/closed with `status_notes`; `agency_responsible` is the institution,
`expected_datetime` the deadline. Nothing personal is ever shown (names, emails, phones stay private).
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from xml.etree import ElementTree as ET

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.common.errors import Problem

from . import db
from .domain.appeal import CATEGORIES, CATEGORY_NAMES, Status
from .workflow import ALMATY

CLOSED = {Status.ANSWERED.value, Status.CLOSED.value, Status.REJECTED.value}

STATUS_NOTES = {
    "submitted": {"kk": "Тіркелді", "ru": "Зарегистрировано"},
    "delivered": {"kk": "Мекемеге жеткізілді", "ru": "Доставлено учреждению"},
    "in_progress": {"kk": "Қаралуда", "ru": "На рассмотрении"},
    "answered": {"kk": "Жауап берілді", "ru": "Дан ответ"},
    "closed": {"kk": "Жабылды", "ru": "Закрыто"},
    "rejected": {"kk": "Қабылданбады", "ru": "Отклонено"},
    "redirected": {"kk": "Басқа мекемеге жіберілді", "ru": "Перенаправлено в другое учреждение"},
    "extended": {"kk": "Мерзімі ұзартылды", "ru": "Срок продлён"},
    "overdue": {"kk": "Мерзімі өтті", "ru": "Срок истёк"},
    "escalated": {"kk": "Уәкілетті органға жіберілді", "ru": "Передано в уполномоченный орган"},
    "disputed": {"kk": "Жауапқа шағым берілді", "ru": "Ответ оспорен"},
}

# The XML element of one item of each list.
_ITEM_TAGS = {"services": "service", "service_requests": "request", "attributes": "attribute",
              "values": "value", "endpoints": "endpoint", "formats": "format", "errors": "error"}


def _text(names: dict, lang: str) -> str:
    return names.get(lang) or names["ru"]


def discovery(base_url: str) -> dict:
    return {"changeset": "2026-11-26T00:00:00+05:00", "contact": "Ashyq operators, operator@anticorruption.akmola.kz",
            "key_service": "API keys are issued by the operators of Ashyq",
            "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2",
                           "url": f"{base_url}/open311/v2", "changeset": "2026-11-26T00:00:00+05:00",
                           "type": "production", "formats": ["application/json", "text/xml"]}]}


def services(lang: str) -> list[dict]:
    return [{"service_code": code, "service_name": _text(CATEGORY_NAMES[code], lang),
             "description": _text(CATEGORY_NAMES[code], lang), "metadata": True, "type": "realtime",
             "keywords": "budget,appeal", "group": "budget"} for code in CATEGORIES]


def service_definition(code: str, lang: str) -> dict:
    if code not in CATEGORIES:
        raise Problem(404, f"unknown service_code {code}")
    ru = lang != "kk"
    return {"service_code": code, "attributes": [
        {"variable": True, "code": "institution_id", "datatype": "string", "required": False,
         "datatype_description": "Ashyq institution id" if ru else "Ashyq мекеме идентификаторы", "order": 1,
         "description": ("Учреждение; если не указано — ближайшее к lat/long" if ru
                         else "Мекеме; көрсетілмесе — lat/long-қа ең жақыны")},
        {"variable": True, "code": "publish_text", "datatype": "singlevaluelist", "required": False,
         "datatype_description": None, "order": 2,
         "description": "Можно ли публиковать текст" if ru else "Мәтінді жариялауға бола ма",
         "values": [{"key": "true", "name": "да" if ru else "иә"}, {"key": "false", "name": "нет" if ru else "жоқ"}]},
        {"variable": True, "code": "budget_line_id", "datatype": "string", "required": False,
         "datatype_description": None, "order": 3, "description": "Статья бюджета" if ru else "Бюджет бабы"},
        {"variable": True, "code": "contract_id", "datatype": "string", "required": False,
         "datatype_description": None, "order": 4, "description": "Договор" if ru else "Шарт"},
    ]}


def nearest_institution(session: Session, lat: float, lon: float) -> str | None:
    i = db.institutions
    scale = max(0.1, math.cos(math.radians(lat)))  # degrees of longitude shrink
    distance = func.power(i.c.lat - lat, 2) + func.power((i.c.lon - lon) * scale, 2)
    return session.scalar(select(i.c.id).where(i.c.lat.isnot(None), i.c.lon.isnot(None))
                          .order_by(distance).limit(1))


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(ALMATY).isoformat(timespec="seconds") if moment else None


def _deadline_moment(deadline: date) -> str:
    return datetime.combine(deadline, time(18, 0), ALMATY).isoformat(timespec="seconds")


def _request_view(row, answer_text: str | None, lang: str) -> dict:
    notes = _text(STATUS_NOTES[row.status], lang)
    if answer_text and row.status in (Status.ANSWERED.value, Status.CLOSED.value):
        notes = f"{notes}: {answer_text}"
    return {
        "service_request_id": row.ticket, "status": "closed" if row.status in CLOSED else "open",
        "status_notes": notes, "service_name": _text(CATEGORY_NAMES[row.category], lang),
        "service_code": row.category, "description": row.description if row.publish_text else None,
        "agency_responsible": (row.name_kk if lang == "kk" else row.name_ru) or row.institution_id,
        "service_notice": None, "requested_datetime": _iso(row.submitted_at),
        "updated_datetime": _iso(row.updated_at), "expected_datetime": _deadline_moment(row.deadline),
        "address": None, "address_id": None, "zipcode": None, "lat": row.lat, "long": row.lon, "media_url": None,
    }


def find_requests(sessions: sessionmaker, filters: dict, lang: str) -> list[dict]:
    a, i = db.appeals, db.institutions
    query = (select(a.c.id, a.c.ticket, a.c.status, a.c.category, a.c.description, a.c.publish_text,
                    a.c.submitted_at, a.c.updated_at, a.c.deadline, a.c.lat, a.c.lon, a.c.institution_id,
                    i.c.name_kk, i.c.name_ru)
             .join(i, i.c.id == a.c.institution_id).where(a.c.status != Status.REJECTED.value))
    if filters.get("ids"):
        query = query.where(a.c.ticket.in_(filters["ids"]))
    else:
        end = filters.get("end_date") or datetime.now(ALMATY)
        start = filters.get("start_date") or end - timedelta(days=90)
        query = query.where(a.c.submitted_at >= start, a.c.submitted_at <= end)
    if filters.get("service_codes"):
        query = query.where(a.c.category.in_(filters["service_codes"]))
    if filters.get("status") == "open":
        query = query.where(a.c.status.notin_(CLOSED))
    elif filters.get("status") == "closed":
        query = query.where(a.c.status.in_(CLOSED))
    with sessions() as session:
        rows = session.execute(query.order_by(a.c.submitted_at.desc()).limit(1000)).all()
        answers = _last_answers(session, [r.id for r in rows])
    return [_request_view(r, answers.get(r.id), lang) for r in rows]


def _last_answers(session: Session, appeal_ids: list[str]) -> dict[str, str]:
    if not appeal_ids:
        return {}
    rows = session.execute(select(db.answers.c.appeal_id, db.answers.c.text)
                           .where(db.answers.c.appeal_id.in_(appeal_ids)).order_by(db.answers.c.id)).all()
    return {r.appeal_id: r.text for r in rows}


def request_for_token(sessions: sessionmaker, token: str) -> list[dict]:
    with sessions() as session:
        ticket = session.scalar(select(db.appeals.c.ticket).where(db.appeals.c.open311_token == token))
    if ticket is None:
        raise Problem(404, "unknown token")
    return [{"service_request_id": ticket, "token": token}]


# ----- rendering

def to_xml(root: str, payload) -> bytes:
    element = ET.Element(root)
    _fill(element, root, payload)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def _fill(element: ET.Element, tag: str, value) -> None:
    if isinstance(value, list):
        item_tag = _ITEM_TAGS.get(tag, "item")
        for item in value:
            _fill(ET.SubElement(element, item_tag), item_tag, item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), key, item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = NOT_IN_XML.sub("\ufffd", str(value))


# Characters XML 1.0 cannot carry, even escaped (C0 controls but tab and newlines, surrogates, U+FFFE/F):
# a client's input echoed in an error (an unknown service code) must not make the document unreadable.
NOT_IN_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
