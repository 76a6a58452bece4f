"""Every appeal email on the real stack: appeal events published to Kafka as appeals would publish them,
notify's worker sends, Mailpit receives, and we read each email back by its recipient."""
import uuid

import requests

from services.common.events import make_event
from services.common.settings import get
from services.common.topics import APPEALS, BUDGET_INSTITUTIONS
from tests.support.auth import bearer
from tests.support.polling import wait_for
from tests.support.stack import BASE_URL, MAILPIT, institution_event, mailpit_message, mailpit_messages, publish

OPERATOR_MAILBOX = get("ASHYQ_OPERATOR_MAILBOX")


def known_institution(**overrides) -> dict:
    """A fresh institution, once notify has its contact (it comes on another topic than appeals)."""
    event = institution_event(name_kk=f"Мектеп {uuid.uuid4().hex[:6]}", name_ru=f"Школа {uuid.uuid4().hex[:6]}",
                              **overrides)
    publish(BUDGET_INSTITUTIONS, event["data"]["id"], event)
    wait_for(lambda: contact(event["data"]["id"]) == event["data"]["contact_emails"], what="notify to know it")
    return event["data"]


def contact(institution_id: str) -> list[str] | None:
    response = requests.get(f"{BASE_URL}/api/notify/v1/institutions/{institution_id}/contact",
                            headers=bearer("operator"), timeout=5)
    return response.json()["emails"] if response.status_code == 200 else None


def update_contact(institution: dict, emails: list[str]) -> None:
    publish(BUDGET_INSTITUTIONS, institution["id"], institution_event(**{**institution, "contact_emails": emails}))
    wait_for(lambda: contact(institution["id"]) == emails, what="notify to know the new address")


def appeal_event(name: str, data: dict) -> dict:
    event = make_event(type=f"kz.ashyq.appeals.{name}.v1", source="/ashyq/appeals", subject=data["appeal_id"],
                       data=data)
    publish(APPEALS, data["appeal_id"], event)
    return event


def submit(institution: dict, language: str = "kk", **overrides) -> dict:
    appeal_id = str(uuid.uuid4())
    ticket = f"AKM-2026-{uuid.uuid4().int % 10**6:06d}"
    data = {"appeal_id": appeal_id, "ticket": ticket, "institution_id": institution["id"],
            "category": "poor_quality", "description": f"Парта сынған, ремонт жасалмаған {uuid.uuid4().hex[:6]}",
            "media_ids": ["5b0c1a0e-0000-4000-8000-000000000001"], "language": language,
            "deadline": "2026-12-17", "tracking_url": f"{BASE_URL}/track/{ticket}?token=t0k3n",
            "applicant": {"name": "Айгерим Сапарова", "email": f"citizen-{uuid.uuid4().hex[:10]}@mail.kz"},
            "budget_line_id": None}  # an extra field notify does not know: tolerated
    data.update(overrides)
    appeal_event("appeal_submitted", data)
    return data


def status_changed(appeal: dict, to_status: str, **extra) -> dict:
    data = {"appeal_id": appeal["appeal_id"], "ticket": appeal["ticket"], "institution_id": appeal["institution_id"],
            "from_status": None, "to_status": to_status, "actor": "operator", "reason": None, "deadline": None,
            "previous_institution_id": None, **extra}
    return appeal_event("appeal_status_changed", data)


def emails_to(address: str, count: int, what: str = "") -> list[dict]:
    """The `count` messages Mailpit holds for `address`, oldest first, in full."""
    found = wait_for(lambda: (lambda m: m if len(m) >= count else None)(mailpit_messages(address)),
                     what=f"{count} email(s) to {address} {what}")
    return [mailpit_message(m["ID"]) for m in reversed(found)]


def email_with(address: str, text: str) -> dict:
    def probe():
        for summary in mailpit_messages(address):
            message = mailpit_message(summary["ID"])
            if text in message["Subject"] or text in message["Text"]:
                return message
        return None
    return wait_for(probe, what=f"an email to {address} with {text!r}")


def test_a_whole_appeal_life_emails_the_institution_in_both_languages_and_the_citizen_in_kazakh():
    school, akimat = known_institution(), known_institution()
    appeal = submit(school, "kk")
    citizen = appeal["applicant"]["email"]

    notice = emails_to(school["contact_emails"][0], 1, "(new appeal)")[0]
    assert notice["Subject"] == f"Жаңа өтініш / Новое обращение {appeal['ticket']}"
    assert school["name_kk"] in notice["Text"] and school["name_ru"] in notice["Text"]
    assert "Сапасы нашар" in notice["Text"] and "Низкое качество" in notice["Text"]
    assert appeal["description"] in notice["Text"] and "2026-12-17" in notice["Text"]
    assert f"/api/media/v1/media/{appeal['media_ids'][0]}/thumbnail" in notice["Text"]
    assert f"/portal/appeals/{appeal['appeal_id']}" in notice["HTML"]
    assert citizen not in notice["Text"], "the applicant's address is not the institution's business"

    confirmation = emails_to(citizen, 1, "(confirmation)")[0]
    assert confirmation["Subject"] == f"Өтініш тіркелді: {appeal['ticket']}"
    assert appeal["tracking_url"] in confirmation["Text"] and "Құрметті Айгерим Сапарова!" in confirmation["Text"]

    status_changed(appeal, "delivered")
    status_changed(appeal, "in_progress")
    status_changed(appeal, "extended", reason="Сараптама қажет", deadline="2027-01-20")
    status_changed({**appeal, "institution_id": akimat["id"]}, "redirected", reason="Құзыреті бойынша",
                   previous_institution_id=school["id"])
    appeal_event("appeal_deadline_approaching", {"appeal_id": appeal["appeal_id"], "ticket": appeal["ticket"],
                                                 "institution_id": akimat["id"], "deadline": "2027-01-20"})
    appeal_event("appeal_overdue", {"appeal_id": appeal["appeal_id"], "ticket": appeal["ticket"],
                                    "institution_id": akimat["id"], "deadline": "2027-01-20"})
    appeal_event("appeal_answered", {"appeal_id": appeal["appeal_id"], "ticket": appeal["ticket"],
                                     "institution_id": akimat["id"], "answer_text": "Парталар 12 қарашада жөнделді.",
                                     "media_ids": [], "answered_at": "2026-12-01T10:00:00Z"})
    status_changed({**appeal, "institution_id": akimat["id"]}, "answered")  # told by the answered event
    status_changed({**appeal, "institution_id": akimat["id"]}, "closed")

    told = emails_to(citizen, 7, "(every status change)")
    by_subject = {m["Subject"].split(":")[0]: m for m in told}
    assert set(by_subject) == {
        "Өтініш тіркелді", "Өтініш мекемеге жеткізілді", "Өтініш қаралуда", "Қарау мерзімі ұзартылды",
        "Өтініш басқа мекемеге жіберілді", "Өтінішке жауап берілді", "Өтініш жабылды"}
    assert school["name_kk"] in by_subject["Өтініш мекемеге жеткізілді"]["Text"]
    extended = by_subject["Қарау мерзімі ұзартылды"]["Text"]
    assert "Сараптама қажет" in extended and "2027-01-20" in extended
    assert akimat["name_kk"] in by_subject["Өтініш басқа мекемеге жіберілді"]["Text"]
    assert "Парталар 12 қарашада жөнделді." in by_subject["Өтінішке жауап берілді"]["Text"]
    assert all("Уважаемый" not in m["Text"] for m in told), "the citizen chose Kazakh"

    # One thread per appeal: every email refers to the same root, each has its own stable Message-ID.
    headers = [requests.get(f"{MAILPIT}/api/v1/message/{m['ID']}/headers", timeout=5).json() for m in told]
    assert {h["References"][0] for h in headers} == {f"<appeal-{appeal['appeal_id']}@ashyq.kz>"}
    assert len({h["Message-Id"][0] for h in headers}) == 7
    assert "=?utf-8?" in requests.get(f"{MAILPIT}/api/v1/message/{told[0]['ID']}/raw", timeout=5).text.lower()

    akimat_mail = {m["Subject"].split(" / ")[0]: m
                   for m in emails_to(akimat["contact_emails"][0], 3, "(redirect, reminder, overdue)")}
    redirected = akimat_mail["Өтініш сізге жіберілді"]
    reminder = akimat_mail["Жауап беру мерзімі жақындады"]
    overdue = akimat_mail["Жауап беру мерзімі өтіп кетті"]
    assert redirected["Subject"].startswith("Өтініш сізге жіберілді / Обращение перенаправлено вам")
    assert appeal["description"] in redirected["Text"] and "Құзыреті бойынша" in redirected["Text"]
    assert reminder["Subject"].startswith("Жауап беру мерзімі жақындады / Приближается срок ответа")
    assert "2027-01-20" in reminder["Text"]
    assert overdue["Subject"].startswith("Жауап беру мерзімі өтіп кетті / Срок ответа истёк")
    assert len(mailpit_messages(school["contact_emails"][0])) == 1, "the old institution hears nothing more"

    operator = wait_for(lambda: operator_email(appeal["ticket"]), what="the authorised body's overdue email")
    assert akimat["name_ru"] in operator["Text"] and akimat["name_kk"] in operator["Text"]


def operator_email(ticket: str) -> dict | None:
    response = requests.get(f"{MAILPIT}/api/v1/search",
                            params={"query": f'to:"{OPERATOR_MAILBOX}" subject:"{ticket}"'}, timeout=5)
    messages = response.json().get("messages", [])
    return mailpit_message(messages[0]["ID"]) if messages else None


def test_a_russian_speaking_citizen_is_told_of_a_rejection_in_russian_with_the_reason():
    school = known_institution()
    appeal = submit(school, "ru")
    status_changed(appeal, "rejected", reason="Дубликат обращения AKM-2026-000001")
    told = {m["Subject"]: m for m in emails_to(appeal["applicant"]["email"], 2)}
    assert set(told) == {f"Обращение зарегистрировано: {appeal['ticket']}", f"Обращение отклонено: {appeal['ticket']}"}
    rejection = told[f"Обращение отклонено: {appeal['ticket']}"]
    assert "Уважаемый(ая) Айгерим Сапарова!" in rejection["Text"]
    assert "Дубликат обращения AKM-2026-000001" in rejection["Text"]


def test_redelivering_the_same_event_sends_nothing_new():
    school = known_institution()
    appeal = submit(school, "ru")
    emails_to(appeal["applicant"]["email"], 1)
    delivered = status_changed(appeal, "delivered")
    emails_to(appeal["applicant"]["email"], 2)

    publish(APPEALS, appeal["appeal_id"], delivered)  # the same event again (same id), as after a rebalance
    status_changed(appeal, "in_progress")  # same partition, after the duplicate: its email proves it was read
    told = emails_to(appeal["applicant"]["email"], 3)
    assert sorted(m["Subject"].split(":")[0] for m in told) == [
        "Обращение доставлено в учреждение", "Обращение зарегистрировано", "Обращение рассматривается"]
    assert len(mailpit_messages(school["contact_emails"][0])) == 1


def delivery_log(**query) -> list[dict]:
    response = requests.get(f"{BASE_URL}/api/notify/v1/notifications", params=query,
                            headers=bearer("operator"), timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def retry(notification_id: str) -> requests.Response:
    return requests.post(f"{BASE_URL}/api/notify/v1/notifications/{notification_id}/retry",
                         headers=bearer("operator"), timeout=5)


def test_a_refused_address_fails_for_good_is_logged_and_a_retry_after_correction_sends_it():
    bad = f"school..{uuid.uuid4().hex[:8]}@edu.akmola.kz"  # the SMTP server refuses it (553)
    school = known_institution(contact_emails=[bad])
    appeal = submit(school, "ru")

    def failed():
        rows = delivery_log(appeal_id=appeal["appeal_id"], status="failed", recipient_kind="institution")
        return rows[0] if rows else None
    notification = wait_for(failed, what="the institution's notification to fail")
    assert notification["recipient"] == bad and "553" in notification["last_error"]
    assert [(a["outcome"], a["smtp_code"]) for a in notification["delivery_attempts"]] == [("permanent", 553)]
    emails_to(appeal["applicant"]["email"], 1)  # the citizen's confirmation is not held up by it

    letters = requests.get(f"{BASE_URL}/api/notify/v1/dead-letters", params={"appeal_id": appeal["appeal_id"]},
                           headers=bearer("operator"), timeout=5).json()
    assert [d["notification_id"] for d in letters] == [notification["id"]]

    good = f"school-{uuid.uuid4().hex[:8]}@edu.akmola.kz"
    update_contact(school, [good])  # the operator corrects the address in budget
    response = retry(notification["id"])
    assert response.status_code == 202, response.text
    assert response.json()["notification_id"] == notification["id"] and len(response.json()["queued"]) == 1
    sent = emails_to(good, 1)[0]
    assert appeal["ticket"] in sent["Subject"] and appeal["description"] in sent["Text"]

    rows = {r["recipient"]: r for r in delivery_log(appeal_id=appeal["appeal_id"], recipient_kind="institution")}
    assert rows[bad]["status"] == "superseded"
    assert wait_for(lambda: delivery_log(appeal_id=appeal["appeal_id"], status="sent", recipient_kind="institution"))
    assert requests.get(f"{BASE_URL}/api/notify/v1/dead-letters", params={"appeal_id": appeal["appeal_id"]},
                        headers=bearer("operator"), timeout=5).json() == []
    assert retry(notification["id"]).status_code == 409  # nothing left to retry


def test_an_institution_without_a_contact_email_fails_with_that_reason_and_is_retried_once_it_has_one():
    school = known_institution(contact_emails=[])
    appeal = submit(school, "kk")

    def failed():
        rows = delivery_log(appeal_id=appeal["appeal_id"], status="failed")
        return rows[0] if rows else None
    notification = wait_for(failed, what="the undeliverable notification")
    assert notification["recipient_kind"] == "institution"
    assert notification["last_error"] == "institution has no contact email"
    assert retry(notification["id"]).status_code == 409  # still no address

    address = f"school-{uuid.uuid4().hex[:8]}@edu.akmola.kz"
    update_contact(school, [address])
    assert retry(notification["id"]).status_code == 202
    sent = emails_to(address, 1)[0]
    assert sent["Subject"] == f"Жаңа өтініш / Новое обращение {appeal['ticket']}"


def test_the_delivery_log_is_for_operators_only_and_rejects_bad_filters():
    assert requests.get(f"{BASE_URL}/api/notify/v1/notifications", timeout=5).status_code == 401
    staff = bearer("staff", institution_id=str(uuid.uuid4()))
    assert requests.get(f"{BASE_URL}/api/notify/v1/notifications", headers=staff, timeout=5).status_code == 403
    response = requests.get(f"{BASE_URL}/api/notify/v1/notifications", params={"status": "lost"},
                            headers=bearer("operator"), timeout=5)
    assert response.status_code == 422
    assert retry(str(uuid.uuid4())).status_code == 404
