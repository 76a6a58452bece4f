"""Delivered means the current institution's email went out: notify's outcome events drive it, once."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from services.appeals import db, usecases
from tests.support.auth import bearer
from tests.support.stack import sample_appeal

from .conftest import add_institution


def sent(appeal_id: str, source_event_id: str | None, recipient_kind: str = "institution") -> dict:
    return {"id": str(uuid.uuid4()), "type": "kz.ashyq.notify.notification_sent.v1",
            "data": {"notification_id": str(uuid.uuid4()), "appeal_id": appeal_id, "recipient_kind": recipient_kind,
                     "template": "appeal_submitted_institution", "source_event_id": source_event_id}}


def status(sessions, appeal_id: str) -> str:
    with sessions() as session:
        return session.scalar(select(db.appeals.c.status).where(db.appeals.c.id == appeal_id))


def delivery_event(sessions, appeal_id: str) -> str:
    with sessions() as session:
        return session.scalar(select(db.appeals.c.delivery_event_id).where(db.appeals.c.id == appeal_id))


def test_the_citizens_email_does_not_make_an_appeal_delivered(client, sessions, institution):
    appeal = client.post("/api/appeals/v1/appeals", json=sample_appeal(institution)).json
    usecases.on_notification_sent(sessions, sent(appeal["id"], delivery_event(sessions, appeal["id"]), "citizen"))
    assert status(sessions, appeal["id"]) == "submitted"


def test_a_redelivered_outcome_event_changes_nothing_twice(client, sessions, institution):
    appeal = client.post("/api/appeals/v1/appeals", json=sample_appeal(institution)).json
    event = sent(appeal["id"], delivery_event(sessions, appeal["id"]))
    usecases.on_notification_sent(sessions, event)
    usecases.on_notification_sent(sessions, event)
    with sessions() as session:
        history = session.scalars(select(db.appeal_history.c.to_status)
                                  .where(db.appeal_history.c.appeal_id == appeal["id"])).all()
    assert history == ["submitted", "delivered"]


def test_after_a_redirect_only_the_new_institutions_email_delivers_it(client, sessions, institution):
    appeal = client.post("/api/appeals/v1/appeals", json=sample_appeal(institution)).json
    first_email = delivery_event(sessions, appeal["id"])
    competent = add_institution(sessions)
    moved = client.post(f"/api/appeals/v1/operator/appeals/{appeal['id']}/redirect", headers=bearer("operator"),
                        json={"institution_id": competent, "reason": "Не относится к школе"})
    assert moved.status_code == 200

    usecases.on_notification_sent(sessions, sent(appeal["id"], first_email))  # the old institution's, late
    assert status(sessions, appeal["id"]) == "redirected"
    usecases.on_notification_sent(sessions, sent(appeal["id"], delivery_event(sessions, appeal["id"])))
    assert status(sessions, appeal["id"]) == "delivered"
