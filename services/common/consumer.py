"""The consumer runner: a consumer group reading CloudEvents, one handler per event type.

- Offsets are committed by hand, after the handler's effect is committed.
- Handlers are idempotent (they record the event id with their effect), so a redelivery is harmless.
- A component being down (database, SMTP...) is waited out: retried with backoff, never dead-lettered.
- Anything else a handler raises is retried a bounded number of times, then the record and its
  error go to `<topic>.dlq` and the partition moves on.
- Optionally, a `batch_handler` takes all the records of one partition from one poll in one go (one
  transaction, one offset commit: far fewer fsyncs and round trips under load). If the batch holds
  anything it cannot take (an invalid or unknown event) or it raises, the records are handled one by
  one as above — so dead-lettering and waiting out outages work exactly the same.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone
from typing import Callable

from kafka import KafkaConsumer
from kafka.structs import OffsetAndMetadata

from . import metrics
from .errors import unavailable_dependency
from .events import InvalidEvent, parse_event
from .kafka import make_producer
from .logs import request_id_var
from .topics import dlq

logger = logging.getLogger(__name__)

Handler = Callable[[dict], None]


class ConsumerRunner:
    def __init__(self, *, service: str, group_id: str, topics: list[str], handlers: dict[str, Handler],
                 bootstrap: str, ignored_types: tuple[str, ...] = (), max_attempts: int = 5,
                 backoff_seconds: float = 0.2, parse: Callable[[bytes], dict] = parse_event,
                 auto_offset_reset: str = "earliest", batch_handler: Callable[[list[dict]], None] | None = None):
        self.service = service
        self.group_id = group_id
        self.topics = topics
        self.handlers = handlers
        self.bootstrap = bootstrap
        self.ignored_types = ignored_types
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.parse = parse
        self.auto_offset_reset = auto_offset_reset
        self.batch_handler = batch_handler
        self._dlq_producer = None
        self._last_lag = 0.0
        self._last_progress = time.monotonic()

    def seconds_since_progress(self) -> float:
        """How long since a poll returned or a retry ticked: the worker's watchdog reads it."""
        return time.monotonic() - self._last_progress

    def run(self, stop: threading.Event) -> None:
        consumer = KafkaConsumer(
            *self.topics, bootstrap_servers=self.bootstrap.split(","), group_id=self.group_id,
            client_id=f"{self.service}-{self.group_id}", enable_auto_commit=False,
            auto_offset_reset=self.auto_offset_reset, max_poll_records=100, session_timeout_ms=10_000,
            heartbeat_interval_ms=3_000, reconnect_backoff_max_ms=2_000,
            # Also the group's rebalance timeout: after a broker restart the group waits at most this long
            # for members to rejoin (Kafka's 5-minute default stalled every consumer for 5 minutes).
            max_poll_interval_ms=30_000)
        try:
            while not stop.is_set():
                batch = consumer.poll(timeout_ms=1000)  # returns as soon as records arrive; a long wait spares CPU
                self._last_progress = time.monotonic()
                for partition, records in batch.items():
                    if stop.is_set():
                        return
                    if self.batch_handler is not None and len(records) > 1 and self.handle_batch(records):
                        consumer.commit({partition: OffsetAndMetadata(records[-1].offset + 1, None, -1)})
                        continue
                    for record in records:
                        if stop.is_set():
                            return  # uncommitted records are redelivered to whoever takes the partition
                        self.handle_record(record, stop)
                        consumer.commit({partition: OffsetAndMetadata(record.offset + 1, None, -1)})
                self._report_lag(consumer)
        finally:
            consumer.close(autocommit=False)
            if self._dlq_producer is not None:
                self._dlq_producer.close(timeout=2)

    def handle_batch(self, records) -> bool:
        """True when the batch handler took every record; False to fall back to one by one."""
        events, ignored = [], []
        for record in records:
            try:
                event = self.parse(record.value)
            except InvalidEvent:
                return False
            if event["type"] in self.handlers:
                events.append(event)
            elif event["type"] in self.ignored_types:
                ignored.append(event["type"])
            else:
                return False
        try:
            if events:
                self.batch_handler(events)
        except Exception as exc:
            logger.warning("batch of %d events failed (%s: %s): handling them one by one",
                           len(events), type(exc).__name__, exc)
            return False
        for event in events:
            metrics.EVENTS_CONSUMED.labels(self.service, self.group_id, event["type"], "ok").inc()
        for type_ in ignored:
            metrics.EVENTS_CONSUMED.labels(self.service, self.group_id, type_, "ignored").inc()
        return True

    def handle_record(self, record, stop: threading.Event) -> None:
        try:
            event = self.parse(record.value)
        except InvalidEvent as exc:
            self._dead_letter(record, f"invalid event: {exc}", attempts=0)
            return
        request_id_var.set(event.get("requestid"))
        handler = self.handlers.get(event["type"])
        if handler is None:
            if event["type"] in self.ignored_types:
                metrics.EVENTS_CONSUMED.labels(self.service, self.group_id, event["type"], "ignored").inc()
            else:
                self._dead_letter(record, f"unknown event type {event['type']}", attempts=0)
            return
        self._handle_with_retries(handler, event, record, stop)

    def _handle_with_retries(self, handler: Handler, event: dict, record, stop: threading.Event) -> None:
        attempt, delay = 0, self.backoff_seconds
        while not stop.is_set():
            self._last_progress = time.monotonic()
            try:
                handler(event)
                metrics.EVENTS_CONSUMED.labels(self.service, self.group_id, event["type"], "ok").inc()
                return
            except Exception as exc:
                dependency = unavailable_dependency(exc)
                if dependency is None:
                    attempt += 1
                    if attempt >= self.max_attempts:
                        logger.exception("event %s failed %d times: dead-lettered", event["id"], attempt)
                        self._dead_letter(record, f"{type(exc).__name__}: {exc}", attempts=attempt)
                        return
                    logger.warning("event %s failed (attempt %d): %s", event["id"], attempt, exc)
                else:
                    logger.warning("event %s waits for %s: %s", event["id"], dependency, type(exc).__name__)
                stop.wait(delay)
                delay = min(delay * 2, 5.0)

    def _dead_letter(self, record, error: str, *, attempts: int) -> None:
        if self._dlq_producer is None:
            self._dlq_producer = make_producer(self.bootstrap, f"{self.service}-dlq")
        headers = [
            ("x-error", error[:2000].encode()),
            ("x-original-topic", record.topic.encode()),
            ("x-original-partition", str(record.partition).encode()),
            ("x-original-offset", str(record.offset).encode()),
            ("x-consumer-group", self.group_id.encode()),
            ("x-attempts", str(attempts).encode()),
            ("x-failed-at", datetime.now(timezone.utc).isoformat().encode()),
        ]
        self._dlq_producer.send(dlq(record.topic), key=record.key, value=record.value, headers=headers).get(timeout=30)
        metrics.DEAD_LETTERS.labels(self.service, dlq(record.topic)).inc()
        metrics.EVENTS_CONSUMED.labels(self.service, self.group_id, "?", "dead_lettered").inc()
        logger.warning("dead-lettered %s[%d]@%d: %s", record.topic, record.partition, record.offset, error)

    def _report_lag(self, consumer: KafkaConsumer) -> None:
        now = time.monotonic()
        if now - self._last_lag < 5.0:
            return
        self._last_lag = now
        assigned = list(consumer.assignment())
        if not assigned:
            return
        try:
            ends = consumer.end_offsets(assigned)
        except Exception:  # lag is a metric; never let it stop consumption
            return
        for tp in assigned:
            lag = max(0, ends.get(tp, 0) - consumer.position(tp))
            metrics.CONSUMER_LAG.labels(self.service, self.group_id, tp.topic, str(tp.partition)).set(lag)


def decode_headers(headers) -> dict:
    return {key: value.decode(errors="replace") for key, value in (headers or [])}

