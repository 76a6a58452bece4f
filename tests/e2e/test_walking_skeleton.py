"""The whole path on the real stack: appeal -> outbox -> Kafka -> notify -> Mailpit -> Kafka -> delivered."""
import requests

from services.common.topics import BUDGET_INSTITUTIONS
from tests.support.polling import wait_for
from tests.support.stack import (BASE_URL, institution_event, mailpit_message, mailpit_messages, publish,
                                 sample_appeal)


def known_institution() -> dict:
    event = institution_event()
    publish(BUDGET_INSTITUTIONS, event["data"]["id"], event)
    return event["data"]


def submit_when_institution_known(body: dict) -> requests.Response:
    """Appeals learns institutions from events: until its copy exists, the institution is unknown (422)."""
    def attempt():
        response = requests.post(f"{BASE_URL}/api/appeals/v1/appeals", json=body, timeout=10)
        return response if response.status_code != 422 else None
    return wait_for(attempt, what="appeals to learn the institution")


def test_an_appeal_reaches_the_institution_by_email_and_becomes_delivered():
    institution = known_institution()
    body = sample_appeal(institution["id"])

    response = submit_when_institution_known(body)
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert set(receipt) == {"id", "ticket", "status", "deadline", "tracking_url", "token"}
    assert receipt["status"] == "submitted"
    assert receipt["ticket"].startswith("AKM-")

    institution_mail = wait_for(lambda: mailpit_messages(institution["contact_emails"][0]),
                                what="the institution's email in Mailpit")
    assert len(institution_mail) == 1
    message = mailpit_message(institution_mail[0]["ID"])
    assert receipt["ticket"] in message["Subject"]
    assert "Крыша спортзала" in message["Text"]

    citizen_mail = wait_for(lambda: mailpit_messages(body["applicant"]["email"]),
                            what="the citizen's confirmation in Mailpit")
    assert receipt["ticket"] in citizen_mail[0]["Subject"]

    def tracked_status():
        view = requests.get(f"{BASE_URL}/api/appeals/v1/appeals/{receipt['ticket']}",
                            params={"token": receipt["token"]}, timeout=5).json()
        return view if view["status"] == "delivered" else None

    view = wait_for(tracked_status, what="the appeal to become delivered")
    assert [h["to_status"] for h in view["history"]] == ["submitted", "delivered"]
    assert "applicant_email" not in view and body["applicant"]["email"] not in str(view)
