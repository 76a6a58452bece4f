"""Staff see their institution's appeals most urgent first, and the pages are pages of that order."""
from __future__ import annotations

from datetime import datetime, timedelta

from services.appeals import db, workflow
from services.appeals.workflow import ALMATY
from tests.support.auth import bearer
from tests.support.stack import sample_appeal

LIST = "/api/appeals/v1/staff/appeals"


def appeal_with(client, sessions, institution, *, status: str, days_left: int) -> str:
    receipt = client.post("/api/appeals/v1/appeals", json=sample_appeal(institution)).json
    today = workflow.almaty_day(datetime.now(ALMATY))
    with sessions() as session, session.begin():
        session.execute(db.appeals.update().where(db.appeals.c.id == receipt["id"])
                        .values(status=status, deadline=today + timedelta(days=days_left)))
    return receipt["ticket"]


def test_late_appeals_come_first_then_the_rest_awaiting_the_institution_then_answered_and_finished(
        client, sessions, institution):
    later = appeal_with(client, sessions, institution, status="delivered", days_left=10)
    past_deadline = appeal_with(client, sessions, institution, status="delivered", days_left=-1)
    overdue = appeal_with(client, sessions, institution, status="overdue", days_left=-5)
    answered = appeal_with(client, sessions, institution, status="answered", days_left=-20)
    closed = appeal_with(client, sessions, institution, status="closed", days_left=-30)
    sooner = appeal_with(client, sessions, institution, status="in_progress", days_left=2)
    staff = bearer("staff", institution_id=institution)

    whole = client.get(LIST, query_string={"limit": 50}, headers=staff).json
    assert [a["ticket"] for a in whole["items"]] == [overdue, past_deadline, sooner, later, closed, answered]

    second_page = client.get(LIST, query_string={"limit": 2, "offset": 2}, headers=staff).json
    assert second_page["total"] == 6
    assert [a["ticket"] for a in second_page["items"]] == [sooner, later]
