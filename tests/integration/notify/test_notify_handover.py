"""What a sender dying around the final dot of DATA costs (see services/notify/handover.py): never a lost
email; a second copy, with the same Message-ID, only when it dies between the dot and the record.

The sender here is a DeliveryLoop in the test process against the drill's own schema and SMTP server; it
"dies" by an exception no code catches, after which its connections are dropped without a goodbye and a
fresh loop takes over — as a restarted worker would."""
import select
import threading
import uuid

import pytest
from psycopg import OperationalError
from sqlalchemy import create_engine, insert, text

from services.common.db import make_engine, make_session_factory
from services.notify import db
from services.notify.delivery import DeliveryLoop, marks_engine
from services.notify.handover import HandOver
from services.notify.smtp import SmtpSender
from tests.support.polling import wait_for


class Killed(BaseException):
    """Stands for SIGKILL: nothing in the delivery code catches it."""


def new_loop(drill) -> DeliveryLoop:
    engine = make_engine(drill.database_url)
    sender = SmtpSender(host="127.0.0.1", port=drill.sink.port, tls="none", user="", password="", timeout=3)
    return DeliveryLoop(sessions=make_session_factory(engine), marks=marks_engine(make_engine(drill.database_url)),
                        sender=sender, mail_from="Ashyq <no-reply@ashyq.kz>", wake=threading.Event())


def die(loop: DeliveryLoop) -> None:
    """What the kernel does to a killed process's sockets."""
    if loop.sender._conn is not None:
        loop.sender._conn.sock.close()
    loop.sessions.kw["bind"].dispose()
    loop.marks.dispose()


def queue_email(drill) -> dict:
    row = {"id": str(uuid.uuid4()), "event_id": str(uuid.uuid4()), "event_type": "kz.ashyq.appeals.appeal_submitted.v1",
           "recipient": f"school-{uuid.uuid4().hex[:8]}@edu.akmola.kz", "recipient_kind": "institution",
           "template": "appeal_submitted_institution", "language": "ru", "subject": "Новое обращение",
           "body_text": "Текст", "body_html": "<p>Текст</p>", "status": "pending", "priority": 0}
    engine = drill.engine()
    with engine.begin() as conn:
        conn.execute(insert(db.notifications).values(**row))
    engine.dispose()
    return row


def outcomes(drill, notification_id: str) -> list[str]:
    return [a.outcome for a in drill.attempts(notification_id)]


def copies(drill, email: dict) -> list:
    return [m for m in drill.sink.to(email["recipient"]) if email["id"] in m.message_id]


def test_a_sender_killed_after_the_dot_and_its_record_never_sends_the_email_twice(drill, monkeypatch):
    email = queue_email(drill)
    write = HandOver.write

    def write_then_die(self):
        write(self)
        raise Killed
    monkeypatch.setattr(HandOver, "write", write_then_die)
    dying = new_loop(drill)
    with pytest.raises(Killed):
        dying.send_batch()
    wait_for(lambda: copies(drill, email), what="the server to have the email")
    die(dying)
    monkeypatch.setattr(HandOver, "write", write)

    new_loop(drill).send_batch()  # the restarted worker's first batch repairs the marks
    assert drill.notifications(id=email["id"])[0].status == "sent"
    assert outcomes(drill, email["id"]) == ["handed_over", "sent"]
    assert len(copies(drill, email)) == 1


def test_a_sender_killed_between_the_dot_and_its_record_sends_the_email_again_never_loses_it(drill, monkeypatch):
    email = queue_email(drill)
    monkeypatch.setattr(HandOver, "write", lambda self: (_ for _ in ()).throw(Killed))
    dying = new_loop(drill)
    with pytest.raises(Killed):
        dying.send_batch()
    wait_for(lambda: copies(drill, email), what="the server to have the email")
    die(dying)
    monkeypatch.undo()

    new_loop(drill).send_batch()
    assert drill.notifications(id=email["id"])[0].status == "sent"
    assert outcomes(drill, email["id"]) == ["handed_over", "sent"]
    received = wait_for(lambda: len(copies(drill, email)) == 2 and copies(drill, email),
                        what="the second copy, sent by the restarted worker")
    assert received[0].message_id == received[1].message_id  # the mail client shows it once


def test_with_the_records_connection_gone_no_dot_is_sent_and_the_email_goes_later_once(drill, monkeypatch):
    email = queue_email(drill)
    admin = create_engine(drill.database_url)
    check_alive = HandOver.check_alive

    def terminated_first(self):
        with admin.begin() as conn:
            conn.execute(text("select pg_terminate_backend(:pid)"), {"pid": self.pg.backend_pid})
        wait_for(lambda: select.select([self.pg.socket], [], [], 0)[0], what="the server to close the connection")
        check_alive(self)
    monkeypatch.setattr(HandOver, "check_alive", terminated_first)
    loop = new_loop(drill)
    with pytest.raises(OperationalError):
        loop.send_batch()
    monkeypatch.undo()
    admin.dispose()
    assert drill.notifications(id=email["id"])[0].status == "pending"
    assert outcomes(drill, email["id"]) == []

    loop.send_batch()  # the delivery loop's supervisor runs it again
    assert drill.notifications(id=email["id"])[0].status == "sent"
    assert outcomes(drill, email["id"]) == ["handed_over", "sent"]
    assert len(wait_for(lambda: copies(drill, email))) == 1
