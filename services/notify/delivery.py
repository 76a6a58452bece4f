"""The delivery loop: sends due notifications, once each, and records every attempt.

Several notify instances may run: a due row is taken with FOR UPDATE SKIP LOCKED and stays locked
while it is sent, so no two instances send the same email. Failed sends are rescheduled in the
row itself (a persisted backoff), never by sleeping in a consumer.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from services.common.db import transaction

from . import db, events, usecases
from .domain.delivery import is_permanent_smtp_code, next_attempt_at
from .smtp import SmtpFailure, SmtpSender, build_message

logger = logging.getLogger(__name__)


class DeliveryLoop:
    def __init__(self, *, sessions: sessionmaker, sender: SmtpSender, mail_from: str, idle_seconds: float = 0.1):
        self.sessions = sessions
        self.sender = sender
        self.mail_from = mail_from
        self.idle_seconds = idle_seconds

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                if not self.send_one():
                    stop.wait(self.idle_seconds)
        finally:
            self.sender.close()

    def send_one(self) -> bool:
        """Send the next due notification; False when none is due."""
        with transaction(self.sessions) as session:
            row = session.execute(
                select(db.notifications)
                .where(db.notifications.c.status == "pending",
                       db.notifications.c.next_attempt_at <= datetime.now(timezone.utc))
                .order_by(db.notifications.c.next_attempt_at).limit(1)
                .with_for_update(skip_locked=True)).first()
            if row is None:
                return False
            message = build_message(sender=self.mail_from, recipient=row.recipient, subject=row.subject,
                                    text=row.body_text, html=row.body_html, message_id=row.id,
                                    thread_id=row.thread_id)
            try:
                self.sender.send(message)
            except SmtpFailure as failure:
                self._record_failure(session, row, failure)
                return True
            now = datetime.now(timezone.utc)
            session.execute(update(db.notifications).where(db.notifications.c.id == row.id).values(
                status="sent", sent_at=now, attempts=row.attempts + 1, last_error=None))
            session.execute(db.delivery_attempts.insert().values(notification_id=row.id, outcome="sent"))
            usecases.publish_outcome(session, events.NOTIFICATION_SENT, row.id, row.appeal_id,
                                     row.recipient_kind, row.template, row.event_id)
            return True

    def _record_failure(self, session, row, failure: SmtpFailure) -> None:
        attempts = row.attempts + 1
        now = datetime.now(timezone.utc)
        permanent = is_permanent_smtp_code(failure.code)
        retry_at = None if permanent else next_attempt_at(now, attempts)
        session.execute(db.delivery_attempts.insert().values(
            notification_id=row.id, outcome="permanent" if permanent else "temporary",
            smtp_code=failure.code, error=str(failure)[:1000]))
        if retry_at is not None:
            session.execute(update(db.notifications).where(db.notifications.c.id == row.id).values(
                attempts=attempts, next_attempt_at=retry_at, last_error=str(failure)[:1000]))
            logger.warning("notification %s: temporary failure, retry at %s", row.id, retry_at.isoformat())
            return
        session.execute(update(db.notifications).where(db.notifications.c.id == row.id).values(
            status="failed", attempts=attempts, next_attempt_at=None, last_error=str(failure)[:1000]))
        usecases.publish_outcome(session, events.NOTIFICATION_FAILED, row.id, row.appeal_id, row.recipient_kind,
                                 row.template, row.event_id, str(failure)[:500])
        logger.error("notification %s failed for good: %s", row.id, failure)
