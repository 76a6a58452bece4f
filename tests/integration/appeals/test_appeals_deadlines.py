"""The deadline loop with an injected clock: a reminder 3 working days before, overdue once, answers closing."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from services.appeals import db, workflow
from services.appeals.domain import deadlines
from services.appeals.workflow import ALMATY
from tests.support.auth import bearer
from tests.support.stack import sample_appeal

URL = "/api/appeals/v1/appeals"


def at(day, hour=10) -> datetime:
    return datetime.combine(day, time(hour), ALMATY)


def events_of(sessions, appeal_id: str) -> list[dict]:
    with sessions() as session:
        return list(session.scalars(select(db.outbox.c.payload).where(db.outbox.c.key == appeal_id)
                                    .order_by(db.outbox.c.id)))


def holidays(sessions):
    with sessions() as session:
        return set(session.scalars(select(db.holidays.c.day)))


def submitted(client, institution) -> dict:
    response = client.post(URL, json=sample_appeal(institution))
    assert response.status_code == 201
    return response.json


def test_a_reminder_then_overdue_each_published_once(client, sessions, institution):
    receipt = submitted(client, institution)
    deadline = datetime.fromisoformat(receipt["deadline"]).date()
    reminder_day = deadlines.reminder_date(deadline, holidays(sessions))
    ids = [receipt["id"]]

    assert workflow.deadline_sweep(sessions, now=at(reminder_day - timedelta(days=1)), appeal_ids=ids)["reminded"] == 0
    assert workflow.deadline_sweep(sessions, now=at(reminder_day), appeal_ids=ids)["reminded"] == 1
    assert workflow.deadline_sweep(sessions, now=at(reminder_day), appeal_ids=ids)["reminded"] == 0
    assert workflow.deadline_sweep(sessions, now=at(deadline, 23), appeal_ids=ids)["overdue"] == 0
    assert workflow.deadline_sweep(sessions, now=at(deadline + timedelta(days=1)), appeal_ids=ids)["overdue"] == 1
    assert workflow.deadline_sweep(sessions, now=at(deadline + timedelta(days=2)), appeal_ids=ids)["overdue"] == 0

    types = [e["type"].split(".")[3] for e in events_of(sessions, receipt["id"])]
    assert types.count("appeal_deadline_approaching") == 1
    assert types.count("appeal_overdue") == 1
    overdue = [e for e in events_of(sessions, receipt["id"]) if e["type"].endswith("appeal_overdue.v1")][0]
    assert overdue["data"] == {"appeal_id": receipt["id"], "ticket": receipt["ticket"],
                               "institution_id": institution, "deadline": receipt["deadline"]}


def test_only_appeal_submitted_carries_personal_data(client, sessions, institution):
    body = sample_appeal(institution)
    receipt = client.post(URL, json=body).json
    operator = bearer("operator")
    client.post(f"/api/appeals/v1/operator/appeals/{receipt['id']}/reject", json={"reason": "duplicate"},
                headers=operator)
    published = events_of(sessions, receipt["id"])
    assert [e["type"].split(".")[3] for e in published] == ["appeal_submitted", "appeal_status_changed"]
    for event in published[1:]:
        text = str(event)
        assert body["applicant"]["email"] not in text and body["applicant"]["name"] not in text
    assert published[1]["data"]["actor"] == "operator"


def answered(client, sessions, institution, clock, moment: datetime) -> dict:
    """An answered appeal; dates in the future keep the real worker's loop away from it."""
    clock.moment = moment
    receipt = submitted(client, institution)
    with sessions() as session, session.begin():
        session.execute(db.appeals.update().where(db.appeals.c.id == receipt["id"]).values(status="delivered"))
    staff = bearer("staff", institution_id=institution)
    response = client.post(f"/api/appeals/v1/staff/appeals/{receipt['id']}/answer",
                           json={"text": "Ремонт выполнен, акт приёмки приложен."}, headers=staff)
    assert response.status_code == 200, response.json
    return receipt


def test_a_dispute_after_ten_working_days_is_refused(client, sessions, institution, clock):
    receipt = answered(client, sessions, institution, clock, at(datetime(2027, 11, 1).date()))
    clock.moment = at(datetime(2027, 11, 16).date())
    response = client.post(f"/api/appeals/v1/appeals/{receipt['ticket']}/dispute",
                           json={"token": receipt["token"], "reason": "Ничего не сделано до сих пор."})
    assert response.status_code == 409
    assert response.json["allowed_transitions"] == ["closed", "disputed"]


def test_an_undisputed_answer_closes_after_ten_working_days(client, sessions, institution, clock):
    receipt = answered(client, sessions, institution, clock, at(datetime(2027, 11, 1).date()))
    ids = [receipt["id"]]
    assert workflow.deadline_sweep(sessions, now=at(datetime(2027, 11, 15).date()), appeal_ids=ids)["closed"] == 0
    assert workflow.deadline_sweep(sessions, now=at(datetime(2027, 11, 16).date()), appeal_ids=ids)["closed"] == 1
    with sessions() as session:
        assert session.scalar(select(db.appeals.c.status).where(db.appeals.c.id == receipt["id"])) == "closed"


def test_operators_edit_the_holiday_calendar_and_new_deadlines_follow_it(client, sessions, institution, clock):
    clock.moment = at(datetime(2031, 6, 2).date())  # a Monday in a year with no seeded holidays
    before = submitted(client, institution)["deadline"]
    operator = bearer("operator")
    assert client.put("/api/appeals/v1/operator/holidays/2031-06-03", json={"name": "test day off"},
                      headers=operator).status_code == 200
    try:
        after = submitted(client, institution)["deadline"]
        assert after > before
        listed = client.get("/api/appeals/v1/operator/holidays?year=2031", headers=operator).json["items"]
        assert {"day": "2031-06-03", "name": "test day off"} in listed
    finally:
        assert client.delete("/api/appeals/v1/operator/holidays/2031-06-03", headers=operator).status_code == 204
