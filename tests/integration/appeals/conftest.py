"""The appeals service (its Flask app in-process) against the real PostgreSQL, Redis and Kafka of the stack."""
from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from sqlalchemy.dialects.postgresql import insert

from services.appeals import db
from services.appeals.app import create_app
from services.appeals.workflow import ALMATY


class Clock:
    """An injectable clock: tests move time instead of sleeping."""

    def __init__(self, moment: datetime | None = None):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment or datetime.now(ALMATY)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def app(clock):
    return create_app(clock=clock, limits={"per_ip": (1000, 60), "per_email": (3, 3600)})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def sessions(app):
    return app.extensions["appeals"].sessions


def add_institution(sessions, **overrides) -> str:
    values = {"id": f"it-{uuid.uuid4()}", "kind": "school", "name_kk": "№3 мектеп", "name_ru": "Школа №3",
              "district_id": "1110", "contact_emails": ["school@example.kz"], "lat": 53.28, "lon": 69.38}
    values.update(overrides)
    with sessions() as session, session.begin():
        session.execute(insert(db.institutions).values(**values))
    return values["id"]


def add_media(sessions, count: int = 1, state: str = "stored") -> list[str]:
    ids = [f"m-{uuid.uuid4()}" for _ in range(count)]
    with sessions() as session, session.begin():
        for media_id in ids:
            session.execute(insert(db.media).values(id=media_id, kind="photo", content_type="image/jpeg", state=state))
    return ids


@pytest.fixture
def institution(sessions) -> str:
    return add_institution(sessions)
