"""Bad events on the topics notify reads (the shared notify worker on the real Kafka): an unknown type or a
record that is not a CloudEvent is dead-lettered with its reason, and the partition moves on."""
import uuid

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from services.common.events import make_event
from services.common.topics import APPEALS, dlq
from tests.support.polling import wait_for
from tests.support.stack import KAFKA, mailpit_messages, publish

from .conftest import submit


def dead_letters_reader() -> KafkaConsumer:
    consumer = KafkaConsumer(bootstrap_servers=KAFKA.split(","), enable_auto_commit=False)
    partitions = [TopicPartition(dlq(APPEALS), p) for p in consumer.partitions_for_topic(dlq(APPEALS))]
    consumer.assign(partitions)
    consumer.seek_to_end(*partitions)
    for tp in partitions:
        consumer.position(tp)
    return consumer


def notify_dead_letters(consumer: KafkaConsumer, key: str) -> list[dict]:
    found = []
    for records in consumer.poll(timeout_ms=500).values():
        for r in records:
            headers = {k: v.decode() for k, v in r.headers}
            if r.key == key.encode() and headers.get("x-consumer-group") == "notify":
                found.append(headers)
    return found


def test_unknown_and_malformed_events_are_dead_lettered_and_do_not_block_the_appeal_behind_them():
    reader = dead_letters_reader()
    appeal_id = str(uuid.uuid4())
    weird = make_event(type="kz.ashyq.appeals.appeal_teleported.v1", source="/ashyq/appeals", subject=appeal_id,
                       data={"appeal_id": appeal_id})
    publish(APPEALS, appeal_id, weird)
    producer = KafkaProducer(bootstrap_servers=KAFKA.split(","), acks="all")
    producer.send(APPEALS, key=appeal_id.encode(), value=b"{not json").get(timeout=30)
    producer.close()
    behind = submit({"id": f"unknown-{uuid.uuid4()}"}, appeal_id=appeal_id)  # same key: same partition, after them

    letters = []
    wait_for(lambda: letters.extend(notify_dead_letters(reader, appeal_id)) or len(letters) >= 2, timeout=30,
             what="notify's two dead letters")
    reasons = sorted(h["x-error"] for h in letters)
    assert reasons[0].startswith("invalid event: not JSON")
    assert reasons[1] == "unknown event type kz.ashyq.appeals.appeal_teleported.v1"
    assert all(h["x-original-topic"] == APPEALS for h in letters)
    reader.close()

    confirmation = wait_for(lambda: mailpit_messages(behind["applicant"]["email"]), what="the appeal behind them")
    assert behind["ticket"] in confirmation[0]["Subject"]
