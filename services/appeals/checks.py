"""Rules shared by intake and answers: the institution must be known, media stored and not attached elsewhere."""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services.common.errors import Problem

from . import db


def require_known_institution(session: Session, institution_id: str, field: str = "institution_id") -> None:
    if session.execute(select(db.institutions.c.id).where(db.institutions.c.id == institution_id)).first():
        return
    raise unknown_institution(institution_id, field)


def unknown_institution(institution_id: str, field: str = "institution_id") -> Problem:
    return Problem(422, errors={field: [{"kk": f"Белгісіз мекеме: {institution_id}",
                                         "ru": f"Неизвестное учреждение: {institution_id}",
                                         "en": f"Unknown institution: {institution_id}"}]})


def attach_media(session: Session, media_ids: list[str], *, owner: str, field: str) -> None:
    """Media must be stored by the media service and not attached to anything else; they become `owner`'s."""
    if not media_ids:
        return
    rows = {r.id: r for r in session.execute(select(db.media).where(db.media.c.id.in_(media_ids))
                                             .with_for_update())}
    unknown = [m for m in media_ids if m not in rows or rows[m].state != "stored"]
    taken = [m for m in media_ids if m in rows and rows[m].attached_to not in (None, owner)]
    if unknown:
        raise Problem(422, errors={field: [{"kk": f"Белгісіз немесе сақталмаған файлдар: {', '.join(unknown)}",
                                            "ru": f"Неизвестные или не сохранённые файлы: {', '.join(unknown)}",
                                            "en": f"Unknown or not stored media: {', '.join(unknown)}"}]})
    if taken:
        raise Problem(422, errors={field: [{"kk": f"Файлдар басқа жерге тіркелген: {', '.join(taken)}",
                                            "ru": f"Файлы уже прикреплены в другом месте: {', '.join(taken)}",
                                            "en": f"Media already attached elsewhere: {', '.join(taken)}"}]})
    session.execute(update(db.media).where(db.media.c.id.in_(media_ids))
                    .values(attached_to=owner, updated_at=func.now()))
