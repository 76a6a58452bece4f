"""Reading a service's dead letters and replaying one of them, for operators.

A dead letter is a record the consumer runner copied to `<topic>.dlq` with headers telling why and
where from (x-error, x-original-topic/partition/offset, x-consumer-group, x-failed-at). Reading uses a
consumer with assign+seek (no group, so nothing is committed and no group rebalances).
A replay republishes the original record to its original topic once: the dead letter's coordinates
are claimed in Redis with SET NX before publishing, so a second replay is refused with 409.
"""
from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Iterator

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaConnectionError

from .consumer import decode_headers
from .errors import Problem
from .kafka import broker_reachable, make_producer
from .topics import TOPICS, dlq

DLQ_TOPICS = tuple(dlq(t) for t in TOPICS)
REPLAYED_KEY = "ashyq:dlq-replayed:{topic}:{partition}:{offset}"


@dataclass
class DeadLetter:
    topic: str
    partition: int
    offset: int
    key: str | None
    error: str
    original_topic: str
    original_partition: int | None
    original_offset: int | None
    consumer_group: str
    failed_at: str | None
    attempts: int | None
    event_id: str | None
    event_type: str | None
    replayed_at: str | None = None

    @classmethod
    def from_record(cls, record) -> "DeadLetter":
        headers = decode_headers(record.headers)
        event_id, event_type = _event_identity(record.value)
        return cls(topic=record.topic, partition=record.partition, offset=record.offset,
                   key=record.key.decode(errors="replace") if record.key else None,
                   error=headers.get("x-error", ""), original_topic=headers.get("x-original-topic", ""),
                   original_partition=_int(headers.get("x-original-partition")),
                   original_offset=_int(headers.get("x-original-offset")),
                   consumer_group=headers.get("x-consumer-group", ""), failed_at=headers.get("x-failed-at"),
                   attempts=_int(headers.get("x-attempts")), event_id=event_id, event_type=event_type)

    def as_dict(self) -> dict:
        return asdict(self)


class OperatorKafka:
    """The Kafka clients operator reads use: a group-less consumer (offsets, assign+seek reads) and an admin
    client, kept for the life of the process. Building them per request cost ~100 ms of metadata round trips
    per dashboard refresh. kafka-python's clients are not thread-safe: one request uses them at a time. After
    any error they are closed and built afresh by the next request (a broker restart costs one rebuild)."""

    def __init__(self, bootstrap: str):
        self.bootstrap = bootstrap
        self._lock = threading.Lock()
        self._reader: KafkaConsumer | None = None
        self._admin: KafkaAdminClient | None = None

    @contextmanager
    def clients(self, wait_seconds: float = 10.0) -> Iterator[tuple[KafkaConsumer, KafkaAdminClient]]:
        """(reader, admin), after a quick check that a broker answers at all (so a dead one fails fast)."""
        try:
            broker_reachable(self.bootstrap)
        except ConnectionError as exc:
            raise KafkaConnectionError(str(exc)) from exc  # answered as "Kafka unavailable" (503)
        if not self._lock.acquire(timeout=wait_seconds):
            raise TimeoutError("Kafka clients busy with another operator request")
        try:
            if self._reader is None:
                self._reader = KafkaConsumer(
                    bootstrap_servers=self.bootstrap.split(","), group_id=None, enable_auto_commit=False,
                    client_id="ashyq-operator-reader", request_timeout_ms=5_000, consumer_timeout_ms=1_000,
                    max_poll_records=500)
                self._admin = KafkaAdminClient(bootstrap_servers=self.bootstrap.split(","),
                                               client_id="ashyq-operator-admin", request_timeout_ms=5_000)
            yield self._reader, self._admin
        except Problem:
            raise  # the client's mistake (404, 409): the clients are fine
        except BaseException:
            self._close()
            raise
        finally:
            self._lock.release()

    def _close(self) -> None:
        for client in (self._reader, self._admin):
            try:
                if client is not None:
                    client.close()
            except Exception:  # a broken client may fail to close; it is dropped either way
                pass
        self._reader = self._admin = None


def read_dead_letters(reader: KafkaConsumer, groups: list[str], *, per_partition: int = 200,
                      timeout: float = 4.0) -> list[DeadLetter]:
    """The last `per_partition` records of every DLQ partition that belong to one of `groups`, newest first."""
    partitions = [TopicPartition(t, p) for t in DLQ_TOPICS for p in (reader.partitions_for_topic(t) or ())]
    if not partitions:
        return []
    reader.assign(partitions)
    begins, ends = reader.beginning_offsets(partitions), reader.end_offsets(partitions)
    pending = {tp for tp in partitions if ends[tp] > begins[tp]}
    for tp in partitions:
        reader.seek(tp, max(begins[tp], ends[tp] - per_partition))
    letters: list[DeadLetter] = []
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for tp, records in reader.poll(timeout_ms=200).items():
            for record in records:
                if record.offset < ends[tp]:
                    letter = DeadLetter.from_record(record)
                    if letter.consumer_group in groups:
                        letters.append(letter)
        pending = {tp for tp in pending if reader.position(tp) < ends[tp]}
    letters.sort(key=lambda d: d.failed_at or "", reverse=True)
    return letters


def mark_replayed(redis, letters: list[DeadLetter]) -> None:
    """Fill in when each letter was replayed (None: not yet)."""
    if not letters:
        return
    stamps = redis.mget([_replayed_key(d.topic, d.partition, d.offset) for d in letters])
    for letter, stamp in zip(letters, stamps):
        letter.replayed_at = stamp.decode() if stamp else None


def count_by_topic(letters: list[DeadLetter]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for letter in letters:
        counts[letter.topic] = counts.get(letter.topic, 0) + 1
    return counts


def fetch_dead_letter(reader: KafkaConsumer, topic: str, partition: int, offset: int,
                      timeout: float = 5.0) -> tuple[DeadLetter, object]:
    """The dead letter at these coordinates and its raw record, or 404."""
    if topic not in DLQ_TOPICS or partition not in (reader.partitions_for_topic(topic) or ()):
        raise Problem(404, "no such dead-letter topic or partition")
    tp = TopicPartition(topic, partition)
    reader.assign([tp])
    if not reader.beginning_offsets([tp])[tp] <= offset < reader.end_offsets([tp])[tp]:
        raise Problem(404, "no dead letter at this offset")
    reader.seek(tp, offset)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for record in reader.poll(timeout_ms=200).get(tp, []):
            if record.offset == offset:
                return DeadLetter.from_record(record), record
    raise TimeoutError(f"dead letter {topic}/{partition}/{offset} could not be read in {timeout}s")


def replay(reader: KafkaConsumer, redis, bootstrap: str, groups: list[str], topic: str, partition: int,
           offset: int) -> dict:
    """Republish the dead letter's original record to its original topic, once (409 the second time)."""
    letter, record = fetch_dead_letter(reader, topic, partition, offset)
    if letter.consumer_group not in groups or letter.original_topic not in TOPICS:
        raise Problem(404, "this dead letter does not belong to this service")
    key = _replayed_key(topic, partition, offset)
    now = datetime.now(timezone.utc).isoformat()
    if not redis.set(key, now, nx=True):
        raise Problem(409, {"kk": "Бұл оқиға бұрын қайта жіберілген", "ru": "Это событие уже отправлено повторно",
                            "en": "this dead letter was already replayed"},
                      replayed_at=(redis.get(key) or b"").decode())
    producer = None
    try:
        producer = make_producer(bootstrap, "ashyq-operator-replay")
        metadata = producer.send(letter.original_topic, key=record.key, value=record.value,
                                 headers=[("x-replayed-from", f"{topic}/{partition}/{offset}".encode())]
                                 ).get(timeout=30)
    except Exception:
        redis.delete(key)  # nothing was published: the operator may try again
        raise
    finally:
        if producer is not None:
            producer.close(timeout=2)
    letter.replayed_at = now
    return {"dead_letter": letter.as_dict(),
            "replayed_to": {"topic": metadata.topic, "partition": metadata.partition, "offset": metadata.offset}}


def consumer_lag(admin: KafkaAdminClient, reader: KafkaConsumer, groups: list[str]) -> list[dict]:
    """Committed offset, end offset and lag of every partition each group has committed on."""
    committed = admin.list_group_offsets({group: None for group in groups})
    rows = []
    for group in groups:
        offsets = committed.get(group) or {}
        for topic in {tp.topic for tp in offsets}:
            reader.partitions_for_topic(topic)  # end_offsets needs the topic's metadata
        ends = reader.end_offsets(list(offsets)) if offsets else {}
        for tp, meta in sorted(offsets.items(), key=lambda item: (item[0].topic, item[0].partition)):
            position = max(meta.offset, 0)
            rows.append({"group": group, "topic": tp.topic, "partition": tp.partition, "committed": meta.offset,
                         "end": ends.get(tp, 0), "lag": max(0, ends.get(tp, 0) - position)})
    return rows


def _replayed_key(topic: str, partition: int, offset: int) -> str:
    return REPLAYED_KEY.format(topic=topic, partition=partition, offset=offset)


def _event_identity(value: bytes | None) -> tuple[str | None, str | None]:
    try:
        event = json.loads(value or b"")
        return (str(event.get("id")), str(event.get("type"))) if isinstance(event, dict) else (None, None)
    except ValueError:
        return None, None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
