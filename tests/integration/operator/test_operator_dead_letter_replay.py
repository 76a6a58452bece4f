"""A real consumer group fails on an event, dead-letters it, and an operator replays it — once.

The consumer runner, Kafka, Redis and PostgreSQL are real; the consumer group is this test's own, so
no service sees its dead letters, and the operator API is the chassis blueprint in a test app.
"""
import threading
import uuid
from types import SimpleNamespace

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata
from prometheus_client import REGISTRY
from redis import Redis

from services.common import auth
from services.common.consumer import ConsumerRunner
from services.common.db import make_engine
from services.common.operator import operator_blueprint
from services.common.settings import Settings
from services.common.topics import BUDGET_INSTITUTIONS, dlq
from services.common.web import add_readiness_check, create_service_app
from tests.support.auth import bearer
from tests.support.polling import wait_for
from tests.support.stack import KAFKA, institution_event, publish

INSTITUTION_UPSERTED = "kz.ashyq.budget.institution_upserted.v1"


def start_group_at_end(group: str, topic: str) -> None:
    """Commit the group's offsets at the end of the topic, so it reads only what this test publishes."""
    consumer = KafkaConsumer(bootstrap_servers=KAFKA.split(","), group_id=group, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(partitions)
        ends = consumer.end_offsets(partitions)
        consumer.commit({tp: OffsetAndMetadata(ends[tp], None, -1) for tp in partitions})
    finally:
        consumer.close()


@pytest.fixture
def drill():
    """A consumer group whose handler rejects one chosen event until the drill is told to accept it."""
    group = f"operator-drill-{uuid.uuid4().hex[:8]}"
    start_group_at_end(group, BUDGET_INSTITUTIONS)
    target = institution_event()
    calls = {"failed": 0, "succeeded": 0}
    accept = threading.Event()

    def handle(event):
        if event["id"] != target["id"]:
            return
        if not accept.is_set():
            calls["failed"] += 1
            raise ValueError("contact list rejected by the drill")
        calls["succeeded"] += 1

    runner = ConsumerRunner(service="opdrill", group_id=group, topics=[BUDGET_INSTITUTIONS],
                            handlers={INSTITUTION_UPSERTED: handle}, bootstrap=KAFKA, max_attempts=2,
                            backoff_seconds=0.05)
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,), daemon=True)
    thread.start()
    yield SimpleNamespace(group=group, target=target, calls=calls, accept=accept)
    stop.set()
    thread.join(timeout=15)


@pytest.fixture
def client(drill):
    settings = Settings.for_service("notify")
    app, smorest = create_service_app(settings, title="operator drill")
    auth.install(app, settings.jwt_public_key_file, settings.jwt_issuer)
    context = SimpleNamespace(settings=settings, engine=make_engine(settings.database_url),
                              redis=Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2))
    add_readiness_check(app, "redis", context.redis.ping)
    smorest.register_blueprint(operator_blueprint("opdrill", context, groups=[drill.group]))
    return app.test_client()


def dead_letter_of(client, event_id: str):
    response = client.get("/api/opdrill/v1/operator/dead-letters", headers=bearer("operator"))
    assert response.status_code == 200, response.text
    return next((d for d in response.json["dead_letters"] if d["event_id"] == event_id), None)


def test_a_dead_lettered_event_is_listed_with_its_error_and_replayed_once(drill, client):
    dead_before = REGISTRY.get_sample_value("ashyq_dead_letters_total",
                                            {"service": "opdrill", "topic": dlq(BUDGET_INSTITUTIONS)}) or 0
    publish(BUDGET_INSTITUTIONS, drill.target["data"]["id"], drill.target)

    letter = wait_for(lambda: dead_letter_of(client, drill.target["id"]), timeout=30, interval=0.5,
                      what="the event in the dead-letter topic")
    assert letter["topic"] == dlq(BUDGET_INSTITUTIONS)
    assert letter["original_topic"] == BUDGET_INSTITUTIONS
    assert letter["consumer_group"] == drill.group
    assert "ValueError: contact list rejected by the drill" in letter["error"]
    assert letter["failed_at"] and letter["attempts"] == 2 and letter["replayed_at"] is None
    assert REGISTRY.get_sample_value("ashyq_dead_letters_total",
                                     {"service": "opdrill", "topic": dlq(BUDGET_INSTITUTIONS)}) == dead_before + 1

    replay_url = (f"/api/opdrill/v1/operator/dead-letters/{letter['topic']}/{letter['partition']}/"
                  f"{letter['offset']}/replay")
    drill.accept.set()  # the cause is fixed; the replay must now go through
    replayed = client.post(replay_url, headers=bearer("operator"))
    assert replayed.status_code == 202, replayed.text
    assert replayed.json["replayed_to"]["topic"] == BUDGET_INSTITUTIONS

    wait_for(lambda: drill.calls["succeeded"] == 1, timeout=30, what="the replayed event to be handled")
    again = client.post(replay_url, headers=bearer("operator"))
    assert again.status_code == 409
    assert again.json["replayed_at"]
    assert dead_letter_of(client, drill.target["id"])["replayed_at"]
    assert drill.calls == {"failed": 2, "succeeded": 1}


def test_the_summary_shows_checks_pipeline_dead_letters_and_trend(drill, client):
    publish(BUDGET_INSTITUTIONS, drill.target["data"]["id"], drill.target)
    wait_for(lambda: dead_letter_of(client, drill.target["id"]), timeout=30, interval=0.5,
             what="the event in the dead-letter topic")

    response = client.get("/api/opdrill/v1/operator/summary", headers=bearer("operator"))
    assert response.status_code == 200, response.text
    summary = response.json
    assert summary["status"] == "ready"
    assert summary["checks"]["redis"]["status"] == "ok" and summary["checks"]["redis"]["checked_at"]
    assert set(summary["outbox"]) == {"backlog", "oldest_age_seconds"}
    lag_rows = [r for r in summary["consumer_lag"]["partitions"] if r["group"] == drill.group]
    assert {r["topic"] for r in lag_rows} == {BUDGET_INSTITUTIONS} and all(r["lag"] >= 0 for r in lag_rows)
    assert summary["dead_letters"]["by_topic"] == {dlq(BUDGET_INSTITUTIONS): 1}
    assert summary["trend"]["interval_seconds"] == 15
    assert set(summary["trend"]["points"][-1]) == {"t", "outbox_backlog", "outbox_oldest_age_seconds",
                                                   "consumer_lag", "dead_letters"}


def test_only_operators_see_the_operator_api(client):
    assert client.get("/api/opdrill/v1/operator/summary").status_code == 401
    staff = bearer("staff", institution_id="x")
    assert client.get("/api/opdrill/v1/operator/summary", headers=staff).status_code == 403
    assert client.post("/api/opdrill/v1/operator/dead-letters/budget.institutions.dlq/0/0/replay",
                       headers=staff).status_code == 403


def test_replaying_what_is_not_a_dead_letter_of_this_service_is_404(client):
    operator = bearer("operator")
    assert client.post("/api/opdrill/v1/operator/dead-letters/appeals.appeals/0/0/replay",
                       headers=operator).status_code == 404
    assert client.post("/api/opdrill/v1/operator/dead-letters/appeals.appeals.dlq/0/999999999/replay",
                       headers=operator).status_code == 404
    assert client.get("/api/opdrill/v1/operator/dead-letters?limit=0", headers=operator).status_code == 422
    assert client.get("/api/opdrill/v1/operator/dead-letters?bogus=1", headers=operator).status_code == 422
