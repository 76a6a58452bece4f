"""The appeals worker: the outbox relay, the consumers of other services' events, and the deadline loop."""
from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Callable

from services.common import logs, metrics, topics
from services.common.consumer import ConsumerRunner
from services.common.db import make_engine, make_session_factory
from services.common.operator import trend_sampler
from services.common.outbox import OutboxRelay
from services.common.settings import Settings, get_int
from services.common.workers import run_loops

from . import db, events, queries, usecases, workflow

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 60.0


def deadline_loop(sessions, clock: Callable[[], datetime], every: float = SWEEP_SECONDS):
    """Reminders, overdue appeals and undisputed answers, once a minute (the clock is injectable)."""
    def run(stop: threading.Event) -> None:
        while not stop.is_set():
            now = clock()
            counts = workflow.deadline_sweep(sessions, now=now)
            if any(counts.values()):
                logs.log(logger, logging.INFO, "deadline sweep", **counts)
            with sessions() as session:
                holidays = usecases.holiday_calendar(session)
            metrics.set_appeal_counts(*queries.appeal_gauges(sessions, now, holidays))
            stop.wait(every)
    return run


def build_loops(settings: Settings, clock: Callable[[], datetime] = workflow.utcnow) -> dict:
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    relay = OutboxRelay.for_service("appeals", engine=engine, outbox=db.outbox, bootstrap=settings.kafka_bootstrap)
    consumer = ConsumerRunner(
        service="appeals", group_id="appeals", bootstrap=settings.kafka_bootstrap,
        topics=[topics.BUDGET_INSTITUTIONS, topics.NOTIFICATIONS, topics.MEDIA],
        handlers={
            events.INSTITUTION_UPSERTED: lambda e: usecases.upsert_institution(sessions, e),
            events.NOTIFICATION_SENT: lambda e: usecases.on_notification_sent(sessions, e),
            events.MEDIA_STORED: lambda e: usecases.on_media_stored(sessions, e),
            events.MEDIA_REJECTED: lambda e: usecases.on_media_rejected(sessions, e),
        },
        ignored_types=(events.NOTIFICATION_FAILED,),
        max_attempts=get_int("ASHYQ_CONSUMER_MAX_ATTEMPTS"))
    return {"outbox-relay": relay.run, "consumer": consumer.run, "deadlines": deadline_loop(sessions, clock),
            "operator-trend": trend_sampler("appeals", engine=engine, redis_url=settings.redis_url,
                                            bootstrap=settings.kafka_bootstrap)}


def main() -> None:
    settings = Settings.for_service("appeals")
    logs.configure("appeals-worker", settings.log_level)
    run_loops(build_loops(settings))


if __name__ == "__main__":
    main()
