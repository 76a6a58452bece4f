"""The appeals worker: the outbox relay and the consumers of other services' events."""
from __future__ import annotations

from services.common import logs, topics
from services.common.consumer import ConsumerRunner
from services.common.db import make_engine, make_session_factory
from services.common.outbox import OutboxRelay
from services.common.settings import Settings, get, get_int
from services.common.workers import run_loops

from . import db, events, usecases


def build_loops(settings: Settings) -> dict:
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    relay = OutboxRelay(service="appeals", engine=engine, outbox=db.outbox, bootstrap=settings.kafka_bootstrap,
                        poll_seconds=float(get("ASHYQ_OUTBOX_POLL_SECONDS")))
    consumer = ConsumerRunner(
        service="appeals", group_id="appeals", bootstrap=settings.kafka_bootstrap,
        topics=[topics.BUDGET_INSTITUTIONS, topics.NOTIFICATIONS],
        handlers={
            events.INSTITUTION_UPSERTED: lambda e: usecases.upsert_institution(sessions, e),
            events.NOTIFICATION_SENT: lambda e: usecases.on_notification_sent(sessions, e),
        },
        ignored_types=(events.NOTIFICATION_FAILED,),
        max_attempts=get_int("ASHYQ_CONSUMER_MAX_ATTEMPTS"))
    return {"outbox-relay": relay.run, "consumer": consumer.run}


def main() -> None:
    settings = Settings.for_service("appeals")
    logs.configure("appeals-worker", settings.log_level)
    run_loops(build_loops(settings))


if __name__ == "__main__":
    main()
