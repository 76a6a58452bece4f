"""Abuse through nginx: bursts from one address and one email hit their limits with 429 and Retry-After;
20 identical concurrent submissions with one Idempotency-Key make one appeal; oversized and deeply
nested JSON is refused fast with a clear JSON problem, by every service.

The local per-IP limit on appeal submissions is set high for benchmarks (services/common/settings.py),
so the per-address burst is shown on the limits that keep their production value: anonymous uploads
(ASHYQ_MEDIA_UPLOADS_PER_HOUR) and logins (30 a minute). Each burst comes from its own fresh loopback
address, so no other test shares its counters."""
from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import create_engine, text

from services.common.settings import get, get_int
from tests.drills.drill_report import record
from tests.integration.appeals.appeals_stack import known_institution, submit
from tests.support.load import APPEALS, MEDIA, citizen_session, random_loopback
from tests.support.stack import BASE_URL, sample_appeal

FIGURES: dict = {}


def note(key: str, value) -> None:
    FIGURES[key] = value
    record("abuse", FIGURES)


def burst(url: str, count: int, **kwargs) -> list[requests.Response]:
    session = citizen_session(random_loopback())
    try:
        return [session.post(url, timeout=30, **kwargs) for _ in range(count)]
    finally:
        session.close()


def test_a_burst_of_uploads_from_one_address_is_cut_at_the_hourly_limit():
    limit = get_int("ASHYQ_MEDIA_UPLOADS_PER_HOUR")
    # Empty files: refused (422) after being counted, so the burst costs no storage.
    answers = burst(f"{MEDIA}/uploads", limit + 5, files={"file": ("empty.jpg", b"", "image/jpeg")})
    statuses = [r.status_code for r in answers]
    note("upload burst from one address", {"limit_per_hour": limit, "sent": len(answers),
                                           "refused_429": statuses.count(429)})
    assert statuses[:limit] == [422] * limit
    assert statuses[limit:] == [429] * 5
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert answers[-1].json()["status"] == 429


def test_a_burst_of_logins_from_one_address_is_cut_at_30_a_minute():
    # A new user name each time: the per-name limit (10 a minute) must not be what stops the burst.
    session = citizen_session(random_loopback())
    try:
        answers = [session.post(f"{APPEALS}/auth/login", timeout=30, json={
            "username": f"nobody-{uuid.uuid4().hex[:8]}", "password": "wrong-password-123"}) for _ in range(35)]
    finally:
        session.close()
    statuses = [r.status_code for r in answers]
    note("login burst from one address", {"sent": 35, "refused_429": statuses.count(429)})
    assert set(statuses[:30]) <= {401, 403}
    assert statuses[30:] == [429] * 5 and "Retry-After" in answers[-1].headers


def test_one_email_files_at_most_its_hourly_number_of_appeals():
    count, _window = (int(x) for x in get("ASHYQ_APPEALS_LIMIT_PER_EMAIL").split("/"))
    institution = known_institution()
    email = f"drill-burst-{uuid.uuid4().hex[:8]}@mail.kz"
    body = sample_appeal(institution["id"])
    body["applicant"]["email"] = email
    first = submit(body)  # waits until appeals knows the institution
    assert first.status_code == 201, first.text
    answers = [first] + [requests.post(f"{APPEALS}/appeals", json=body, timeout=30) for _ in range(count + 2)]
    statuses = [r.status_code for r in answers]
    note("appeals from one email", {"limit": count, "sent": len(answers), "accepted": statuses.count(201),
                                    "refused_429": statuses.count(429)})
    assert statuses.count(201) == count
    assert statuses[count:] == [429] * 3 and "Retry-After" in answers[-1].headers


def test_twenty_concurrent_identical_submissions_with_one_key_make_one_appeal():
    institution = known_institution()
    body = sample_appeal(institution["id"])
    assert submit(sample_appeal(institution["id"])).status_code == 201  # appeals knows the institution
    key = str(uuid.uuid4())

    def send(_):
        return requests.post(f"{APPEALS}/appeals", json=body, headers={"Idempotency-Key": key}, timeout=30)
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(send, range(20)))
    statuses = [r.status_code for r in answers]
    ids = {r.json()["id"] for r in answers if r.status_code == 201}
    engine = create_engine(get("ASHYQ_APPEALS_DATABASE_URL"))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("select count(*) from appeals where applicant_email = :e"),
                                {"e": body["applicant"]["email"]}).scalar()
    finally:
        engine.dispose()
    note("20 concurrent submissions, one Idempotency-Key", {"statuses": sorted(statuses), "appeals": rows})
    assert rows == 1 and len(ids) == 1
    assert set(statuses) <= {201, 409}, statuses  # 409: the same key still being processed
    assert statuses.count(201) >= 1


def test_retries_with_one_idempotency_key_are_never_refused_by_the_email_limit():
    """Found by this drill (replays counted against the per-email limit); fixed in appeals' intake."""
    count, _ = (int(x) for x in get("ASHYQ_APPEALS_LIMIT_PER_EMAIL").split("/"))
    institution = known_institution()
    body = sample_appeal(institution["id"])
    key = str(uuid.uuid4())
    first = submit(body, headers={"Idempotency-Key": key})
    assert first.status_code == 201
    replays = [requests.post(f"{APPEALS}/appeals", json=body, headers={"Idempotency-Key": key}, timeout=30)
               for _ in range(count + 1)]
    assert [r.status_code for r in replays] == [201] * (count + 1)


def test_oversized_and_deeply_nested_json_is_refused_fast_by_every_service():
    targets = [f"{APPEALS}/appeals", f"{BASE_URL}/api/appeals/v1/auth/login",
               f"{BASE_URL}/api/budget/v1/institutions/{uuid.uuid4()}/reviews", f"{MEDIA}/uploads/presign",
               f"{BASE_URL}/api/notify/v1/notifications/{uuid.uuid4()}/retry"]
    # 401 too: an operator-only endpoint may refuse a stranger before reading the body.
    bodies = {"oversized (2 MB)": (b'{"description": "' + b"x" * 2_000_000 + b'"}', {401, 413}),
              "nested 100000 deep": (b"[" * 100_000 + b"]" * 100_000, {400, 401, 422}),
              "nested objects 50000 deep": (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, {400, 401, 422})}
    results, failures = [], []
    for url in targets:
        for name, (data, allowed) in bodies.items():
            started = time.monotonic()
            r = requests.post(url, data=data, headers={"Content-Type": "application/json"}, timeout=30)
            seconds = time.monotonic() - started
            results.append({"url": url.replace(BASE_URL, ""), "body": name, "status": r.status_code,
                            "seconds": round(seconds, 3)})
            if r.status_code not in allowed or "json" not in r.headers.get("Content-Type", "") or seconds > 2:
                failures.append(f"{name} to {url}: {r.status_code} in {seconds:.2f}s {r.text[:120]}")
    note("oversized and nested JSON", results)
    assert not failures, "\n".join(failures)
