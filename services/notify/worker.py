"""The notify worker: consumers of appeal and institution events, the delivery loop, the outbox relay."""
from __future__ import annotations

import threading

from services.common import logs, topics
from services.common.consumer import ConsumerRunner
from services.common.db import make_engine, make_session_factory
from services.common.operator import trend_sampler
from services.common.outbox import OutboxRelay
from services.common.settings import Settings, get, get_bool, get_int
from services.common.workers import run_loops

from . import db, events, usecases
from .delivery import DeliveryLoop, marks_engine
from .rendering import Renderer
from .smtp import SmtpSender


def build_loops(settings: Settings) -> dict:
    engine = make_engine(settings.database_url, pool_size=get_int("ASHYQ_NOTIFY_DELIVERY_THREADS") + 3)
    sessions = make_session_factory(engine)
    renderer = Renderer(settings.public_url)
    operator_mailbox = get("ASHYQ_OPERATOR_MAILBOX")
    wake = threading.Event()  # the consumer wakes the senders as soon as it has queued emails

    def on_appeal_event(event: dict) -> None:
        if usecases.on_appeal_event(sessions, renderer, operator_mailbox, event):
            wake.set()

    def on_batch(batch: list[dict]) -> None:
        if usecases.on_batch(sessions, renderer, operator_mailbox, batch):
            wake.set()

    consumer = ConsumerRunner(
        service="notify", group_id=get("ASHYQ_NOTIFY_CONSUMER_GROUP"), bootstrap=settings.kafka_bootstrap,
        topics=[topics.BUDGET_INSTITUTIONS, topics.APPEALS],
        handlers={events.INSTITUTION_UPSERTED: lambda e: usecases.upsert_contact(sessions, e),
                  **{type_: on_appeal_event for type_ in events.APPEAL_EVENTS}},
        ignored_types=events.IGNORED, auto_offset_reset=get("ASHYQ_NOTIFY_OFFSET_RESET"), batch_handler=on_batch,
        max_attempts=get_int("ASHYQ_CONSUMER_MAX_ATTEMPTS"))
    loops = {"consumer": consumer.run}
    threads = get_int("ASHYQ_NOTIFY_DELIVERY_THREADS")
    marks = marks_engine(make_engine(settings.database_url, pool_size=threads))
    for i in range(threads):
        sender = SmtpSender(host=get("ASHYQ_SMTP_HOST"), port=get_int("ASHYQ_SMTP_PORT"), tls=get("ASHYQ_SMTP_TLS"),
                            user=get("ASHYQ_SMTP_USER"), password=get("ASHYQ_SMTP_PASSWORD"),
                            timeout=float(get("ASHYQ_SMTP_TIMEOUT")))
        loops[f"delivery-{i + 1}"] = DeliveryLoop(sessions=sessions, marks=marks, sender=sender,
                                                  mail_from=get("ASHYQ_MAIL_FROM"), wake=wake).run
    if get_bool("ASHYQ_NOTIFY_OUTBOX_RELAY"):
        relay = OutboxRelay.for_service("notify", engine=engine, outbox=db.outbox, bootstrap=settings.kafka_bootstrap)
        loops["outbox-relay"] = relay.run
        loops["operator-trend"] = trend_sampler("notify", engine=engine, redis_url=settings.redis_url,
                                                bootstrap=settings.kafka_bootstrap)
    return loops


def main() -> None:
    settings = Settings.for_service("notify")
    logs.configure("notify-worker", settings.log_level)
    run_loops(build_loops(settings))


if __name__ == "__main__":
    main()
