"""The outbox relay: publishes committed outbox rows to Kafka, in order, and marks them published.

One relay per service database publishes at a time (a PostgreSQL advisory lock), so the order of
rows is the order in the log. Through a broker outage it keeps the rows and retries; nothing is
marked published before Kafka has acknowledged it (acks=all). A crash between the acknowledgement
and the mark can publish a row twice: consumers are idempotent by event id.

An idle relay sleeps on LISTEN: the outbox's statement trigger NOTIFYs at commit (see
`migrations.add_outbox_wake_trigger`), so an event leaves within milliseconds without polling; it still
looks every `poll_seconds` in case an announcement was missed (a reconnect).
"""
from __future__ import annotations

import logging
import threading
import time
import zlib

from sqlalchemy import Table, func, select, text, update
from sqlalchemy.engine import Engine

from . import metrics
from .db import OUTBOX_WAKE_CHANNEL
from .events import encode_event
from .kafka import make_producer
from .settings import get, get_bool

logger = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(self, *, service: str, engine: Engine, outbox: Table, bootstrap: str,
                 poll_seconds: float = 1.0, batch_size: int = 500, listen: bool = True):
        self.service = service
        self.engine = engine
        self.outbox = outbox
        self.bootstrap = bootstrap
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.listen = listen  # off where LISTEN cannot work (PgBouncer's transaction pooling): poll every poll_seconds
        self.lock_id = zlib.crc32(f"ashyq-outbox-{service}".encode())
        self._producer = None
        self._last_gauges = 0.0

    @classmethod
    def for_service(cls, service: str, *, engine: Engine, outbox: Table, bootstrap: str) -> "OutboxRelay":
        """The relay as the environment configures it (ASHYQ_OUTBOX_POLL_SECONDS, ASHYQ_OUTBOX_LISTEN)."""
        return cls(service=service, engine=engine, outbox=outbox, bootstrap=bootstrap,
                   poll_seconds=float(get("ASHYQ_OUTBOX_POLL_SECONDS")), listen=get_bool("ASHYQ_OUTBOX_LISTEN"))

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                # Autocommit: the lock is the session's; an open transaction here would pin the database's
                # xmin for as long as the relay runs, so vacuum could never clear the published outbox rows.
                with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as lock_conn:
                    if not lock_conn.execute(text("select pg_try_advisory_lock(:id)"), {"id": self.lock_id}).scalar():
                        stop.wait(1.0)  # another relay of this service is the publisher
                        continue
                    try:
                        listener = None
                        if self.listen:
                            lock_conn.execute(text(f"LISTEN {OUTBOX_WAKE_CHANNEL}"))  # before the first look
                            listener = lock_conn.connection.driver_connection
                        self._publish_until(stop, listener)
                    finally:
                        lock_conn.execute(text("UNLISTEN *"))  # the pooled connection goes back quiet
                        lock_conn.execute(text("select pg_advisory_unlock(:id)"), {"id": self.lock_id})
            except Exception as exc:
                logger.warning("outbox relay paused: %s: %s", type(exc).__name__, exc)
                self._drop_producer()
                stop.wait(1.0)
        self._drop_producer()

    def _publish_until(self, stop: threading.Event, listener) -> None:
        while not stop.is_set():
            self._update_gauges()
            if self.publish_batch() == 0:
                self._wait_for_rows(listener, stop)

    def _wait_for_rows(self, listener, stop: threading.Event) -> None:
        """Until a transaction that wrote outbox rows commits (its trigger's NOTIFY) or `poll_seconds` pass.
        Announcements that came meanwhile are taken together: one look at the table serves them all."""
        if listener is None:
            stop.wait(self.poll_seconds)
            return
        for _ in listener.notifies(timeout=self.poll_seconds, stop_after=1):
            pass
        for _ in listener.notifies(timeout=0):
            pass

    def publish_batch(self) -> int:
        """Publish the oldest unpublished rows; returns how many were published."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(self.outbox.c.id, self.outbox.c.topic, self.outbox.c.key,
                                       self.outbox.c.type, self.outbox.c.payload)
                                .where(self.outbox.c.published_at.is_(None))
                                .order_by(self.outbox.c.id).limit(self.batch_size)).all()
        if not rows:
            return 0
        producer = self._get_producer()
        futures = [producer.send(row.topic, key=row.key.encode(), value=encode_event(row.payload),
                                 headers=[("ce_type", row.type.encode()), ("ce_id", row.payload["id"].encode())])
                   for row in rows]
        producer.flush(timeout=40)
        published, error = [], None
        for row, future in zip(rows, futures):
            try:
                future.get(timeout=0)
            except Exception as exc:
                error = exc
                break  # keep order: nothing after a failed row is marked
            published.append(row)
        self._mark_published(published, rows[len(published)] if error else None, error)
        for row in published:
            metrics.EVENTS_PUBLISHED.labels(self.service, row.type).inc()
        if error:
            raise error
        return len(published)

    def _mark_published(self, published, failed_row, error) -> None:
        with self.engine.begin() as conn:
            if published:
                conn.execute(update(self.outbox).where(self.outbox.c.id.in_([r.id for r in published]))
                             .values(published_at=func.now(), attempts=self.outbox.c.attempts + 1))
            if failed_row is not None:
                conn.execute(update(self.outbox).where(self.outbox.c.id == failed_row.id)
                             .values(attempts=self.outbox.c.attempts + 1, last_error=str(error)[:1000]))

    def _update_gauges(self) -> None:
        now = time.monotonic()
        if now - self._last_gauges < 1.0:
            return
        self._last_gauges = now
        stats = outbox_stats(self.engine, self.outbox)
        metrics.OUTBOX_BACKLOG.labels(self.service).set(stats["backlog"])
        metrics.OUTBOX_OLDEST_AGE.labels(self.service).set(stats["oldest_age_seconds"])

    def _get_producer(self):
        if self._producer is None:
            self._producer = make_producer(self.bootstrap, f"{self.service}-outbox-relay")
        return self._producer

    def _drop_producer(self) -> None:
        if self._producer is not None:
            try:
                self._producer.close(timeout=2)
            except Exception:  # closing a broken producer may fail; a new one is made next time
                pass
            self._producer = None


def outbox_stats(engine: Engine, outbox: Table) -> dict:
    """Backlog and age of the oldest unpublished row, for operator summaries."""
    with engine.connect() as conn:
        backlog, oldest = conn.execute(
            select(func.count(), func.extract("epoch", func.now() - func.min(outbox.c.created_at)))
            .where(outbox.c.published_at.is_(None))).one()
    return {"backlog": backlog, "oldest_age_seconds": float(oldest or 0)}
