"""SQLAlchemy plumbing shared by every service: engines, sessions, and the two tables every
service database has — the transactional outbox and the processed-event ledger."""
from __future__ import annotations

import select as select_module
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import (BigInteger, Column, DateTime, Identity, Index, Integer, MetaData, String, Table, Text,
                        create_engine, event, func, text)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from .events import encode_event  # noqa: F401  (re-exported for services' convenience)


def make_engine(url: str, *, pool_size: int = 5, ping_by_socket: bool = False) -> Engine:
    """`ping_by_socket`: on checkout, look at the idle connection's socket instead of a `select 1` round trip
    (for hot paths). A pooled connection has nothing to read, so anything readable — the server's goodbye or
    the end of the stream after a restart — means it is gone: the pool drops it and takes another."""
    # A short pool_timeout: while PostgreSQL restarts, a request waiting for a connection answers 503 within
    # seconds instead of hanging for SQLAlchemy's default 30 s.
    engine = create_engine(url, pool_pre_ping=not ping_by_socket, pool_size=pool_size, max_overflow=10,
                           pool_recycle=1800, pool_timeout=5, connect_args={"connect_timeout": 5})
    if ping_by_socket:
        event.listen(engine, "checkout", _drop_if_closed)
    return engine


def _drop_if_closed(dbapi_connection, connection_record, connection_proxy) -> None:
    if idle_connection_gone(dbapi_connection):
        raise DisconnectionError("the server closed this pooled connection")


def idle_connection_gone(dbapi_connection) -> bool:
    """An idle connection has nothing to read: anything readable is the server's goodbye or the end of the
    stream (or, rarely, a notice: then the caller merely drops a good connection)."""
    return bool(dbapi_connection.closed) or socket_ready(dbapi_connection.fileno())


def socket_ready(fd: int, events: int = select_module.POLLIN, timeout: float = 0.0) -> bool:
    """Whether `fd` is ready for `events` within `timeout` seconds (poll: no FD_SETSIZE limit)."""
    poller = select_module.poll()
    poller.register(fd, events)
    return bool(poller.poll(timeout * 1000))


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any error."""
    with session_factory() as session, session.begin():
        yield session


OUTBOX_WAKE_CHANNEL = "ashyq_outbox"  # NOTIFYed by the outbox's trigger when rows are committed


def outbox_table(metadata: MetaData) -> Table:
    """Events waiting to be published, written in the same transaction as the state change."""
    table = Table(
        "outbox", metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("type", String(200), nullable=False),
        Column("payload", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("last_error", Text),
    )
    Index("outbox_unpublished", table.c.id, postgresql_where=table.c.published_at.is_(None))
    return table


def processed_events_table(metadata: MetaData) -> Table:
    """Ids of consumed events whose effect is committed: redelivery finds them and does nothing."""
    return Table(
        "processed_events", metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", String(100), primary_key=True),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


def add_to_outbox(session: Session, outbox: Table, *, topic: str, key: str, event: dict) -> None:
    session.execute(outbox.insert().values(event_id=event["id"], topic=topic, key=key, type=event["type"],
                                           payload=event))


def claim_event(session: Session, processed: Table, *, consumer: str, event_id: str) -> bool:
    """True the first time `consumer` sees `event_id` (in this transaction's effect), False after."""
    result = session.execute(insert(processed).values(consumer=consumer, event_id=event_id)
                             .on_conflict_do_nothing().returning(processed.c.event_id))
    return result.first() is not None


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("select 1"))
