"""A steady stream of citizens filing appeals with a photo through nginx, for the drills.

Each citizen is a unit of work: upload a photo to media, then file the appeal naming it, as the web
client does. Every citizen connects from its own loopback address (127.x.y.z: the whole /8 is this
machine), so per-address limits see many citizens, not one bench. The client behaves like a careful
one: it retries 5xx and connection errors with the same Idempotency-Key, and waits while appeals has
not yet heard of the photo it names (that news travels through Kafka). Every HTTP answer is recorded.
"""
from __future__ import annotations

import io
import random
import threading
import time
import uuid
from dataclasses import dataclass, field

import requests
from PIL import Image
from requests.adapters import HTTPAdapter

from tests.support.stack import BASE_URL

MEDIA = f"{BASE_URL}/api/media/v1"
APPEALS = f"{BASE_URL}/api/appeals/v1"


class SourceAddressAdapter(HTTPAdapter):
    """Connections leave from one chosen local address."""

    def __init__(self, source: str, **kwargs):
        self.source = source
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def citizen_session(address: str | None = None) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # never through a proxy: the stack is on this machine
    if address:
        adapter = SourceAddressAdapter(address)
        session.mount("http://", adapter)
    return session


def random_loopback() -> str:
    return f"127.{random.randint(10, 250)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def photo(seed: int) -> bytes:
    """A small, distinct JPEG (its hash differs per citizen)."""
    image = Image.new("RGB", (320, 240), (seed % 256, (seed * 7) % 256, (seed * 13) % 256))
    for x in range(0, 320, 32):
        image.paste(((seed * 3) % 256, 200, 20), (x, 0, x + 8, 240))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


@dataclass
class Answer:
    """One HTTP exchange: what was asked, when, and what came back (status 0: no HTTP answer)."""
    step: str
    at: float
    status: int
    clear: bool          # a JSON problem body (for errors), or a 2xx
    error: str = ""


@dataclass
class Citizen:
    index: int
    institution: dict
    email: str
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    address: str = field(default_factory=random_loopback)
    started: float = 0.0
    answers: list[Answer] = field(default_factory=list)
    media_id: str | None = None
    receipt: dict | None = None
    outcome: str = "pending"     # accepted | rejected-upload | rejected-appeal
    final_status: int | None = None
    done_at: float | None = None   # set by the reconciliation: delivered and mailed
    applicant: dict | None = None   # name, email, phone; a plain drill citizen by default
    base_url: str = BASE_URL        # the front door (the drills may open a second one)


def _record(citizen: Citizen, step: str, call) -> requests.Response | None:
    at = time.time()
    try:
        response = call()
    except requests.RequestException as exc:
        citizen.answers.append(Answer(step, at, 0, False, type(exc).__name__))
        return None
    clear = response.status_code < 400 or _is_problem(response)
    citizen.answers.append(Answer(step, at, response.status_code, clear,
                                  "" if clear else response.text[:200]))
    return response


def _is_problem(response: requests.Response) -> bool:
    if "json" not in response.headers.get("Content-Type", ""):
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and ("title" in body or "detail" in body)


def _unknown_media(response: requests.Response) -> bool:
    return response.status_code == 422 and "media_ids" in response.text


def _unknown_institution(response: requests.Response) -> bool:
    return response.status_code == 422 and "institution_id" in response.text


def file_appeal(citizen: Citizen, *, patience: float = 120.0) -> Citizen:
    """Upload the photo, then file the appeal; retry what a careful client retries, for `patience` seconds."""
    citizen.started = time.time()
    deadline = citizen.started + patience
    session = citizen_session(citizen.address)
    try:
        while citizen.media_id is None:
            files = {"file": (f"roof-{citizen.index}.jpg", photo(citizen.index), "image/jpeg")}
            r = _record(citizen, "upload", lambda: session.post(f"{citizen.base_url}/api/media/v1/uploads",
                                                                files=files, timeout=30))
            if r is not None and r.status_code == 201:
                citizen.media_id = r.json()["id"]
            elif (r is not None and r.status_code < 500) or time.time() > deadline:
                citizen.outcome, citizen.final_status = "rejected-upload", (r.status_code if r is not None else 0)
                return citizen
            else:
                time.sleep(1.0)
        body = {
            "institution_id": citizen.institution["id"], "category": "work_not_done",
            "description": f"Крыша спортзала не отремонтирована, хотя ремонт оплачен (drill {citizen.index}).",
            "location": {"lat": 53.28, "lon": 69.38}, "media_ids": [citizen.media_id], "language": "ru",
            "publish_text": True,
            "applicant": citizen.applicant or {"name": "Drill Citizen", "email": citizen.email, "phone": None},
        }
        headers = {"Idempotency-Key": citizen.key}
        while True:
            r = _record(citizen, "appeal", lambda: session.post(f"{citizen.base_url}/api/appeals/v1/appeals",
                                                                json=body, headers=headers, timeout=30))
            if r is not None and r.status_code == 201:
                citizen.receipt, citizen.outcome, citizen.final_status = r.json(), "accepted", 201
                return citizen
            waiting = r is None or r.status_code >= 500 or _unknown_media(r) or _unknown_institution(r)
            if not waiting or time.time() > deadline:
                citizen.outcome, citizen.final_status = "rejected-appeal", (r.status_code if r is not None else 0)
                return citizen
            time.sleep(1.0 if r is None or r.status_code >= 500 else 0.3)
    finally:
        session.close()


class Load:
    """Starts one citizen every 1/rate seconds on its own thread until stopped, `duration` passes or every
    institution has had its citizen (one each, so each institution's mailbox counts one appeal's emails)."""

    def __init__(self, institutions: list[dict], *, rate: float, duration: float, run_id: str,
                 base_url: str = BASE_URL):
        self.institutions, self.rate, self.duration, self.run_id = institutions, rate, duration, run_id
        self.base_url = base_url
        self.citizens: list[Citizen] = []
        self.threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._runner = threading.Thread(target=self._run, daemon=True)
        self.started_at = self.stopped_at = 0.0

    def start(self) -> "Load":
        self.started_at = time.time()
        self._runner.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        period = 1.0 / self.rate
        next_at = time.monotonic()
        end = next_at + self.duration
        index = 0
        while not self._stop.is_set() and time.monotonic() < end and index < len(self.institutions):
            institution = self.institutions[index]
            citizen = Citizen(index, institution, f"drill-{self.run_id}-{index}@mail.kz", base_url=self.base_url)
            self.citizens.append(citizen)
            thread = threading.Thread(target=file_appeal, args=(citizen,), daemon=True)
            thread.start()
            self.threads.append(thread)
            index += 1
            next_at += period
            self._stop.wait(max(0.0, next_at - time.monotonic()))
        self.stopped_at = time.time()

    def join(self, timeout: float = 300) -> None:
        self._runner.join(timeout)
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.1, deadline - time.monotonic()))
