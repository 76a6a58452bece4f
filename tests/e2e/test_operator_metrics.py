"""The metrics operators scrape through nginx change when the thing they count happens."""
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from services.common.topics import BUDGET_INSTITUTIONS
from tests.integration.operator.operator_scenarios import failed_institution_notification
from tests.support.auth import bearer
from tests.support.polling import wait_for
from tests.support.stack import BASE_URL, institution_event, publish


def scrape(service: str) -> dict:
    """{(sample name, frozenset(labels)): value} of one service's /metrics (all its processes)."""
    response = requests.get(f"{BASE_URL}/api/{service}/metrics", timeout=10)
    assert response.status_code == 200
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    """Sum of the samples of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


def names(samples: dict) -> set[str]:
    return {n for n, _ in samples}


def test_http_requests_and_latency_count_each_request_by_route_and_status():
    route = "/api/notify/v1/operator/summary"
    before = scrape("notify")
    for _ in range(3):
        assert requests.get(f"{BASE_URL}{route}", headers=bearer("operator"), timeout=10).status_code == 200
    assert requests.get(f"{BASE_URL}{route}", timeout=10).status_code == 401
    after = scrape("notify")
    ok = dict(name="ashyq_http_requests_total", service="notify", route=route, method="GET")
    assert value(after, **ok, status="200") - value(before, **ok, status="200") >= 3
    assert value(after, **ok, status="401") - value(before, **ok, status="401") >= 1
    latency = dict(name="ashyq_http_request_seconds_count", service="notify", route=route)
    assert value(after, **latency) - value(before, **latency) >= 4


def test_events_consumed_published_and_email_outcomes_are_counted():
    before = scrape("notify")
    event = institution_event()
    publish(BUDGET_INSTITUTIONS, event["data"]["id"], event)
    consumed = dict(name="ashyq_events_consumed_total", service="notify", type=event["type"], outcome="ok")
    wait_for(lambda: value(scrape("notify"), **consumed) > value(before, **consumed), timeout=20, interval=0.5,
             what="notify's consumed-events counter to grow")

    failed_institution_notification()  # notify publishes notification_failed through its outbox
    published = dict(name="ashyq_events_published_total", service="notify",
                     type="kz.ashyq.notify.notification_failed.v1")
    wait_for(lambda: value(scrape("notify"), **published) > value(before, **published), timeout=20, interval=0.5,
             what="notify's published-events counter to grow")
    after = scrape("notify")
    if "ashyq_emails_total" not in names(after):
        pytest.skip("notify does not call metrics.count_email yet (emails sent/failed)")
    assert value(after, "ashyq_emails_total", outcome="failed") > value(before, "ashyq_emails_total",
                                                                         outcome="failed")


def test_pipeline_gauges_are_exported_for_each_running_service():
    for service in ("appeals", "notify"):
        samples = scrape(service)
        assert {"ashyq_outbox_backlog", "ashyq_outbox_oldest_age_seconds", "ashyq_consumer_lag"} <= names(samples)
        assert value(samples, "ashyq_outbox_oldest_age_seconds", service=service) >= 0


def test_appeal_counts_are_exported_by_appeals():
    samples = scrape("appeals")
    if "ashyq_appeals" not in names(samples):
        pytest.skip("appeals does not call metrics.set_appeal_counts yet (appeals by status, overdue, due soon)")
    assert {"ashyq_appeals_overdue", "ashyq_appeals_due_soon"} <= names(samples)
