"""The delivery log's answers are the ones notify's OpenAPI document describes: notifications sent and
refused with their attempts, the dead letter of the refused one, an institution's contact and a retry.

The emails are real ones, sent by the drill's own notify worker to its own SMTP server (see conftest); the
API is notify's app reading the drill's schema."""
import pytest

from services.common.settings import Settings
from services.notify.app import create_app
from tests.support.auth import bearer
from tests.support.openapi import ServedDocument
from tests.support.polling import wait_for

from .conftest import submit

API = "/api/notify/v1"


@pytest.fixture
def client(drill):
    return create_app(Settings.for_service("notify", database_url=drill.database_url)).test_client()


def test_the_delivery_log_dead_letters_contact_and_retry_are_documented(drill, client):
    document = ServedDocument(client, "notify")
    operator = bearer("operator")
    drill.start_worker()
    drill.wait_until_consuming()
    school = drill.institution()
    sent = submit(school)
    refused = submit(school, email=f"refuse-{school['id'][:8]}@mail.kz")
    wait_for(lambda: {r.status for r in drill.notifications(appeal_id=sent["appeal_id"])} == {"sent"}
             and "failed" in {r.status for r in drill.notifications(appeal_id=refused["appeal_id"])},
             timeout=60, what="one appeal's emails sent and the refused citizen's failed")

    log = document.body(client.get(f"{API}/notifications", query_string={"appeal_id": sent["appeal_id"]},
                                   headers=operator), 200, "GET", "/notifications")
    assert {n["recipient_kind"] for n in log} >= {"institution", "citizen"}
    assert all(n["sent_at"] and n["delivery_attempts"][-1]["outcome"] == "sent" for n in log)
    failed = document.body(client.get(f"{API}/notifications", query_string={"appeal_id": refused["appeal_id"],
                                                                             "status": "failed"}, headers=operator),
                           200, "GET", "/notifications")
    assert [(a["outcome"], a["smtp_code"]) for a in failed[0]["delivery_attempts"]] == [("permanent", 550)]

    letters = document.body(client.get(f"{API}/dead-letters", query_string={"appeal_id": refused["appeal_id"]},
                                       headers=operator), 200, "GET", "/dead-letters")
    assert [letter["notification_id"] for letter in letters] == [failed[0]["id"]]
    contact = document.body(client.get(f"{API}/institutions/{school['id']}/contact", headers=operator),
                            200, "GET", "/institutions/{institution_id}/contact")
    assert contact["emails"] == school["contact_emails"]
    retry = document.body(client.post(f"{API}/notifications/{failed[0]['id']}/retry", headers=operator),
                          202, "POST", "/notifications/{notification_id}/retry")
    assert retry["notification_id"] == failed[0]["id"] and retry["queued"]
