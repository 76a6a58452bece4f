"""An idle outbox relay sleeps on LISTEN; the transaction that writes outbox rows wakes it at its commit.

Checked on a scratch schema with its own outbox table (the same migration helper as every service's), so
no real event is written."""
import threading
import time
import uuid

from sqlalchemy import MetaData, create_engine, insert, text

from services.common.db import OUTBOX_WAKE_CHANNEL, outbox_table
from services.common.migrations import add_outbox_wake_trigger
from services.common.outbox import OutboxRelay
from services.common.settings import get
from tests.support.polling import wait_for

SLEEP = 30.0  # the relay's longest sleep: a wake-up well before it can only be the NOTIFY


class Op:
    """The part of Alembic's `op` the helper uses."""

    def __init__(self, conn):
        self.conn = conn

    def execute(self, sql):
        self.conn.execute(text(sql))


def scratch_outbox(**pool):
    engine = create_engine(get("ASHYQ_BUDGET_DATABASE_URL"), **pool, connect_args={
        "options": f"-c search_path=wake_{uuid.uuid4().hex[:12]}"})
    with engine.begin() as conn:
        schema = conn.execute(text("show search_path")).scalar()
        conn.execute(text(f"create schema {schema}"))
        outbox = outbox_table(MetaData())
        outbox.create(conn)
        add_outbox_wake_trigger(Op(conn))
    return engine, outbox, schema


def write_event(engine, outbox):
    event_id = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(insert(outbox).values(event_id=event_id, topic="t", key="k", type="test", payload={}))


def sleeping_relay(engine, outbox):
    relay = OutboxRelay(service="wake-test", engine=engine, outbox=outbox, bootstrap="unused", poll_seconds=SLEEP)
    listening = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    listening.execute(text(f"LISTEN {OUTBOX_WAKE_CHANNEL}"))
    return relay, listening


def time_asleep(relay, listening, while_asleep=None) -> float:
    started = time.monotonic()
    if while_asleep:
        threading.Timer(0.3, while_asleep).start()
    relay._wait_for_rows(listening.connection.driver_connection, threading.Event())
    return time.monotonic() - started


def test_a_committed_outbox_row_wakes_the_sleeping_relay_at_once():
    engine, outbox, schema = scratch_outbox()
    relay, listening = sleeping_relay(engine, outbox)
    try:
        assert time_asleep(relay, listening, lambda: write_event(engine, outbox)) < SLEEP / 3
    finally:
        listening.close()
        with engine.begin() as conn:
            conn.execute(text(f"drop schema {schema} cascade"))


def test_announcements_that_came_while_publishing_are_taken_together():
    engine, outbox, schema = scratch_outbox()
    relay, listening = sleeping_relay(engine, outbox)
    try:
        for _ in range(3):
            write_event(engine, outbox)  # three commits while the relay was busy publishing
        assert time_asleep(relay, listening) < SLEEP / 3
        assert list(listening.connection.driver_connection.notifies(timeout=0)) == []  # one look serves all three
    finally:
        listening.close()
        with engine.begin() as conn:
            conn.execute(text(f"drop schema {schema} cascade"))


def test_a_stopped_relay_lets_go_of_its_lock_and_hands_back_a_quiet_connection():
    engine, outbox, schema = scratch_outbox(pool_size=2, max_overflow=0)  # the relay's lock and its queries
    others = create_engine(get("ASHYQ_BUDGET_DATABASE_URL"))
    relay = OutboxRelay(service=f"wake-test-{uuid.uuid4().hex}", engine=engine, outbox=outbox,
                        bootstrap="unused", poll_seconds=0.2)  # no rows: it never needs Kafka
    lock_is_free = text("select pg_try_advisory_lock(:id) and pg_advisory_unlock(:id)")
    stop = threading.Event()
    running = threading.Thread(target=relay.run, args=(stop,))
    running.start()
    try:
        with others.connect() as other:
            wait_for(lambda: not other.execute(lock_is_free, {"id": relay.lock_id}).scalar(), timeout=10,
                     what="the relay to take its lock")
            stop.set()
            running.join(timeout=10)
            assert other.execute(lock_is_free, {"id": relay.lock_id}).scalar()
        with engine.connect() as first, engine.connect() as second:  # the whole pool: the relay's connections
            for conn in (first, second):
                assert conn.execute(text("select count(*) from pg_listening_channels()")).scalar() == 0
    finally:
        stop.set()
        engine.dispose()
        with others.begin() as conn:
            conn.execute(text(f"drop schema {schema} cascade"))
