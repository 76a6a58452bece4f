"""Notify drills that must stop SMTP, kill a worker or run two: they run their OWN notify worker processes
(the real `python -m services.notify.worker`) against their own SMTP server (aiosmtpd, a real SMTP
server on a real socket), their own schema in notify's database and their own consumer group, on the
shared Kafka topics. The shared notify worker and Mailpit that other engineers use are never touched."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from sqlalchemy import create_engine, select, text

from services.common.events import make_event
from services.common.settings import ROOT, get
from services.common.topics import APPEALS, BUDGET_INSTITUTIONS
from services.notify import db
from tests.support.polling import wait_for
from tests.support.stack import institution_event, publish


@dataclass
class Received:
    recipient: str
    message_id: str
    subject: str
    peer: tuple = ()  # the client's address and port: one per SMTP connection


@dataclass
class SmtpSink:
    """A real SMTP server that keeps what it accepts; refuses recipients starting with `refuse-` (550)."""
    port: int
    messages: list[Received] = field(default_factory=list)
    refuse: bool = True
    _controller: Controller | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse and address.startswith("refuse-"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if not getattr(session, "dot_seen", True):
            return "451 connection lost during DATA"  # see DotAwareSMTP
        message = message_from_bytes(envelope.content)
        with self._lock:
            for rcpt in envelope.rcpt_tos:
                self.messages.append(Received(rcpt, message["Message-ID"],
                                              str(make_header(decode_header(message["Subject"]))),
                                              tuple(session.peer)))
        return "250 Message accepted"

    def start(self) -> None:
        self._controller = SinkController(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if m.recipient == address]

    def to_any(self, addresses: set[str]) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if m.recipient in addresses]


class DotAwareSMTP(SMTP):
    """aiosmtpd ends DATA when the connection is lost as if the final dot had come (its read loop stops
    when the transport goes); a real server (Mailpit, Postfix) discards a message whose dot never came.
    This notes whether the dot line arrived, so the sink can do the same."""

    async def smtp_DATA(self, arg: str) -> None:
        if self.session is not None:
            self.session.dot_seen = False
        reader, read_line = self._reader, self._reader.readuntil

        async def readuntil(separator=b"\n"):
            line = await read_line(separator)
            if line == b".\r\n" and self.session is not None:
                self.session.dot_seen = True
            return line
        reader.readuntil = readuntil
        try:
            await super().smtp_DATA(arg)
        finally:
            del reader.readuntil


class SinkController(Controller):
    def factory(self):
        return DotAwareSMTP(self.handler, **self.SMTP_kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Drill:
    """One isolated notify: its schema, consumer group, SMTP sink and worker processes."""
    schema: str
    group: str
    sink: SmtpSink
    operator_mailbox: str
    log_dir: Path
    workers: list[subprocess.Popen] = field(default_factory=list)

    @property
    def database_url(self) -> str:
        return f"{get('ASHYQ_NOTIFY_DATABASE_URL')}?options=-csearch_path%3D{self.schema}"

    def engine(self):
        return create_engine(self.database_url)

    def start_worker(self, threads: int = 4) -> subprocess.Popen:
        env = dict(os.environ, PYTHONPATH=str(ROOT), ASHYQ_NOTIFY_DATABASE_URL=self.database_url,
                   ASHYQ_NOTIFY_CONSUMER_GROUP=self.group, ASHYQ_NOTIFY_OFFSET_RESET="latest",
                   ASHYQ_SMTP_HOST="127.0.0.1", ASHYQ_SMTP_PORT=str(self.sink.port), ASHYQ_SMTP_TLS="none",
                   ASHYQ_SMTP_TIMEOUT="3", ASHYQ_NOTIFY_OUTBOX_RELAY="false",
                   ASHYQ_NOTIFY_DELIVERY_THREADS=str(threads), ASHYQ_OPERATOR_MAILBOX=self.operator_mailbox)
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        log = open(self.log_dir / f"worker-{len(self.workers) + 1}.log", "wb")
        worker = subprocess.Popen([sys.executable, "-m", "services.notify.worker"], cwd=ROOT, env=env,
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.workers.append(worker)
        return worker

    def kill(self, worker: subprocess.Popen, sig=signal.SIGKILL) -> None:
        worker.send_signal(sig)
        worker.wait(timeout=30)

    def wait_until_consuming(self) -> None:
        """With offsets at `latest`, events before the group's first assignment are skipped: publish fresh
        probes until one arrives."""
        def probe():
            event = institution_event()
            publish(BUDGET_INSTITUTIONS, event["data"]["id"], event)
            return wait_for_or_none(lambda: self.contact_known(event["data"]["id"]), 3.0)
        wait_for(probe, timeout=60, interval=0, what="the drill's worker to consume")

    def contact_known(self, institution_id: str) -> bool:
        with self.engine().connect() as conn:
            return conn.execute(select(db.contacts.c.institution_id)
                                .where(db.contacts.c.institution_id == institution_id)).first() is not None

    def institution(self, emails: list[str] | None = None) -> dict:
        event = institution_event(**({"contact_emails": emails} if emails is not None else {}))
        publish(BUDGET_INSTITUTIONS, event["data"]["id"], event)
        wait_for(lambda: self.contact_known(event["data"]["id"]), what="the drill's worker to know the institution")
        return event["data"]

    def notifications(self, **where) -> list:
        n = db.notifications
        stmt = select(n)
        for name, value in where.items():
            stmt = stmt.where(n.c[name] == value)
        with self.engine().connect() as conn:
            return conn.execute(stmt).all()

    def attempts(self, notification_id: str) -> list:
        with self.engine().connect() as conn:
            return conn.execute(select(db.delivery_attempts).where(
                db.delivery_attempts.c.notification_id == notification_id).order_by(db.delivery_attempts.c.id)).all()


def wait_for_or_none(probe, timeout: float):
    try:
        return wait_for(probe, timeout=timeout)
    except AssertionError:
        return None


def submit(institution: dict, language: str = "ru", email: str | None = None, appeal_id: str | None = None) -> dict:
    appeal_id = appeal_id or str(uuid.uuid4())
    data = {"appeal_id": appeal_id, "ticket": f"AKM-2026-{uuid.uuid4().int % 10**6:06d}",
            "institution_id": institution["id"], "category": "other", "description": "Проверка доставки.",
            "media_ids": [], "language": language, "deadline": "2026-12-17",
            "tracking_url": f"http://localhost:8080/track/{appeal_id}",
            "applicant": {"name": "Ерлан Ахметов", "email": email or f"citizen-{uuid.uuid4().hex[:10]}@mail.kz"}}
    publish(APPEALS, appeal_id, make_event(type="kz.ashyq.appeals.appeal_submitted.v1", source="/ashyq/appeals",
                                           subject=appeal_id, data=data))
    return data


@pytest.fixture
def drill(tmp_path):
    schema = f"notify_drill_{uuid.uuid4().hex[:10]}"
    drill = Drill(schema=schema, group=f"notify-drill-{uuid.uuid4().hex[:10]}", sink=SmtpSink(free_port()),
                  operator_mailbox=f"operator-{uuid.uuid4().hex[:8]}@anticorruption.kz", log_dir=tmp_path)
    admin = create_engine(get("ASHYQ_NOTIFY_DATABASE_URL"))
    with admin.begin() as conn:
        conn.execute(text(f"create schema {schema}"))
    engine = drill.engine()
    db.metadata.create_all(engine)
    engine.dispose()
    drill.sink.start()
    try:
        yield drill
    finally:
        for worker in drill.workers:
            if worker.poll() is None:
                drill.kill(worker, signal.SIGTERM)
        drill.sink.stop()
        with admin.begin() as conn:
            conn.execute(text(f"drop schema {schema} cascade"))
        admin.dispose()
