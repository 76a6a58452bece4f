"""Every success body of the appeals API is the one its OpenAPI document describes for that status.

Most views answer plain dicts and their schemas are documentation only, so nothing but these tests ties the
two together: each walks real appeals through the API and holds every body against the document the service
serves, the way the fuzz drill does (schemathesis; OpenAPI 3.0 `nullable` honoured, `$ref`s resolved). A
documented key that is missing, an undocumented key, a null where none is documented or a value outside an
enum fails here.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest

from services.appeals.workflow import ALMATY
from tests.support.auth import bearer
from tests.support.openapi import ServedDocument
from tests.support.stack import sample_appeal

from .conftest import add_institution, add_media

API = "/api/appeals/v1"


@pytest.fixture
def matches(client):
    """matches(response, status, "get", "/appeals/{ticket}"): the status is the expected one, documented with a
    body schema for its content type, and the body validates against it; returns the body."""
    return ServedDocument(client, "appeals").body


@pytest.fixture
def operator() -> dict:
    return bearer("operator")


def filed(client, matches, institution: str, **overrides) -> dict:
    return matches(client.post(f"{API}/appeals", json=sample_appeal(institution, **overrides)), 201, "post", "/appeals")


def test_the_receipt_of_an_appeal_and_of_its_replay_are_documented(client, sessions, matches, institution):
    body, key = sample_appeal(institution, media_ids=add_media(sessions, 2)), str(uuid.uuid4())
    first = matches(client.post(f"{API}/appeals", json=body, headers={"Idempotency-Key": key}), 201, "post", "/appeals")
    again = matches(client.post(f"{API}/appeals", json=body, headers={"Idempotency-Key": key}), 201, "post", "/appeals")
    assert first == again


def test_what_citizens_and_everyone_read_is_documented(client, matches, institution):
    receipt = filed(client, matches, institution)
    applicant = {"name": "Ерлан Жұмабаев", "email": f"c-{uuid.uuid4().hex[:10]}@mail.kz", "phone": "+7 701 123 45 67"}
    filed(client, matches, institution, publish_text=False, location=None, budget_line_id="BL-7", applicant=applicant)

    view = matches(client.get(f"{API}/appeals/{receipt['ticket']}", query_string={"token": receipt["token"]}),
                   200, "get", "/appeals/{ticket}")
    assert view["answer"] is None and view["institution"] is not None
    public = matches(client.get(f"{API}/institutions/{institution}/appeals"), 200, "get",
                     "/institutions/{institution_id}/appeals")
    assert {item["description"] is None for item in public["items"]} == {True, False}
    matches(client.get(f"{API}/institutions/no-such-institution/appeals"), 200, "get",
            "/institutions/{institution_id}/appeals")
    counts = matches(client.get(f"{API}/appeal-counts", query_string={"institution_id": institution}), 200, "get",
                     "/appeal-counts")
    assert counts["items"][0]["total"] == 2
    matches(client.get(f"{API}/appeal-counts"), 200, "get", "/appeal-counts")  # every institution on the map
    matches(client.get(f"{API}/categories"), 200, "get", "/categories")
    matches(client.post(f"{API}/noop"), 200, "post", "/noop")


def test_an_appeal_answered_disputed_escalated_returned_and_extended_is_documented_at_each_step(
        client, sessions, matches, institution, operator):
    receipt = filed(client, matches, institution, media_ids=add_media(sessions, 1))
    appeal_id, staff = receipt["id"], bearer("staff", institution_id=institution)

    listed = matches(client.get(f"{API}/staff/appeals", headers=staff), 200, "get", "/staff/appeals")
    assert appeal_id in {item["id"] for item in listed["items"]}
    matches(client.get(f"{API}/staff/appeals/{appeal_id}", headers=staff), 200, "get", "/staff/appeals/{appeal_id}")
    matches(client.post(f"{API}/staff/appeals/{appeal_id}/start", headers=staff), 200, "post",
            "/staff/appeals/{appeal_id}/start")
    matches(client.post(f"{API}/staff/appeals/{appeal_id}/answer", headers=staff, json={
        "text": "Ремонт выполнен, акт приёмки приложен.", "media_ids": add_media(sessions, 1)}),
        200, "post", "/staff/appeals/{appeal_id}/answer")
    detail = matches(client.get(f"{API}/staff/appeals/{appeal_id}", headers=staff), 200, "get",
                     "/staff/appeals/{appeal_id}")
    assert detail["answers"] and detail["answered_at"]

    view = matches(client.get(f"{API}/appeals/{receipt['ticket']}", query_string={"token": receipt["token"]}),
                   200, "get", "/appeals/{ticket}")
    assert view["answer"] is not None and view["can_dispute"]
    matches(client.get(f"{API}/institutions/{institution}/appeals"), 200, "get",
            "/institutions/{institution_id}/appeals")
    matches(client.post(f"{API}/appeals/{receipt['ticket']}/dispute", json={
        "token": receipt["token"], "reason": "Крышу так и не отремонтировали."}),
        200, "post", "/appeals/{ticket}/dispute")

    matches(client.get(f"{API}/operator/appeals", headers=operator, query_string={"institution_id": institution}),
            200, "get", "/operator/appeals")
    matches(client.post(f"{API}/operator/appeals/{appeal_id}/notes", headers=operator,
                        json={"text": "Позвонить в отдел образования."}),
            201, "post", "/operator/appeals/{appeal_id}/notes")
    whole = matches(client.get(f"{API}/operator/appeals/{appeal_id}", headers=operator), 200, "get",
                    "/operator/appeals/{appeal_id}")
    assert whole["notes"] and whole["status"] == "disputed"
    for step in ("escalate", "return"):
        matches(client.post(f"{API}/operator/appeals/{appeal_id}/{step}", headers=operator,
                            json={"reason": "решение оператора"}),
                200, "post", f"/operator/appeals/{{appeal_id}}/{step}")
    until = date.fromisoformat(receipt["deadline"]) + timedelta(days=10)
    matches(client.post(f"{API}/operator/appeals/{appeal_id}/extend", headers=operator,
                        json={"until": until.isoformat(), "reason": "нужна экспертиза"}),
            200, "post", "/operator/appeals/{appeal_id}/extend")
    matches(client.get(f"{API}/operator/appeals/{appeal_id}", headers=operator), 200, "get",
            "/operator/appeals/{appeal_id}")
    matches(client.post(f"{API}/operator/deadline-sweep", headers=operator, json={
        "now": datetime.now(ALMATY).isoformat(), "appeal_ids": [appeal_id]}), 200, "post", "/operator/deadline-sweep")


def test_an_appeal_redirected_then_rejected_and_one_closed_are_documented(
        client, sessions, matches, institution, operator):
    redirected = filed(client, matches, institution, location=None, publish_text=False)
    matches(client.post(f"{API}/operator/appeals/{redirected['id']}/redirect", headers=operator,
                        json={"institution_id": add_institution(sessions), "reason": "не та школа"}),
            200, "post", "/operator/appeals/{appeal_id}/redirect")
    matches(client.post(f"{API}/operator/appeals/{redirected['id']}/reject", headers=operator,
                        json={"reason": "duplicate", "comment": "уже есть такое обращение"}),
            200, "post", "/operator/appeals/{appeal_id}/reject")
    matches(client.get(f"{API}/operator/appeals/{redirected['id']}", headers=operator), 200, "get",
            "/operator/appeals/{appeal_id}")

    answered, staff = filed(client, matches, institution), bearer("staff", institution_id=institution)
    assert client.post(f"{API}/staff/appeals/{answered['id']}/start", headers=staff).status_code == 200
    assert client.post(f"{API}/staff/appeals/{answered['id']}/answer", headers=staff,
                       json={"text": "Работы выполнены в срок."}).status_code == 200
    matches(client.post(f"{API}/operator/appeals/{answered['id']}/close", headers=operator,
                        json={"reason": "ответ принят"}),
            200, "post", "/operator/appeals/{appeal_id}/close")


def test_accounts_login_and_the_holiday_calendar_are_documented(client, matches, institution, operator):
    account = matches(client.post(f"{API}/operator/accounts", headers=operator, json={
        "username": f"staff-{uuid.uuid4().hex[:10]}", "role": "staff", "institution_id": institution}),
        201, "post", "/operator/accounts")
    matches(client.post(f"{API}/auth/login", json={"username": account["username"], "password": account["password"]}),
            200, "post", "/auth/login")
    listed = matches(client.get(f"{API}/operator/accounts", headers=operator,
                                query_string={"institution_id": institution}), 200, "get", "/operator/accounts")
    assert [a["id"] for a in listed["items"]] == [account["id"]]
    matches(client.patch(f"{API}/operator/accounts/{account['id']}", headers=operator, json={"active": False}),
            200, "patch", "/operator/accounts/{account_id}")

    matches(client.get(f"{API}/operator/holidays", headers=operator, query_string={"year": 2026}), 200, "get",
            "/operator/holidays")
    day = date(2099, 1, 1) + timedelta(days=uuid.uuid4().int % 365)  # a year no deadline of today reaches
    try:
        matches(client.put(f"{API}/operator/holidays/{day}", headers=operator, json={"name": "test day off"}),
                200, "put", "/operator/holidays/{day}")
    finally:
        assert client.delete(f"{API}/operator/holidays/{day}", headers=operator).status_code == 204
