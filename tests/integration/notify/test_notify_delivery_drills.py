"""Delivery drills with notify's own worker processes (see conftest): SMTP down and back, a permanent
refusal and its retry, a worker killed mid-batch, two workers in one consumer group."""
import collections
import signal

from kafka import KafkaAdminClient

from services.common.db import make_session_factory
from services.common.settings import get
from services.notify import usecases
from services.notify.rendering import Renderer
from tests.support.polling import wait_for

from .conftest import submit


def test_with_the_smtp_server_stopped_emails_wait_and_go_out_once_it_is_back(drill):
    drill.start_worker()
    drill.wait_until_consuming()
    school = drill.institution()
    drill.sink.stop()

    appeal = submit(school)
    citizen = appeal["applicant"]["email"]

    def retried_later():
        rows = drill.notifications(appeal_id=appeal["appeal_id"], recipient=citizen)
        return rows and rows[0].status == "pending" and rows[0].attempts >= 1 and rows[0]
    waiting = wait_for(retried_later, timeout=60, what="a temporary failure with a retry scheduled")
    assert "SMTP unavailable" in waiting.last_error
    assert waiting.next_attempt_at is not None
    assert [a.outcome for a in drill.attempts(waiting.id)][0] == "temporary"

    drill.sink.start()
    received = wait_for(lambda: drill.sink.to(citizen), timeout=30, what="the email once SMTP is back")
    assert len(received) == 1
    assert wait_for(lambda: len(drill.sink.to(school["contact_emails"][0])) == 1, timeout=30)
    row = wait_for(lambda: (r := drill.notifications(id=waiting.id)[0]).status == "sent" and r)
    assert [a.outcome for a in drill.attempts(row.id)][-1] == "sent"


def test_a_refused_recipient_fails_for_good_with_a_dead_letter_and_a_retry_sends_it(drill):
    drill.start_worker()
    drill.wait_until_consuming()
    school = drill.institution()
    appeal = submit(school, email=f"refuse-{school['id'][:8]}@mail.kz")

    def failed():
        rows = drill.notifications(appeal_id=appeal["appeal_id"], recipient_kind="citizen")
        return rows and rows[0].status == "failed" and rows[0]
    row = wait_for(failed, timeout=60, what="the refused email to fail")
    assert [(a.outcome, a.smtp_code) for a in drill.attempts(row.id)] == [("permanent", 550)]
    engine = drill.engine()
    with engine.connect() as conn:
        letters = conn.exec_driver_sql("select reason, resolved_at from dead_letters where notification_id = %s",
                                       (row.id,)).all()
        failed_events = conn.exec_driver_sql(
            "select payload->'data'->>'reason' from outbox where type = 'kz.ashyq.notify.notification_failed.v1' "
            "and payload->'data'->>'notification_id' = %s", (row.id,)).scalars().all()
    assert len(letters) == 1 and "550" in letters[0].reason and letters[0].resolved_at is None
    assert len(failed_events) == 1 and "550" in failed_events[0]

    drill.sink.refuse = False  # the mailbox works again
    queued = usecases.retry_notification(make_session_factory(engine), Renderer("http://x"), row.id)
    assert queued == [row.id]
    wait_for(lambda: drill.sink.to(appeal["applicant"]["email"]), what="the retried email")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select resolved_at from dead_letters where notification_id = %s",
                                    (row.id,)).scalar() is not None


def test_a_worker_killed_mid_batch_and_restarted_sends_every_email(drill):
    worker = drill.start_worker()
    drill.wait_until_consuming()
    school = drill.institution()
    appeals = [submit(school) for _ in range(60)]
    citizens = {a["applicant"]["email"] for a in appeals}

    wait_for(lambda: len(drill.sink.to_any(citizens)) >= 10, what="the batch to be under way")
    drill.kill(worker, signal.SIGKILL)
    assert len(drill.sink.to_any(citizens)) < 60, "killed too late to prove anything"
    drill.start_worker()

    wait_for(lambda: {m.recipient for m in drill.sink.to_any(citizens)} == citizens, timeout=60,
             what="every citizen's email after the restart")
    wait_for(lambda: len(drill.sink.to(school["contact_emails"][0])) >= 60, timeout=60)
    received = drill.sink.to_any(citizens) + drill.sink.to(school["contact_emails"][0])
    copies = collections.Counter(m.message_id for m in received)
    assert len(copies) == 120
    # The hand-over is recorded in the same instant as the final dot of DATA, so an email the server may
    # have accepted when the worker died is counted as sent, never sent again (see notify/handover.py).
    duplicates = sum(n - 1 for n in copies.values())
    assert duplicates == 0, copies.most_common(5)


def test_two_workers_in_one_group_share_the_partitions_and_send_no_email_twice(drill):
    drill.start_worker(threads=2)
    drill.start_worker(threads=2)
    drill.wait_until_consuming()

    def both_assigned():
        admin = KafkaAdminClient(bootstrap_servers=get("ASHYQ_KAFKA_BOOTSTRAP").split(","))
        try:
            members = admin.describe_groups([drill.group])[drill.group]["members"]
        finally:
            admin.close()
        return len(members) == 2 and all(m["member_assignment"] and m["member_assignment"]["assigned_partitions"]
                                         for m in members)
    wait_for(both_assigned, timeout=60, what="both workers to hold partitions")
    drill.wait_until_consuming()

    school = drill.institution()
    appeals = [submit(school) for _ in range(40)]
    citizens = {a["applicant"]["email"] for a in appeals}
    wait_for(lambda: len(drill.sink.to_any(citizens)) >= 40 and len(drill.sink.to(school["contact_emails"][0])) >= 40,
             timeout=60, what="every email")
    received = drill.sink.to_any(citizens) + drill.sink.to(school["contact_emails"][0])
    assert len(received) == 80
    assert len({m.message_id for m in received}) == 80
