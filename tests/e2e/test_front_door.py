"""nginx on :8080 is the one front door: every service answers through it, errors are JSON."""
import pytest
import requests

from tests.support.stack import BASE_URL

SERVICES = ("budget", "appeals", "media", "notify")


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_is_ready_through_nginx(service):
    response = requests.get(f"{BASE_URL}/api/{service}/readyz", timeout=5)
    assert response.status_code == 200, response.text
    assert response.json()["service"] == service


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_publishes_its_openapi(service):
    spec = requests.get(f"{BASE_URL}/api/{service}/openapi.json", timeout=5).json()
    assert spec["openapi"].startswith("3.")
    assert any(path.startswith(f"/api/{service}/v1/") for path in spec["paths"])


@pytest.mark.parametrize("service", SERVICES)
def test_an_unknown_route_is_a_problem_json_404(service):
    response = requests.get(f"{BASE_URL}/api/{service}/v1/no-such-thing", timeout=5)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_a_body_over_nginx_limit_is_a_problem_json_413():
    response = requests.post(f"{BASE_URL}/api/appeals/v1/appeals", data=b"{" + b" " * (2 * 1024 * 1024),
                             headers={"Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 413
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == 413


def test_every_response_carries_a_request_id():
    response = requests.get(f"{BASE_URL}/api/budget/healthz", headers={"X-Request-Id": "trace-me-1"}, timeout=5)
    assert response.headers["X-Request-Id"] == "trace-me-1"
