"""The notify worker: consumers of appeal and institution events, the delivery loop, the outbox relay."""
from __future__ import annotations

from services.common import logs, topics
from services.common.consumer import ConsumerRunner
from services.common.db import make_engine, make_session_factory
from services.common.outbox import OutboxRelay
from services.common.settings import Settings, get, get_int
from services.common.workers import run_loops

from . import db, events, usecases
from .delivery import DeliveryLoop
from .rendering import Renderer
from .smtp import SmtpSender


def build_loops(settings: Settings) -> dict:
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    renderer = Renderer(settings.public_url)
    relay = OutboxRelay(service="notify", engine=engine, outbox=db.outbox, bootstrap=settings.kafka_bootstrap,
                        poll_seconds=float(get("ASHYQ_OUTBOX_POLL_SECONDS")))
    consumer = ConsumerRunner(
        service="notify", group_id="notify", bootstrap=settings.kafka_bootstrap,
        topics=[topics.BUDGET_INSTITUTIONS, topics.APPEALS],
        handlers={
            events.INSTITUTION_UPSERTED: lambda e: usecases.upsert_contact(sessions, e),
            events.APPEAL_SUBMITTED: lambda e: usecases.on_appeal_submitted(sessions, renderer, e),
        },
        ignored_types=(events.APPEAL_STATUS_CHANGED,),
        max_attempts=get_int("ASHYQ_CONSUMER_MAX_ATTEMPTS"))
    sender = SmtpSender(host=get("ASHYQ_SMTP_HOST"), port=get_int("ASHYQ_SMTP_PORT"), tls=get("ASHYQ_SMTP_TLS"),
                        user=get("ASHYQ_SMTP_USER"), password=get("ASHYQ_SMTP_PASSWORD"),
                        timeout=float(get("ASHYQ_SMTP_TIMEOUT")))
    delivery = DeliveryLoop(sessions=sessions, sender=sender, mail_from=get("ASHYQ_MAIL_FROM"))
    return {"outbox-relay": relay.run, "consumer": consumer.run, "delivery": delivery.run}


def main() -> None:
    settings = Settings.for_service("notify")
    logs.configure("notify-worker", settings.log_level)
    run_loops(build_loops(settings))


if __name__ == "__main__":
    main()
