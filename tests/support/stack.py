"""Addresses of the real local stack, and small clients for it, shared by integration and e2e tests."""
from __future__ import annotations

import json
import uuid

import requests
from kafka import KafkaProducer

from services.common.events import make_event
from services.common.settings import get, get_int

BASE_URL = f"http://127.0.0.1:{get('ASHYQ_HTTP_PORT')}"
MAILPIT = f"http://127.0.0.1:{get('ASHYQ_MAILPIT_UI_PORT')}"
KAFKA = get("ASHYQ_KAFKA_BOOTSTRAP")


def publish(topic: str, key: str, event: dict) -> None:
    """Put one CloudEvent on a topic, as the owning service's relay would."""
    producer = KafkaProducer(bootstrap_servers=KAFKA.split(","), acks="all")
    try:
        producer.send(topic, key=key.encode(), value=json.dumps(event).encode()).get(timeout=30)
    finally:
        producer.close()


def institution_event(**overrides) -> dict:
    """An institution upserted event like budget publishes, for a fresh random institution."""
    data = {
        "id": str(uuid.uuid4()), "kind": "school", "name_kk": "№7 мектеп-гимназиясы",
        "name_ru": "Школа-гимназия №7", "district_id": "1110",
        "contact_emails": [f"school-{uuid.uuid4().hex[:8]}@edu.akmola.kz"], "lat": 53.28, "lon": 69.38,
    }
    data.update(overrides)
    return make_event(type="kz.ashyq.budget.institution_upserted.v1", source="/ashyq/budget",
                      subject=data["id"], data=data)


def mailpit_messages(to: str) -> list[dict]:
    """Messages Mailpit received for `to` (summaries: ID, Subject, To...)."""
    response = requests.get(f"{MAILPIT}/api/v1/search", params={"query": f'to:"{to}"', "limit": 50}, timeout=5)
    response.raise_for_status()
    return response.json().get("messages", [])


def mailpit_message(message_id: str) -> dict:
    response = requests.get(f"{MAILPIT}/api/v1/message/{message_id}", timeout=5)
    response.raise_for_status()
    return response.json()


def sample_appeal(institution_id: str, **overrides) -> dict:
    body = {
        "institution_id": institution_id, "category": "work_not_done",
        "description": "Крыша спортзала не отремонтирована, хотя ремонт оплачен в 2025 году.",
        "budget_line_id": None, "contract_id": None, "location": {"lat": 53.28, "lon": 69.38},
        "media_ids": [], "language": "ru", "publish_text": True,
        "applicant": {"name": "Айгерим Сапарова", "email": f"citizen-{uuid.uuid4().hex[:10]}@mail.kz",
                      "phone": None},
    }
    body.update(overrides)
    return body
