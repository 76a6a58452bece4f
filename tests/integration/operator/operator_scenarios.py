"""Building blocks shared by the operator tests: a dead letter forced into a DLQ topic, a failed notification."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import requests
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from services.common.events import make_event
from services.common.topics import APPEALS, BUDGET_INSTITUTIONS, dlq
from tests.support.auth import bearer
from tests.support.polling import wait_for
from tests.support.stack import BASE_URL, KAFKA, institution_event, publish


def force_dead_letter(event: dict, *, topic: str, group: str, error: str) -> dict:
    """Put `event` into `<topic>.dlq` exactly as the consumer runner does after its last failed attempt."""
    producer = KafkaProducer(bootstrap_servers=KAFKA.split(","), acks="all")
    try:
        headers = [("x-error", error.encode()), ("x-original-topic", topic.encode()),
                   ("x-original-partition", b"0"), ("x-original-offset", b"0"),
                   ("x-consumer-group", group.encode()), ("x-attempts", b"5"),
                   ("x-failed-at", datetime.now(timezone.utc).isoformat().encode())]
        meta = producer.send(dlq(topic), key=event["subject"].encode(), value=json.dumps(event).encode(),
                             headers=headers).get(timeout=30)
    finally:
        producer.close()
    return {"topic": meta.topic, "partition": meta.partition, "offset": meta.offset}


def records_with_header(topic: str, partition: int, from_offset: int, name: str, value: str) -> list:
    """Records of one partition from `from_offset` to its end carrying header `name` = `value`."""
    reader = KafkaConsumer(bootstrap_servers=KAFKA.split(","), group_id=None, enable_auto_commit=False)
    try:
        tp = TopicPartition(topic, partition)
        reader.assign([tp])
        end = reader.end_offsets([tp])[tp]
        reader.seek(tp, from_offset)
        found = []
        while reader.position(tp) < end:
            for record in reader.poll(timeout_ms=500).get(tp, []):
                if (name, value.encode()) in (record.headers or []):
                    found.append(record)
        return found
    finally:
        reader.close()


def committed_offset(group: str, topic: str, partition: int) -> int:
    reader = KafkaConsumer(bootstrap_servers=KAFKA.split(","), group_id=group, enable_auto_commit=False)
    try:
        return reader.committed(TopicPartition(topic, partition)) or 0
    finally:
        reader.close()


def appeal_submitted_event(institution_id: str) -> dict:
    appeal_id = str(uuid.uuid4())
    ticket = f"AKM-OP-{uuid.uuid4().hex[:6].upper()}"
    data = {"appeal_id": appeal_id, "ticket": ticket, "institution_id": institution_id,
            "category": "work_not_done", "description": "Крыша спортзала не отремонтирована.",
            "media_ids": [], "language": "ru", "deadline": "2026-12-28",
            "tracking_url": f"{BASE_URL}/track/{ticket}",
            "applicant": {"name": "Айгерим Сапарова", "email": f"citizen-{uuid.uuid4().hex[:10]}@mail.kz"}}
    return make_event(type="kz.ashyq.appeals.appeal_submitted.v1", source="/ashyq/appeals", subject=appeal_id,
                      data=data)


def failed_institution_notification() -> dict:
    """A real delivery failure: the institution's only address is refused by SMTP (553), so notify gives up."""
    institution = institution_event(contact_emails=["not-an-address"])
    publish(BUDGET_INSTITUTIONS, institution["data"]["id"], institution)
    appeal = appeal_submitted_event(institution["data"]["id"])
    publish(APPEALS, appeal["data"]["appeal_id"], appeal)

    def failed():
        response = requests.get(f"{BASE_URL}/api/notify/v1/notifications", headers=bearer("operator"),
                                params={"appeal_id": appeal["data"]["appeal_id"], "status": "failed"}, timeout=5)
        return [n for n in response.json() if n["recipient_kind"] == "institution"] \
            if response.status_code == 200 else None
    notification = wait_for(failed, timeout=30, interval=0.3, what="the institution's notification to fail")[0]
    return {"notification": notification, "institution": institution, "appeal": appeal}


def readdress_institution(institution: dict, email: str) -> dict:
    """Publish the institution with a corrected address and wait until notify's copy has it."""
    fixed = institution_event(**{**institution["data"], "contact_emails": [email]})
    publish(BUDGET_INSTITUTIONS, fixed["data"]["id"], fixed)

    def notify_knows():
        response = requests.get(f"{BASE_URL}/api/notify/v1/institutions/{fixed['data']['id']}/contact",
                                headers=bearer("operator"), timeout=5)
        return response.status_code == 200 and email in response.json().get("emails", [])
    wait_for(notify_knows, timeout=20, interval=0.3, what="notify to learn the corrected address")
    return fixed
