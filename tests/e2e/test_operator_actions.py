"""Operator actions through nginx on the real services: replay a dead letter once, retry a failed notification."""
import requests

from services.common.topics import BUDGET_INSTITUTIONS
from tests.integration.operator.operator_scenarios import (committed_offset, failed_institution_notification,
                                                           force_dead_letter, readdress_institution,
                                                           records_with_header)
from tests.support.auth import bearer
from tests.support.polling import wait_for
from tests.support.stack import BASE_URL, institution_event, mailpit_messages


def notify_dead_letter(event_id: str):
    response = requests.get(f"{BASE_URL}/api/notify/v1/operator/dead-letters", headers=bearer("operator"),
                            timeout=15)
    assert response.status_code == 200, response.text
    return next((d for d in response.json()["dead_letters"] if d["event_id"] == event_id), None)


def test_a_notify_dead_letter_is_listed_with_its_error_and_replayed_to_its_topic_once():
    event = institution_event()
    coordinates = force_dead_letter(event, topic=BUDGET_INSTITUTIONS, group="notify",
                                    error="OperationalError: contacts table locked (forced by a test)")

    letter = wait_for(lambda: notify_dead_letter(event["id"]), timeout=15, interval=0.5,
                      what="the dead letter in notify's list")
    assert letter["error"] == "OperationalError: contacts table locked (forced by a test)"
    assert (letter["topic"], letter["partition"], letter["offset"]) == tuple(coordinates.values())
    assert letter["original_topic"] == BUDGET_INSTITUTIONS and letter["consumer_group"] == "notify"

    url = (f"{BASE_URL}/api/notify/v1/operator/dead-letters/{letter['topic']}/{letter['partition']}/"
           f"{letter['offset']}/replay")
    replayed = requests.post(url, headers=bearer("operator"), timeout=30)
    assert replayed.status_code == 202, replayed.text
    target = replayed.json()["replayed_to"]
    assert target["topic"] == BUDGET_INSTITUTIONS

    # notify's group consumes the replayed record (its committed offset moves past it)...
    wait_for(lambda: committed_offset("notify", target["topic"], target["partition"]) > target["offset"],
             timeout=30, interval=0.5, what="notify to consume the replayed event")
    # ...and a second replay is refused: the original topic holds the replayed record exactly once.
    again = requests.post(url, headers=bearer("operator"), timeout=30)
    assert again.status_code == 409 and again.headers["Content-Type"] == "application/problem+json"
    copies = records_with_header(BUDGET_INSTITUTIONS, target["partition"], target["offset"], "x-replayed-from",
                                 f"{letter['topic']}/{letter['partition']}/{letter['offset']}")
    assert len(copies) == 1
    assert notify_dead_letter(event["id"])["replayed_at"]


def test_a_failed_notification_is_retried_from_the_operator_api():
    failed = failed_institution_notification()
    notification = failed["notification"]
    assert notification["status"] == "failed" and notification["last_error"]

    # The operator fixes the cause (the institution's address) and retries.
    fixed = readdress_institution(failed["institution"], f"fixed-{notification['id'][:8]}@edu.akmola.kz")
    retry_url = f"{BASE_URL}/api/notify/v1/notifications/{notification['id']}/retry"
    response = wait_for(lambda: (r := requests.post(retry_url, headers=bearer("operator"), timeout=10))
                        .status_code == 202 and r, timeout=15, what="the retry to be accepted")
    assert response.json()["notification_id"] == notification["id"] and response.json()["queued"]

    # The email reaches the institution's corrected address.
    address = fixed["data"]["contact_emails"][0]
    assert wait_for(lambda: mailpit_messages(address), timeout=30, interval=0.5,
                    what="the retried email in Mailpit")
