"""Clients for the appeals service on the real stack (through nginx), shared by the appeals e2e tests."""
from __future__ import annotations

import json
import uuid

import requests
from kafka import KafkaConsumer, TopicPartition

from services.common.events import make_event
from services.common.topics import APPEALS, BUDGET_INSTITUTIONS, MEDIA
from tests.support.auth import bearer
from tests.support.polling import wait_for
from tests.support.stack import BASE_URL, KAFKA, institution_event, publish

API = f"{BASE_URL}/api/appeals/v1"


def known_institution(**overrides) -> dict:
    event = institution_event(**overrides)
    publish(BUDGET_INSTITUTIONS, event["data"]["id"], event)
    return event["data"]


def stored_media(count: int) -> list[str]:
    """Media the media service reports as stored (its event, as its relay would publish it)."""
    ids = []
    for _ in range(count):
        media_id = str(uuid.uuid4())
        publish(MEDIA, media_id, make_event(type="kz.ashyq.media.media_stored.v1", source="/ashyq/media",
                                            subject=media_id, data={
                                                "media_id": media_id, "kind": "photo", "content_type": "image/jpeg",
                                                "size": 123456, "sha256": "0" * 64, "width": 1200, "height": 800,
                                                "duration_seconds": None, "public_key": f"public/{media_id}.jpg",
                                                "thumbnail_key": f"public/{media_id}-thumb.jpg"}))
        ids.append(media_id)
    return ids


def submit(body: dict, headers: dict | None = None) -> requests.Response:
    """Appeals learns institutions and media from events: until its copy has them, they are unknown (422)."""
    def attempt():
        response = requests.post(f"{API}/appeals", json=body, headers=headers or {}, timeout=10)
        return response if response.status_code != 422 else None
    return wait_for(attempt, timeout=60, interval=0.2, what="appeals to learn the institution and media")


def staff_headers(institution_id: str) -> dict:
    """A real staff account made by an operator, logged in through nginx."""
    account = requests.post(f"{API}/operator/accounts", headers=bearer("operator"), timeout=10, json={
        "username": f"staff-{uuid.uuid4().hex[:10]}", "role": "staff", "institution_id": institution_id}).json()
    token = requests.post(f"{API}/auth/login", timeout=10,
                          json={"username": account["username"], "password": account["password"]}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def track(ticket: str, token: str) -> dict:
    response = requests.get(f"{API}/appeals/{ticket}", params={"token": token}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def wait_status(ticket: str, token: str, status: str) -> dict:
    # Delivery waits for notify's email: generous, the shared machine is often busy.
    return wait_for(lambda: (view := track(ticket, token))["status"] == status and view, timeout=60, interval=0.2,
                    what=f"{ticket} to become {status}")


class AppealEvents:
    """Events on appeals.appeals about one appeal, read from the end of the topic as of creation."""

    def __init__(self):
        self.consumer = KafkaConsumer(bootstrap_servers=KAFKA.split(","), enable_auto_commit=False)
        partitions = [TopicPartition(APPEALS, p) for p in self.consumer.partitions_for_topic(APPEALS)]
        self.consumer.assign(partitions)
        self.consumer.seek_to_end(*partitions)
        for partition in partitions:
            self.consumer.position(partition)
        self.seen: list[dict] = []

    def of(self, appeal_id: str) -> list[dict]:
        for records in self.consumer.poll(timeout_ms=300).values():
            self.seen.extend(json.loads(r.value) for r in records)
        return [e for e in self.seen if e["subject"] == appeal_id]

    def wait_for_type(self, appeal_id: str, short_type: str) -> list[dict]:
        return wait_for(lambda: [e for e in self.of(appeal_id) if e["type"].split(".")[3] == short_type],
                        timeout=60, what=f"{short_type} about {appeal_id}")

    def close(self) -> None:
        self.consumer.close()
