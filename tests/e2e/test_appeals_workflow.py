"""The appeal's life on the real stack, through nginx: every path the law gives it, end to end."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import requests

from services.appeals.workflow import ALMATY
from tests.integration.appeals.appeals_stack import (API, AppealEvents, known_institution, staff_headers,
                                                     stored_media, submit, track, wait_status)
from tests.support.auth import bearer
from tests.support.polling import wait_for
from tests.support.stack import BASE_URL, sample_appeal

OPERATOR = bearer("operator")


def delivered_appeal(institution: dict, **overrides) -> tuple[dict, dict]:
    """Submitted and delivered (the institution's email went out): (body, receipt)."""
    body = sample_appeal(institution["id"], **overrides)
    response = submit(body)
    assert response.status_code == 201, response.text
    receipt = response.json()
    wait_status(receipt["ticket"], receipt["token"], "delivered")
    return body, receipt


def post(path: str, headers: dict, json: dict | None = None) -> requests.Response:
    return requests.post(f"{API}{path}", json=json or {}, headers=headers, timeout=10)


def test_photos_reach_the_institution_its_answer_reaches_the_citizen_and_no_email_leaks():
    institution = known_institution()
    photos, answer_photo = stored_media(2), stored_media(1)
    body, receipt = delivered_appeal(institution, media_ids=photos)
    email, phone = body["applicant"]["email"], "+7 701 555 12 34"
    staff = staff_headers(institution["id"])

    listed = requests.get(f"{API}/staff/appeals", headers=staff, timeout=10).json()
    assert [a["ticket"] for a in listed["items"]] == [receipt["ticket"]]
    detail = requests.get(f"{API}/staff/appeals/{receipt['id']}", headers=staff, timeout=10).json()
    assert detail["media_ids"] == photos and detail["applicant_name"] == body["applicant"]["name"]
    assert post(f"/staff/appeals/{receipt['id']}/start", staff).json()["status"] == "in_progress"
    answered = post(f"/staff/appeals/{receipt['id']}/answer", staff,
                    {"text": "Ремонт крыши завершён 20 ноября, акт приёмки приложен.", "media_ids": answer_photo})
    assert answered.status_code == 200, answered.text

    view = track(receipt["ticket"], receipt["token"])
    assert view["status"] == "answered"
    assert view["answer"]["text"].startswith("Ремонт крыши завершён") and view["answer"]["media_ids"] == answer_photo
    assert [h["to_status"] for h in view["history"]] == ["submitted", "delivered", "in_progress", "answered"]
    public = requests.get(f"{API}/institutions/{institution['id']}/appeals", timeout=10).json()
    assert public["items"][0]["answers"][0]["text"] == view["answer"]["text"]
    counts = requests.get(f"{API}/appeal-counts", params={"institution_id": institution["id"]}, timeout=10).json()
    assert counts["items"] == [{"institution_id": institution["id"], "total": 1, "open": 1, "answered": 1,
                                "overdue": 0}]
    open311 = requests.get(f"{BASE_URL}/open311/v2/requests/{receipt['ticket']}.json", timeout=10).json()
    for response_text in (str(view), str(public), str(listed), str(detail), str(open311),
                          requests.get(f"{API}/staff/appeals/{receipt['id']}", headers=staff, timeout=10).text):
        assert email not in response_text and phone not in response_text
        assert "applicant_email" not in response_text and "applicant_phone" not in response_text
    assert body["applicant"]["name"] not in str(view) + str(public) + str(open311)


def test_a_misrouted_appeal_is_redirected_and_the_new_institution_takes_it():
    first, competent = known_institution(), known_institution()
    _, receipt = delivered_appeal(first)
    first_staff, competent_staff = staff_headers(first["id"]), staff_headers(competent["id"])

    moved = post(f"/operator/appeals/{receipt['id']}/redirect", OPERATOR,
                 {"institution_id": competent["id"], "reason": "Крыша относится к отделу образования района"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["timely"] is True

    view = track(receipt["ticket"], receipt["token"])
    assert view["status"] == "redirected" and view["institution_id"] == competent["id"]
    assert view["history"][-1]["reason"] == "Крыша относится к отделу образования района"
    assert requests.get(f"{API}/staff/appeals/{receipt['id']}", headers=first_staff, timeout=10).status_code == 404
    assert post(f"/staff/appeals/{receipt['id']}/start", first_staff).status_code == 404
    assert [a["id"] for a in requests.get(f"{API}/staff/appeals", headers=competent_staff,
                                          timeout=10).json()["items"]] == [receipt["id"]]
    assert post(f"/staff/appeals/{receipt['id']}/start", competent_staff).json()["status"] == "in_progress"


def test_an_extension_is_granted_once_and_the_citizen_sees_the_new_deadline():
    institution = known_institution()
    _, receipt = delivered_appeal(institution)
    deadline = date.fromisoformat(receipt["deadline"])
    too_far = post(f"/operator/appeals/{receipt['id']}/extend", OPERATOR,
                   {"until": (deadline + timedelta(days=70)).isoformat(), "reason": "Нужна экспертиза"})
    assert too_far.status_code == 422

    until = (deadline + timedelta(days=30)).isoformat()
    extended = post(f"/operator/appeals/{receipt['id']}/extend", OPERATOR,
                    {"until": until, "reason": "Нужна строительная экспертиза"})
    assert extended.status_code == 200, extended.text
    view = track(receipt["ticket"], receipt["token"])
    assert (view["status"], view["deadline"], view["extended"]) == ("extended", until, True)

    staff = staff_headers(institution["id"])
    assert post(f"/staff/appeals/{receipt['id']}/start", staff).status_code == 200
    again = post(f"/operator/appeals/{receipt['id']}/extend", OPERATOR,
                 {"until": until, "reason": "Ещё раз"})
    assert again.status_code == 409
    assert "only once" in again.json()["detail"] or "бір" in again.json()["detail"]


def test_an_overdue_appeal_is_published_once_and_escalated():
    institution = known_institution()
    _, receipt = delivered_appeal(institution)
    events = AppealEvents()
    try:
        after_deadline = datetime.combine(date.fromisoformat(receipt["deadline"]) + timedelta(days=1), time(9),
                                          ALMATY).isoformat()
        sweep = {"now": after_deadline, "appeal_ids": [receipt["id"]]}
        assert post("/operator/deadline-sweep", OPERATOR, sweep).json()["overdue"] == 1
        assert post("/operator/deadline-sweep", OPERATOR, sweep).json()["overdue"] == 0
        overdue = events.wait_for_type(receipt["id"], "appeal_overdue")
        assert overdue[0]["data"] == {"appeal_id": receipt["id"], "ticket": receipt["ticket"],
                                      "institution_id": institution["id"], "deadline": receipt["deadline"]}
        assert track(receipt["ticket"], receipt["token"])["status"] == "overdue"
        listed = requests.get(f"{API}/operator/appeals", headers=OPERATOR, timeout=10,
                              params={"overdue": "true", "institution_id": institution["id"]}).json()
        assert [a["id"] for a in listed["items"]] == [receipt["id"]]

        escalated = post(f"/operator/appeals/{receipt['id']}/escalate", OPERATOR,
                         {"reason": "Передано в департамент по противодействию коррупции"})
        assert escalated.json()["status"] == "escalated"
        wait_for(lambda: any(e["data"].get("to_status") == "escalated" for e in events.of(receipt["id"])),
                 what="the escalation event")
        changes = [e for e in events.of(receipt["id"]) if e["type"].endswith("appeal_status_changed.v1")]
        assert ["overdue", "escalated"] == [e["data"]["to_status"] for e in changes][-2:]
        assert {e["data"]["actor"] for e in changes} <= {"system", "operator"}
        assert len([e for e in events.of(receipt["id"]) if e["type"].endswith("appeal_overdue.v1")]) == 1
    finally:
        events.close()


def test_a_citizen_disputes_the_answer_and_an_operator_sends_it_back():
    institution = known_institution()
    _, receipt = delivered_appeal(institution)
    staff = staff_headers(institution["id"])
    post(f"/staff/appeals/{receipt['id']}/answer", staff, {"text": "Работы выполнены в полном объёме."})

    wrong = post(f"/appeals/{receipt['ticket']}/dispute", {}, {"token": "x" * 32, "reason": "Это неправда, крыша течёт"})
    assert wrong.status_code == 403
    disputed = post(f"/appeals/{receipt['ticket']}/dispute", {},
                    {"token": receipt["token"], "reason": "Это неправда, крыша течёт"})
    assert disputed.status_code == 200 and disputed.json()["status"] == "disputed"
    detail = requests.get(f"{API}/operator/appeals/{receipt['id']}", headers=OPERATOR, timeout=10).json()
    assert detail["allowed_transitions"] == ["closed", "escalated", "in_progress"]

    post(f"/operator/appeals/{receipt['id']}/notes", OPERATOR, {"text": "Проверить на месте"})
    assert post(f"/operator/appeals/{receipt['id']}/return", OPERATOR,
                {"reason": "Ответ не подтверждён"}).json()["status"] == "in_progress"
    post(f"/staff/appeals/{receipt['id']}/answer", staff, {"text": "Кровля перекрыта повторно, фото приложены."})
    view = track(receipt["ticket"], receipt["token"])
    assert view["status"] == "answered" and len(view["answers"]) == 2
    assert "Проверить на месте" not in str(view)  # internal notes stay internal


def test_an_illegal_transition_is_a_409_naming_the_allowed_ones():
    institution = known_institution()
    _, receipt = delivered_appeal(institution)
    post(f"/operator/appeals/{receipt['id']}/reject", OPERATOR, {"reason": "duplicate"})
    response = post(f"/operator/appeals/{receipt['id']}/escalate", OPERATOR, {"reason": "why not"})
    assert response.status_code == 409
    assert response.json()["current_status"] == "rejected" and response.json()["allowed_transitions"] == []
