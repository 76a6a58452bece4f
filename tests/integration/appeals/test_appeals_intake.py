"""Submitting an appeal: committed with its history and event, idempotent, limited, validated in kk/ru."""
from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from services.appeals import db
from services.appeals.events import AppealSubmittedV1
from tests.support.stack import sample_appeal

from .conftest import add_institution, add_media

URL = "/api/appeals/v1/appeals"


def test_an_appeal_is_committed_with_its_history_and_its_event(client, sessions, institution):
    response = client.post(URL, json=sample_appeal(institution))
    assert response.status_code == 201, response.json
    receipt = response.json
    assert set(receipt) == {"id", "ticket", "status", "deadline", "tracking_url", "token"}
    with sessions() as session:
        assert session.scalar(select(db.appeals.c.status).where(db.appeals.c.id == receipt["id"])) == "submitted"
        assert session.scalar(select(func.count()).select_from(db.appeal_history)
                              .where(db.appeal_history.c.appeal_id == receipt["id"])) == 1
        event = session.scalar(select(db.outbox.c.payload).where(db.outbox.c.key == receipt["id"]))
    assert event["type"] == "kz.ashyq.appeals.appeal_submitted.v1"
    assert AppealSubmittedV1().load(event["data"])  # the published contract, however intake builds it
    assert event["data"]["ticket"] == receipt["ticket"]
    assert event["data"]["tracking_url"] == receipt["tracking_url"]
    assert re.fullmatch(r"AKM-\d{4}-\d{6,}", receipt["ticket"])
    assert receipt["tracking_url"].endswith(f"/appeal/{receipt['ticket']}?token={receipt['token']}")


def test_the_same_key_and_body_return_the_same_appeal(client, institution):
    body, key = sample_appeal(institution), str(uuid.uuid4())
    first = client.post(URL, json=body, headers={"Idempotency-Key": key})
    again = client.post(URL, json=body, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert first.json == again.json


def test_the_same_key_and_body_with_media_return_the_same_appeal(client, sessions, institution):
    body, key = sample_appeal(institution, media_ids=add_media(sessions, 2)), str(uuid.uuid4())
    first = client.post(URL, json=body, headers={"Idempotency-Key": key})
    again = client.post(URL, json=body, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201, again.json
    assert first.json == again.json


def test_the_same_key_with_another_body_is_a_conflict(client, institution):
    key = str(uuid.uuid4())
    assert client.post(URL, json=sample_appeal(institution), headers={"Idempotency-Key": key}).status_code == 201
    other = client.post(URL, json=sample_appeal(institution, category="other"), headers={"Idempotency-Key": key})
    assert other.status_code == 409


def test_concurrent_duplicates_make_one_appeal(app, sessions, institution):
    body, key = sample_appeal(institution), str(uuid.uuid4())

    def post(_):
        return app.test_client().post(URL, json=body, headers={"Idempotency-Key": key})

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(post, range(8)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json["id"] for r in responses}) == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(db.appeals)
                              .where(db.appeals.c.institution_id == institution)) == 1


def test_an_unknown_institution_is_named_in_the_requests_language(client):
    response = client.post(URL, json=sample_appeal("no-such-institution"), headers={"Accept-Language": "ru"})
    assert response.status_code == 422
    assert response.json["errors"]["institution_id"] == ["Неизвестное учреждение: no-such-institution"]


def test_field_errors_are_in_kazakh_by_default(client, institution):
    body = sample_appeal(institution, description="қысқа", unexpected=1)
    response = client.post(URL, json=body)
    assert response.status_code == 422
    errors = response.json["errors"]
    assert errors["description"] == ["Ұзындығы 20 мен 5000 аралығында болуы керек."]
    assert errors["unexpected"] == ["Белгісіз өріс."]


def test_media_must_be_stored_and_not_attached_elsewhere(client, sessions, institution):
    stored = add_media(sessions, 2)
    unknown = f"m-{uuid.uuid4()}"
    rejected = add_media(sessions, 1, state="rejected")[0]
    response = client.post(URL, json=sample_appeal(institution, media_ids=[stored[0], unknown, rejected]),
                           headers={"Accept-Language": "ru"})
    assert response.status_code == 422
    message = response.json["errors"]["media_ids"][0]
    assert unknown in message and rejected in message and stored[0] not in message

    assert client.post(URL, json=sample_appeal(institution, media_ids=stored)).status_code == 201
    again = client.post(URL, json=sample_appeal(institution, media_ids=[stored[1]]), headers={"Accept-Language": "ru"})
    assert again.status_code == 422
    assert "прикреплены" in again.json["errors"]["media_ids"][0]


def test_more_than_ten_media_are_refused(client, institution):
    body = sample_appeal(institution, media_ids=[f"m-{i}" for i in range(11)])
    assert client.post(URL, json=body).status_code == 422


def test_a_body_over_the_limit_is_a_413(client, institution):
    body = sample_appeal(institution, description="x" * 2_000_000)
    response = client.post(URL, json=body)
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/problem+json"


def test_accepted_appeals_are_limited_per_email(client, institution):
    email = f"busy-{uuid.uuid4().hex[:8]}@mail.kz"
    applicant = {"name": "Ерлан Б.", "email": email, "phone": None}
    for _ in range(3):
        assert client.post(URL, json=sample_appeal(institution, applicant=applicant)).status_code == 201
    response = client.post(URL, json=sample_appeal(institution, applicant=applicant))
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


def test_a_refused_appeal_does_not_count_against_the_email(client, institution):
    applicant = {"name": "Ерлан Б.", "email": f"typo-{uuid.uuid4().hex[:8]}@mail.kz", "phone": None}
    for _ in range(3):
        refused = client.post(URL, json=sample_appeal(f"unknown-{uuid.uuid4()}", applicant=applicant))
        assert refused.status_code == 422
    for _ in range(3):
        assert client.post(URL, json=sample_appeal(institution, applicant=applicant)).status_code == 201
    assert client.post(URL, json=sample_appeal(institution, applicant=applicant)).status_code == 429


def test_requests_are_limited_per_ip_trusting_only_the_last_proxy_hop(clock, institution):
    from services.appeals.app import create_app
    app = create_app(clock=clock, limits={"per_ip": (2, 60), "per_email": (100, 3600)})
    client = app.test_client()
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"

    def post(spoofed_first_hop: str):
        return client.post(URL, json=sample_appeal(institution),
                           headers={"X-Forwarded-For": f"{spoofed_first_hop}, {address}"})

    assert post("1.1.1.1").status_code == 201
    assert post("2.2.2.2").status_code == 201
    limited = post("3.3.3.3")  # a new spoofed client address does not reset the count of the real one
    assert limited.status_code == 429 and "Retry-After" in limited.headers


def test_an_institution_event_teaches_appeals_the_institution(client):
    from services.common.topics import BUDGET_INSTITUTIONS
    from tests.support.polling import wait_for
    from tests.support.stack import institution_event, publish
    event = institution_event()
    publish(BUDGET_INSTITUTIONS, event["data"]["id"], event)
    response = wait_for(lambda: (r := client.post(URL, json=sample_appeal(event["data"]["id"]))).status_code == 201
                        and r, what="the worker to store the institution")
    assert response.json["status"] == "submitted"


def test_a_late_older_institution_event_does_not_overwrite_a_newer_one(sessions):
    from services.appeals.usecases import upsert_institution
    institution_id = add_institution(sessions)
    base = {"id": institution_id, "kind": "school", "name_kk": "жаңа", "name_ru": "новое", "contact_emails": []}
    upsert_institution(sessions, {"time": "2026-11-26T10:00:00Z", "data": base})
    upsert_institution(sessions, {"time": "2026-11-26T09:00:00Z", "data": {**base, "name_ru": "старое"}})
    with sessions() as session:
        assert session.scalar(select(db.institutions.c.name_ru).where(db.institutions.c.id == institution_id)) == "новое"
