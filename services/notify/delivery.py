"""The delivery loop: sends due notifications, once each, and records every attempt.

Several senders (threads, and notify instances) run side by side: a due row is taken with FOR UPDATE
SKIP LOCKED and stays locked while it is sent, so no two senders send the same email. Each email is
committed as sent right after the SMTP server accepted it: a sender killed mid-batch leaves at most
the one email it was sending uncommitted (sent again, with the same Message-ID). Failed sends are
rescheduled in the row itself (a persisted backoff), never by sleeping in a consumer.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from services.common import metrics
from services.common.db import transaction

from . import db, events, usecases
from .domain.delivery import is_permanent_smtp_code, next_attempt_at
from .domain.emails import is_plausible_address
from .smtp import SmtpFailure, SmtpSender, bounce_address, build_message

logger = logging.getLogger(__name__)


class DeliveryLoop:
    def __init__(self, *, sessions: sessionmaker, sender: SmtpSender, mail_from: str, wake: threading.Event,
                 idle_seconds: float = 0.2):
        self.sessions = sessions
        self.sender = sender
        self.mail_from = mail_from
        self.wake = wake  # set by the consumer when it queued emails: no polling delay on the hot path
        self.idle_seconds = idle_seconds

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                if not self.send_one():
                    self.wake.wait(self.idle_seconds)
                    self.wake.clear()
        finally:
            self.sender.close()

    def send_one(self) -> bool:
        """Send the next due notification; False when none is due."""
        with transaction(self.sessions) as session:
            # A "sent" mark lost in a PostgreSQL crash only means the email goes again (at least once
            # holds); not waiting for the WAL flush takes an fsync off every email.
            session.execute(text("set local synchronous_commit = off"))
            row = session.execute(
                select(db.notifications)
                .where(db.notifications.c.status == "pending",
                       db.notifications.c.next_attempt_at <= datetime.now(timezone.utc))
                .order_by(db.notifications.c.next_attempt_at).limit(1)
                .with_for_update(skip_locked=True)).first()
            if row is None:
                return False
            try:
                if not is_plausible_address(row.recipient):
                    raise SmtpFailure(f"invalid address {row.recipient!r}", 553)
                self.sender.send(build_message(
                    sender=self.mail_from, recipient=row.recipient, subject=row.subject, text=row.body_text,
                    html=row.body_html, message_id=row.id, thread_id=row.thread_id),
                    envelope_from=bounce_address(self.mail_from, row.thread_id))
            except SmtpFailure as failure:
                self._record_failure(session, row, failure)
                return True
            session.execute(update(db.notifications).where(db.notifications.c.id == row.id).values(
                status="sent", sent_at=datetime.now(timezone.utc), attempts=row.attempts + 1, last_error=None))
            session.execute(db.delivery_attempts.insert().values(notification_id=row.id, outcome="sent"))
            metrics.count_email(row.template, sent=True)
            usecases.publish_outcome(session, events.NOTIFICATION_SENT, row.id, row.appeal_id,
                                     row.recipient_kind, row.template, row.event_id)
            return True

    def _record_failure(self, session: Session, row, failure: SmtpFailure) -> None:
        attempts = row.attempts + 1
        error = str(failure)[:1000]
        permanent = is_permanent_smtp_code(failure.code)
        retry_at = None if permanent else next_attempt_at(datetime.now(timezone.utc), attempts)
        session.execute(db.delivery_attempts.insert().values(
            notification_id=row.id, outcome="permanent" if permanent else "temporary",
            smtp_code=failure.code, error=error))
        if retry_at is not None:
            session.execute(update(db.notifications).where(db.notifications.c.id == row.id).values(
                attempts=attempts, next_attempt_at=retry_at, last_error=error))
            logger.warning("notification %s: temporary failure, retry at %s", row.id, retry_at.isoformat())
            return
        reason = error if permanent else f"gave up after {attempts} attempts: {error}"
        session.execute(update(db.notifications).where(db.notifications.c.id == row.id).values(
            status="failed", attempts=attempts, next_attempt_at=None, last_error=reason))
        usecases.fail_for_good(session, row.id, row.appeal_id, row.recipient_kind, row.template, row.event_id, reason)
        logger.error("notification %s failed for good: %s", row.id, reason)
