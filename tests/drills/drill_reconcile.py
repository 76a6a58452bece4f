"""After a load: what each citizen was told, checked against what the system holds.

Read-only checks from the test side: the tracking view (as the citizen sees it), Mailpit (what was
sent), and SQL over the appeals and media databases plus MinIO (nothing half-written)."""
from __future__ import annotations

import collections
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import requests
from kafka import KafkaProducer
from minio import Minio
from minio.error import S3Error
from sqlalchemy import create_engine, text

from services.common.settings import get, get_bool
from services.common.topics import BUDGET_INSTITUTIONS
from tests.support.auth import bearer
from tests.support.load import APPEALS, Citizen
from tests.support.polling import wait_for
from tests.support.stack import BASE_URL, KAFKA, institution_event, mailpit_messages


def sql_url(service: str) -> str:
    return get(f"ASHYQ_{service.upper()}_DATABASE_URL")


def institutions(count: int, run_id: str) -> list[dict]:
    """Fresh institutions, one per citizen, each with its own mailbox; known to notify before the load."""
    events = [institution_event(contact_emails=[f"drill-{run_id}-school-{i}@edu.akmola.kz"]) for i in range(count)]
    producer = KafkaProducer(bootstrap_servers=KAFKA.split(","), acks="all", linger_ms=5)
    try:
        futures = [producer.send(BUDGET_INSTITUTIONS, key=e["data"]["id"].encode(), value=json.dumps(e).encode())
                   for e in events]
        for f in futures:
            f.get(timeout=60)
    finally:
        producer.close()
    operator = bearer("operator", ttl=3600)

    def known(event: dict) -> bool:
        url = f"{BASE_URL}/api/notify/v1/institutions/{event['data']['id']}/contact"
        try:
            return requests.get(url, headers=operator, timeout=10).status_code == 200
        except requests.RequestException:
            return False
    for event in events[::max(1, count // 20)] + events[-1:]:
        wait_for(lambda: known(event), timeout=120, what="notify to know the drill institutions")
    return [e["data"] for e in events]


def _iso(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def delivered_at(citizen: Citizen) -> float | None:
    r = requests.get(f"{APPEALS}/appeals/{citizen.receipt['ticket']}", params={"token": citizen.receipt["token"]},
                     timeout=10)
    if r.status_code != 200:
        return None
    for entry in r.json()["history"]:
        if entry["to_status"] == "delivered":
            return _iso(entry["at"])
    return None


def emails(address: str) -> list[tuple[str, float]]:
    """(subject, received at) of every email Mailpit holds for the address, once per Message-ID."""
    return mailbox(address)[0]


def mailbox(address: str) -> tuple[list[tuple[str, float]], int]:
    """The address's emails (as `emails`) and how many copies came again with a Message-ID already there.

    SMTP cannot deliver exactly once: a sender killed between the final dot and its record of the hand-over
    (services/notify/handover.py) sends the email again, with the same Message-ID, rather than lose it.
    That copy is the same email (mail clients show it once); it is counted, not taken for a second email."""
    seen: dict[str, tuple[str, float]] = {}
    copies = 0
    for m in sorted(mailpit_messages(address), key=lambda m: m["Created"]):
        if m["MessageID"] in seen:
            copies += 1
        else:
            seen[m["MessageID"]] = (m["Subject"], _iso(m["Created"]))
    return list(seen.values()), copies


CONFIRMATION = "зарегистрировано"  # the citizen's confirmation (ru, the drill's language)


def emails_right(school: list[tuple[str, float]], citizen: list[tuple[str, float]]) -> bool:
    """One email to the institution; one confirmation to the citizen and no message to them twice
    (the citizen also hears that the appeal was delivered: a different email)."""
    subjects = [s for s, _ in citizen]
    return (len(school) == 1 and sum(CONFIRMATION in s for s in subjects) == 1
            and len(set(subjects)) == len(subjects))


def what_is_missing(c: Citizen) -> dict:
    """For the report: which of the three outcomes an undelivered appeal lacks."""
    return {"ticket": c.receipt["ticket"], "delivered_state": delivered_at(c) is not None,
            "institution_emails": len(emails(c.institution["contact_emails"][0])),
            "citizen_emails": [subject for subject, _ in emails(c.email)], "notify": notify_rows(c.receipt["id"])}


def notify_rows(appeal_id: str) -> list[str]:
    """Notify's own account of the appeal's emails: template, status and every attempt's outcome."""
    engine = create_engine(sql_url("notify"))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "select n.template, n.status, string_agg(a.outcome, ',' order by a.id) from notifications n "
                "left join delivery_attempts a on a.notification_id = n.id where n.appeal_id = :id "
                "group by n.id, n.template, n.status"), {"id": appeal_id}).all()
    finally:
        engine.dispose()
    return [f"{template} {status} [{attempts or ''}]" for template, status, attempts in rows]


def reconcile(citizens: list[Citizen], *, catch_up_timeout: float, since: float) -> dict:
    """Wait (bounded) until every accepted appeal is delivered with its two emails, then count everything."""
    accepted = [c for c in citizens if c.outcome == "accepted"]
    done: dict[int, dict] = {}

    def check(c: Citizen) -> None:
        if c.index in done:
            return
        at = delivered_at(c)
        if at is None:
            return
        school, citizen = emails(c.institution["contact_emails"][0]), emails(c.email)
        if school and any(CONFIRMATION in s for s, _ in citizen):
            done[c.index] = {"delivered_at": at, "school_emails": school, "citizen_emails": citizen}

    deadline = time.monotonic() + catch_up_timeout
    with ThreadPoolExecutor(8) as pool:
        while True:
            list(pool.map(check, [c for c in accepted if c.index not in done]))
            if len(done) == len(accepted) or time.monotonic() > deadline:
                break
            time.sleep(2)
        time.sleep(5)  # late duplicates would show up now
        for c in accepted:
            if c.index in done:
                (school, school_copies), (citizen, citizen_copies) = (
                    mailbox(c.institution["contact_emails"][0]), mailbox(c.email))
                done[c.index].update(school_emails=school, citizen_emails=citizen,
                                     redelivered=school_copies + citizen_copies)

    rows = appeal_rows([c.email for c in citizens])
    lost = [c.email for c in accepted if rows[c.email] == 0]
    duplicated = [c.email for c in citizens if rows[c.email] > 1]
    undelivered = [c.receipt["ticket"] for c in accepted if c.index not in done]
    why_undelivered = [what_is_missing(c) for c in accepted if c.index not in done][:10]
    extra_emails = [c.receipt["ticket"] for c in accepted if c.index in done
                    and not emails_right(done[c.index]["school_emails"], done[c.index]["citizen_emails"])]
    ghosts = [c.email for c in citizens if c.outcome != "accepted" and rows[c.email] > 0]
    answers = [a for c in citizens for a in c.answers]
    by_status = collections.Counter(f"{a.step} {a.status or 'no answer'}" for a in answers)
    unclear = [f"{a.step} {a.status} {a.error}" for a in answers if not a.clear]
    for c in accepted:
        if c.index in done:
            d = done[c.index]
            c.done_at = max([d["delivered_at"], *(t for _, t in d["school_emails"] + d["citizen_emails"])])
    return {
        "citizens": len(citizens),
        "accepted": len(accepted),
        "rejected": dict(collections.Counter(f"{c.outcome} {c.final_status}" for c in citizens
                                             if c.outcome != "accepted")),
        "requests": len(answers),
        "answers_by_step_and_status": dict(sorted(by_status.items())),
        "unclear_failures": unclear[:20],
        "unclear_failure_count": len(unclear),
        "lost": len(lost), "lost_examples": lost[:10],
        "duplicated": len(duplicated), "duplicated_examples": duplicated[:10],
        "undelivered": len(undelivered), "undelivered_examples": why_undelivered,
        "wrong_email_count": len(extra_emails), "wrong_email_examples": extra_emails[:10],
        "redelivered_copies_same_message_id": sum(d.get("redelivered", 0) for d in done.values()),
        "accepted_elsewhere_but_told_failed": len(ghosts),
        "half_written": half_written(since),
    }


def appeal_rows(emails_: list[str]) -> dict[str, int]:
    engine = create_engine(sql_url("appeals"))
    try:
        with engine.connect() as conn:
            counts = dict(conn.execute(text("select applicant_email, count(*) from appeals "
                                            "where applicant_email = any(:e) group by 1"), {"e": emails_}).all())
    finally:
        engine.dispose()
    return collections.Counter({e: counts.get(e, 0) for e in emails_})


def half_written(since: float) -> dict:
    """Appeals without their appeal_submitted outbox row; stored media whose objects are missing in MinIO."""
    start = datetime.fromtimestamp(since).astimezone()
    engine = create_engine(sql_url("appeals"))
    try:
        with engine.connect() as conn:
            no_outbox = conn.execute(text(
                "select a.ticket from appeals a where a.submitted_at >= :t and not exists ("
                " select 1 from outbox o where o.key = a.id and o.type like '%appeal_submitted%')"),
                {"t": start}).scalars().all()
    finally:
        engine.dispose()
    engine = create_engine(sql_url("media"))
    try:
        with engine.connect() as conn:
            stored = conn.execute(text(
                "select id, original_key, public_key, thumbnail_key from media "
                "where state = 'stored' and created_at >= :t"), {"t": start}).all()
            no_event = conn.execute(text(
                "select m.id from media m where m.state = 'stored' and m.created_at >= :t and not exists ("
                " select 1 from outbox o where o.key = m.id and o.type like '%media_stored%')"),
                {"t": start}).scalars().all()
    finally:
        engine.dispose()
    minio = Minio(get("ASHYQ_MINIO_ENDPOINT"), access_key=get("ASHYQ_MINIO_ACCESS_KEY"),
                  secret_key=get("ASHYQ_MINIO_SECRET_KEY"), secure=get_bool("ASHYQ_MINIO_SECURE"))
    missing = []
    for row in stored:
        for bucket, key in (("media-originals", row.original_key), ("media-public", row.public_key),
                            ("media-public", row.thumbnail_key)):
            if not key:
                continue
            try:
                minio.stat_object(bucket, key)
            except S3Error:
                missing.append(f"{row.id} {bucket}/{key}")
    return {"appeals_checked_since": start.isoformat(), "appeals_without_outbox_event": no_outbox,
            "stored_media_checked": len(stored), "stored_media_without_objects": missing,
            "stored_media_without_outbox_event": no_event}


def catch_up(citizens: list[Citizen], faults: list[dict]) -> list[dict]:
    """Per fault: from the component being back to every appeal filed before that being delivered and mailed."""
    out = []
    for f in faults:
        affected = [c.done_at for c in citizens
                    if c.outcome == "accepted" and f["began_at"] - 30 <= c.started < f["restored_at"]]
        finished = [t for t in affected if t is not None]
        last = max(finished, default=f["restored_at"])
        out.append({"fault": f["name"], "down_seconds": round(f["restored_at"] - f["began_at"], 1),
                    "restore_command_seconds": round(f.get("restore_seconds", 0), 1),
                    "catch_up_seconds": round(max(0.0, last - f["restored_at"]), 1)})
    return out


def new_run_id() -> str:
    return uuid.uuid4().hex[:6]
