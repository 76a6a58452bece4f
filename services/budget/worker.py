"""The budget worker: the outbox relay, and the consumer of appeal events (appeal counts per institution) and
media events (the SHA-256 of documents' files)."""
from __future__ import annotations

from services.common import logs, topics
from services.common.consumer import ConsumerRunner
from services.common.db import make_engine, make_session_factory
from services.common.outbox import OutboxRelay
from services.common.settings import Settings, get_int
from services.common.operator import trend_sampler
from services.common.workers import run_loops

from . import config, db, events, usecases
from .cache import Cache


class AppealHandlers(dict):
    """Handlers of the appeals topic: appeal_submitted counts; every other appeals event type, present or
    future, is ignored rather than dead-lettered (budget needs only the count)."""

    def get(self, event_type, default=None):
        handler = super().get(event_type)
        if handler is None and event_type.startswith(events.APPEALS_PREFIX):
            return lambda event: None
        return handler if handler is not None else default


def build_loops(settings: Settings) -> dict:
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    cache = Cache.from_url(settings.redis_url, config.cache_seconds())

    def on_media_stored(event: dict) -> None:
        institution_ids = usecases.on_media_stored(sessions, event)
        if institution_ids:
            cache.invalidate(institution_ids=institution_ids)

    def on_appeal_submitted(event: dict) -> None:
        institution_id = usecases.on_appeal_submitted(sessions, event)
        if institution_id:
            cache.invalidate(institution_ids=[institution_id], all_maps=True)

    relay = OutboxRelay.for_service("budget", engine=engine, outbox=db.outbox, bootstrap=settings.kafka_bootstrap)
    consumer = ConsumerRunner(
        service="budget", group_id="budget", bootstrap=settings.kafka_bootstrap,
        topics=[topics.APPEALS, topics.MEDIA],
        handlers=AppealHandlers({events.APPEAL_SUBMITTED: on_appeal_submitted, events.MEDIA_STORED: on_media_stored}),
        ignored_types=(events.MEDIA_REJECTED,),
        max_attempts=get_int("ASHYQ_CONSUMER_MAX_ATTEMPTS"))
    return {"outbox-relay": relay.run, "consumer": consumer.run,
            "operator-trend": trend_sampler("budget", engine=engine, redis_url=settings.redis_url,
                                            bootstrap=settings.kafka_bootstrap)}


def main() -> None:
    settings = Settings.for_service("budget")
    logs.configure("budget-worker", settings.log_level)
    run_loops(build_loops(settings))


if __name__ == "__main__":
    main()
