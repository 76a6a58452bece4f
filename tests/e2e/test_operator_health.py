"""The operator summary through nginx tells the truth about components: Redis stopped turns red, then green."""
import requests

from tests.support.auth import bearer
from tests.support.components import stopped
from tests.support.polling import wait_for
from tests.support.stack import BASE_URL


def summary_of(service: str = "notify"):
    response = requests.get(f"{BASE_URL}/api/{service}/v1/operator/summary", headers=bearer("operator"), timeout=10)
    assert response.status_code == 200, response.text  # the summary answers even while a component is down
    return response.json()


def test_stopping_redis_turns_its_check_red_within_15_seconds_and_green_after_restart():
    assert summary_of()["checks"]["redis"]["status"] == "ok"
    with stopped("redis"):
        down = wait_for(lambda: (s := summary_of()) and s["checks"]["redis"]["status"] == "down" and s,
                        timeout=15, interval=0.5, what="the redis check to turn red")
        assert down["status"] in ("degraded", "unready")  # Redis is optional for notify, required for appeals
        assert down["checks"]["redis"]["error"] and down["checks"]["redis"]["checked_at"]
        assert "error" in down["trend"]  # the trend lives in Redis: that part says so, the rest answers
        assert down["checks"]["postgresql"]["status"] == "ok" and "backlog" in down["outbox"]
    up = wait_for(lambda: (s := summary_of()) and s["checks"]["redis"]["status"] == "ok" and s,
                  timeout=15, interval=0.5, what="the redis check to turn green again")
    assert up["status"] in ("ready", "degraded")


def test_every_service_with_an_operator_api_answers_its_summary():
    for service in ("appeals", "notify"):
        summary = summary_of(service)
        assert summary["service"] == service
        assert {"checks", "outbox", "consumer_lag", "dead_letters", "trend", "sections"} <= set(summary)
        assert all(c["checked_at"] for c in summary["checks"].values())
