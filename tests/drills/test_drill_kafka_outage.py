"""With the broker down, intake keeps answering 201; once it is back, every held event reaches notify once.
(The Foundation's outbox test; among the drills because it stops the shared broker.)"""
import requests

from services.common.topics import BUDGET_INSTITUTIONS
from tests.support.components import stopped
from tests.support.polling import wait_for
from tests.support.stack import BASE_URL, institution_event, mailpit_messages, publish, sample_appeal

APPEALS_DURING_OUTAGE = 5


def known_institution() -> dict:
    event = institution_event()
    publish(BUDGET_INSTITUTIONS, event["data"]["id"], event)
    probe = sample_appeal(event["data"]["id"])
    wait_for(lambda: requests.post(f"{BASE_URL}/api/appeals/v1/appeals", json=probe, timeout=10).status_code == 201,
             what="appeals to learn the institution")
    wait_for(lambda: mailpit_messages(event["data"]["contact_emails"][0]), timeout=60,
             what="notify to learn the institution")
    return event["data"]


def status_of(receipt: dict) -> str:
    return requests.get(f"{BASE_URL}/api/appeals/v1/appeals/{receipt['ticket']}",
                        params={"token": receipt["token"]}, timeout=5).json()["status"]


def test_appeals_filed_while_kafka_is_down_are_delivered_once_after_it_returns():
    institution = known_institution()
    bodies = [sample_appeal(institution["id"]) for _ in range(APPEALS_DURING_OUTAGE)]

    with stopped("kafka"):
        receipts = [requests.post(f"{BASE_URL}/api/appeals/v1/appeals", json=b, timeout=10) for b in bodies]
        assert [r.status_code for r in receipts] == [201] * APPEALS_DURING_OUTAGE
        appeals_ready = requests.get(f"{BASE_URL}/api/appeals/readyz", timeout=5)
        assert appeals_ready.status_code == 200 and "kafka" in appeals_ready.json()["degraded"]
        assert requests.get(f"{BASE_URL}/api/notify/readyz", timeout=5).status_code == 503

    receipts = [r.json() for r in receipts]
    for body, receipt in zip(bodies, receipts):
        wait_for(lambda: any("зарегистрировано" in m["Subject"] for m in mailpit_messages(body["applicant"]["email"])),
                 timeout=90, what=f"the confirmation of {receipt['ticket']}")
        wait_for(lambda: status_of(receipt) == "delivered", timeout=60, what=f"{receipt['ticket']} delivered")

    institution_mail = mailpit_messages(institution["contact_emails"][0])
    for receipt in receipts:
        assert sum(receipt["ticket"] in m["Subject"] for m in institution_mail) == 1
    for body, receipt in zip(bodies, receipts):
        subjects = [m["Subject"] for m in mailpit_messages(body["applicant"]["email"])]
        assert len(subjects) == len(set(subjects)), f"an email went twice: {subjects}"
        assert sum("зарегистрировано" in s for s in subjects) == 1  # the confirmation, once
