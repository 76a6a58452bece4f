"""The delivery loop: sends due notifications, once each, and records every attempt.

Several senders (threads, and notify instances) run side by side. A sender claims a batch of due rows
with FOR NO KEY UPDATE SKIP LOCKED and keeps them locked while it sends them, so no two senders send
the same email. The moment the SMTP server accepts an email, its "sent" attempt and its
notification-sent event are committed on a separate connection (one statement); the instant before,
the final dot of DATA, is bridged by a "handed over" record (see handover.py). A sender killed
mid-batch sends at most the one email it was sending again (with the same Message-ID) and loses none;
the rows its batch had not reached go back to the queue. Failed sends are rescheduled in the row itself
(a persisted backoff), never by sleeping in a consumer.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone

from sqlalchemy import event, exists, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from services.common import metrics
from services.common.db import transaction

from . import db, events, usecases
from .domain.delivery import is_permanent_smtp_code, next_attempt_at
from .domain.emails import is_plausible_address
from .handover import HANDED_OVER, HandOver
from .smtp import SmtpFailure, SmtpSender, bounce_address, build_message

logger = logging.getLogger(__name__)

n, a = db.notifications, db.delivery_attempts
SENT_ALREADY = exists().where(a.c.notification_id == n.c.id, a.c.outcome.in_(("sent", HANDED_OVER)))
CONFIRMED = exists().where(a.c.notification_id == n.c.id, a.c.outcome == "sent")


class DeliveryLoop:
    def __init__(self, *, sessions: sessionmaker, marks: Engine, sender: SmtpSender, mail_from: str,
                 wake: threading.Event, batch_size: int = 5, idle_seconds: float = 0.2):
        self.sessions = sessions
        self.marks = marks  # commits each "sent" at once (see the module docstring)
        self.sender = sender
        self.mail_from = mail_from
        self.wake = wake  # set by the consumer when it queued emails: no polling delay on the hot path
        self.batch_size = batch_size
        self.idle_seconds = idle_seconds
        self._repaired_at = 0.0

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                if not self.send_batch(stop):
                    self.wake.wait(self.idle_seconds)
                    self.wake.clear()
        finally:
            self.sender.close()

    def send_batch(self, stop: threading.Event | None = None) -> int:
        """Send a batch of due notifications; returns how many were tried (0: none due)."""
        self._repair_marks()
        with transaction(self.sessions) as session:
            rows = session.execute(
                select(n).where(n.c.status == "pending", n.c.next_attempt_at <= datetime.now(timezone.utc),
                                ~SENT_ALREADY)
                .order_by(n.c.priority, n.c.next_attempt_at).limit(self.batch_size)
                .with_for_update(skip_locked=True, key_share=True)).all()
            if not rows:
                return 0
            with self.marks.connect() as marks:
                sent = self._send_all(session, marks, rows, stop)
            if sent:
                session.execute(update(n).where(n.c.id.in_(sent)).values(
                    status="sent", sent_at=datetime.now(timezone.utc), attempts=n.c.attempts + 1, last_error=None))
            return len(rows)

    def _send_all(self, session: Session, marks: Connection, rows, stop: threading.Event | None) -> list[str]:
        sent, down = [], None
        for row in rows:
            if stop is not None and stop.is_set():
                break  # the rest stay pending for whoever comes next
            if down is not None:  # the server is unreachable: the rest of the batch waits too
                self._record_failure(session, row, down)
                continue
            handover = HandOver(marks, row.id)
            try:
                self._send(row, handover)
            except SmtpFailure as failure:
                self._record_failure(session, row, failure, handover.recorded_id())
                down = failure if failure.code is None else None
                continue
            handover.recorded_id()  # its result read: the connection is free for the "sent" mark
            self._mark_sent(marks, row)
            sent.append(row.id)
        return sent

    def _send(self, row, handover: HandOver) -> None:
        if not is_plausible_address(row.recipient):
            raise SmtpFailure(f"invalid address {row.recipient!r}", 553)
        self.sender.send(build_message(
            sender=self.mail_from, recipient=row.recipient, subject=row.subject, text=row.body_text,
            html=row.body_html, message_id=row.id, thread_id=row.thread_id),
            envelope_from=bounce_address(self.mail_from, row.thread_id),
            before_end=handover.check_alive, after_end=handover.write)

    def _mark_sent(self, marks: Connection, row) -> None:
        """The attempt and the sent event in one autocommitted statement: durable before the next send."""
        topic, key, outcome = events.outcome_event(events.NOTIFICATION_SENT, {
            "notification_id": row.id, "appeal_id": row.appeal_id, "recipient_kind": row.recipient_kind,
            "template": row.template, "source_event_id": row.event_id, "reason": None})
        attempt = insert(a).values(notification_id=row.id, outcome="sent").returning(a.c.id).cte("attempt")
        marks.execute(insert(db.outbox).values(event_id=outcome["id"], topic=topic, key=key, type=outcome["type"],
                                               payload=outcome).add_cte(attempt))
        metrics.count_email(row.template, sent=True)

    def _repair_marks(self) -> None:
        """Rows whose send was committed but whose batch was not (a killed sender): mark them sent."""
        if time.monotonic() - self._repaired_at < 30:
            return
        self._repaired_at = time.monotonic()
        with transaction(self.sessions) as session:
            # Handed over by a sender that died before the server's reply: count them sent, with their event.
            # FOR NO KEY UPDATE, as above: the marks connection's attempt rows reference these rows.
            orphans = session.execute(select(n).where(n.c.status == "pending", SENT_ALREADY, ~CONFIRMED)
                                      .with_for_update(skip_locked=True, key_share=True)).all()
            with self.marks.connect() as marks:
                for row in orphans:
                    self._mark_sent(marks, row)
            session.execute(update(n).where(n.c.status == "pending", SENT_ALREADY).values(
                status="sent", sent_at=datetime.now(timezone.utc), attempts=n.c.attempts + 1, last_error=None))

    def _record_failure(self, session: Session, row, failure: SmtpFailure, handover_id: int | None = None) -> None:
        attempts = row.attempts + 1
        error = str(failure)[:1000]
        permanent = is_permanent_smtp_code(failure.code)
        retry_at = None if permanent else next_attempt_at(datetime.now(timezone.utc), attempts)
        outcome = {"outcome": "permanent" if permanent else "temporary", "smtp_code": failure.code, "error": error}
        if handover_id is None:
            session.execute(a.insert().values(notification_id=row.id, **outcome))
        else:  # the server answered the final dot with a refusal: the hand-over becomes that failure
            session.execute(update(a).where(a.c.id == handover_id).values(**outcome))
        if retry_at is not None:
            session.execute(update(n).where(n.c.id == row.id).values(
                attempts=attempts, next_attempt_at=retry_at, last_error=error))
            logger.warning("notification %s: temporary failure, retry at %s", row.id, retry_at.isoformat())
            return
        reason = error if permanent else f"gave up after {attempts} attempts: {error}"
        session.execute(update(n).where(n.c.id == row.id).values(
            status="failed", attempts=attempts, next_attempt_at=None, last_error=reason))
        usecases.fail_for_good(session, row.id, row.appeal_id, row.recipient_kind, row.template, row.event_id, reason)
        logger.error("notification %s failed for good: %s", row.id, reason)


def marks_engine(engine: Engine) -> Engine:
    """Autocommit connections that do not wait for the WAL flush: a "sent" lost in a PostgreSQL crash
    only means the email goes again (at least once holds), and no fsync is paid per email."""
    def no_flush_wait(dbapi_connection, _record):
        dbapi_connection.autocommit = True
        dbapi_connection.execute("set synchronous_commit = off")
    event.listen(engine, "connect", no_flush_wait)
    return engine.execution_options(isolation_level="AUTOCOMMIT")
