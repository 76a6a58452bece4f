"""The media worker: outbox relay, renderers of public copies, MinIO's upload notifications, appeals' events,
and the cleanup loop."""
from __future__ import annotations

import logging
import os
import threading

from services.common import logs, topics
from services.common.consumer import ConsumerRunner
from services.common.db import make_engine, make_session_factory
from services.common.outbox import OutboxRelay
from services.common.settings import Settings, get, get_int
from services.common.operator import trend_sampler
from services.common.workers import run_loops

from . import db, events, usecases
from .context import MediaContext, build_context

logger = logging.getLogger(__name__)
RENDER_NICENESS = 10


def cleanup_loop(ctx: MediaContext, interval: float):
    def run(stop: threading.Event) -> None:
        swept_up_to = ""  # the orphan sweep walks the originals bucket a page per round
        while not stop.wait(interval):
            try:
                usecases.clean_up(ctx)
                swept_up_to, _ = usecases.sweep_orphaned_originals(ctx, after=swept_up_to)
            except Exception as exc:  # MinIO or the database away: try again next round
                logger.warning("cleanup paused: %s: %s", type(exc).__name__, exc)
    return run


def render_loop(ctx: MediaContext):
    def run(stop: threading.Event) -> None:
        # Rendering is background work: uploads being answered (and everything else) go first. On Linux the
        # nice value is per thread, and the ffmpeg it starts inherits it.
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), RENDER_NICENESS)
        except OSError:
            pass
        while not stop.is_set():
            try:
                if not usecases.render_next(ctx):
                    stop.wait(0.2)
            except Exception as exc:  # MinIO or the database away: the row was released, try again soon
                logger.warning("rendering paused: %s: %s", type(exc).__name__, exc)
                stop.wait(1.0)
    return run


def build_loops(settings: Settings) -> dict:
    engine = make_engine(settings.database_url)
    ctx = build_context(make_session_factory(engine))
    relay = OutboxRelay.for_service("media", engine=engine, outbox=db.outbox, bootstrap=settings.kafka_bootstrap)
    appeals = ConsumerRunner(
        service="media", group_id="media", bootstrap=settings.kafka_bootstrap, topics=[topics.APPEALS],
        handlers={events.APPEAL_SUBMITTED: lambda e: usecases.attach_from_appeal(ctx, e),
                  events.APPEAL_ANSWERED: lambda e: usecases.attach_from_appeal(ctx, e)},
        ignored_types=events.APPEAL_IGNORED, max_attempts=get_int("ASHYQ_CONSUMER_MAX_ATTEMPTS"))
    # MinIO's notifications are not CloudEvents: a parser of their own turns them into the runner's shape.
    uploads = ConsumerRunner(
        service="media", group_id="media-uploads", bootstrap=settings.kafka_bootstrap,
        topics=[topics.MINIO_EVENTS], parse=events.parse_record,
        handlers={events.MINIO_OBJECT_CREATED: lambda e: usecases.on_minio_event(ctx, e)},
        ignored_types=(events.MINIO_OTHER,), max_attempts=get_int("ASHYQ_CONSUMER_MAX_ATTEMPTS"))
    return {"outbox-relay": relay.run, "appeals-consumer": appeals.run, "upload-consumer": uploads.run,
            "cleanup": cleanup_loop(ctx, float(get("ASHYQ_MEDIA_CLEANUP_SECONDS"))),
            # Two renderers: Pillow and ffmpeg work outside the GIL, so two photos render at once.
            "renderer-1": render_loop(ctx), "renderer-2": render_loop(ctx),
            "operator-trend": trend_sampler("media", engine=engine, redis_url=settings.redis_url,
                                            bootstrap=settings.kafka_bootstrap, groups=["media", "media-uploads"])}


def main() -> None:
    settings = Settings.for_service("media")
    logs.configure("media-worker", settings.log_level)
    run_loops(build_loops(settings))


if __name__ == "__main__":
    main()
