"""The appeals part of the operators' dashboard summary, and the gauges behind the alerts."""
from __future__ import annotations

from tests.support.auth import bearer
from tests.support.stack import sample_appeal


def test_the_summary_counts_todays_appeals_and_lists_deadlines(client, institution):
    before = client.get("/api/appeals/v1/operator/summary", headers=bearer("operator")).json["sections"]["appeals"]
    assert client.post("/api/appeals/v1/appeals", json=sample_appeal(institution)).status_code == 201
    after = client.get("/api/appeals/v1/operator/summary", headers=bearer("operator")).json["sections"]["appeals"]
    assert set(after) == {"today", "week", "overdue", "due_soon"}
    assert set(after["today"]) == {"by_status", "by_district", "by_category"}
    assert after["week"]["by_category"].get("work_not_done", 0) > before["week"]["by_category"].get("work_not_done", 0)
    for item in after["overdue"] + after["due_soon"]:
        assert {"id", "ticket", "institution_name", "deadline"} <= set(item)
        assert "applicant_email" not in item


def test_the_summary_is_for_operators_only(client, institution):
    assert client.get("/api/appeals/v1/operator/summary",
                      headers=bearer("staff", institution_id=institution)).status_code == 403
