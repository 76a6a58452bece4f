"""The operator API's answers are the ones the OpenAPI document describes, in every service.

The summary, the dead-letter list and a replay are plain dicts (their schemas are documentation only), so
each is held against the document its app serves: every service's own summary and list as they are now,
a dead letter of this test's own consumer group listed and replayed, and a summary whose Kafka is down
(its parts then are {error, checked_at}, documented as the other branch of a oneOf)."""
import socket
import uuid
from types import SimpleNamespace

import pytest
from redis import Redis

from services.common import auth
from services.common.db import make_engine
from services.common.operator import operator_blueprint
from services.common.settings import Settings
from services.common.topics import BUDGET_INSTITUTIONS
from services.common.web import add_readiness_check, create_service_app
from tests.support.auth import bearer
from tests.support.openapi import ServedDocument
from tests.support.stack import institution_event

from .operator_scenarios import force_dead_letter

SERVICES = ("budget", "appeals", "media", "notify")


def service_app(service: str):
    module = __import__(f"services.{service}.app", fromlist=["create_app"])
    return module.create_app()


def operator_app(service: str, group: str, **settings):
    """The operator blueprint alone, as `service`, for one consumer group of this test's own."""
    settings = Settings.for_service("notify", **settings)
    app, smorest = create_service_app(settings, title="operator documentation")
    auth.install(app, settings.jwt_public_key_file, settings.jwt_issuer)
    context = SimpleNamespace(settings=settings, engine=make_engine(settings.database_url),
                              redis=Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2))
    add_readiness_check(app, "redis", context.redis.ping)
    smorest.register_blueprint(operator_blueprint(service, context, groups=[group]))
    return app


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("service", SERVICES)
def test_every_services_summary_and_dead_letters_are_documented(service):
    client = service_app(service).test_client()
    document = ServedDocument(client, service)
    operator = bearer("operator")

    summary = document.body(client.get(f"/api/{service}/v1/operator/summary", headers=operator),
                            200, "GET", "/operator/summary")
    assert summary["service"] == service and summary["checks"] and "points" in summary["trend"]
    letters = document.body(client.get(f"/api/{service}/v1/operator/dead-letters", headers=operator,
                                       query_string={"limit": 50}), 200, "GET", "/operator/dead-letters")
    assert letters["service"] == service and service in letters["groups"]


def test_a_dead_letter_listed_and_replayed_is_documented():
    group = f"operator-doc-{uuid.uuid4().hex[:8]}"
    client = operator_app("opdoc", group).test_client()
    document = ServedDocument(client, "notify", api="/api/opdoc/v1")
    at = force_dead_letter(institution_event(), topic=BUDGET_INSTITUTIONS, group=group, error="rejected by the test")

    listed = document.body(client.get("/api/opdoc/v1/operator/dead-letters", headers=bearer("operator")),
                           200, "GET", "/operator/dead-letters")
    assert [(d["topic"], d["partition"], d["offset"], d["replayed_at"]) for d in listed["dead_letters"]] == [
        (at["topic"], at["partition"], at["offset"], None)]
    replay = client.post(f"/api/opdoc/v1/operator/dead-letters/{at['topic']}/{at['partition']}/{at['offset']}/replay",
                         headers=bearer("operator"))
    replayed = document.body(replay, 202, "POST", "/operator/dead-letters/{topic}/{partition}/{offset}/replay")
    assert replayed["dead_letter"]["replayed_at"] and replayed["replayed_to"]["topic"] == BUDGET_INSTITUTIONS


def test_a_summary_whose_kafka_is_down_is_documented_part_by_part():
    client = operator_app("opdoc", "nobody", kafka_bootstrap=f"127.0.0.1:{closed_port()}").test_client()
    document = ServedDocument(client, "notify", api="/api/opdoc/v1")

    summary = document.body(client.get("/api/opdoc/v1/operator/summary", headers=bearer("operator")),
                            200, "GET", "/operator/summary")
    assert set(summary["consumer_lag"]) == set(summary["dead_letters"]) == {"error", "checked_at"}
    assert "backlog" in summary["outbox"]
