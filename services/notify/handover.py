"""The record that an email reached the SMTP server: what keeps a killed sender from sending it twice.

A sender can die between the final dot of DATA (from then on the server may have the email) and the
commit of "sent". The "handed over" record bridges that gap: the delivery loop's repair counts a
handed-over email as sent. Its timing decides what a crash costs:

- recorded before the dot, a sender killed in between loses the email (recorded, never sent);
- recorded after the server's reply, a sender killed in between sends it twice.

So the record is written to PostgreSQL right after the dot, without waiting for either server in
between (libpq's asynchronous query on the autocommitted marks connection): the two writes are adjacent
system calls, and a sender killed between them sends the email again, with the same Message-ID — never
loses it. PostgreSQL commits a query it has received even if the client is gone by then. The connection
is checked alive before the content goes out: a PostgreSQL that went away must not turn every email in
flight into a duplicate.
"""
from __future__ import annotations

import select

from psycopg import OperationalError, pq
from sqlalchemy.engine import Connection

from services.common.db import idle_connection_gone, socket_ready

HANDED_OVER = "handed_over"
RECORD = f"insert into delivery_attempts (notification_id, outcome) values ($1, '{HANDED_OVER}') returning id".encode()


class HandOver:
    def __init__(self, marks: Connection, notification_id: str):
        self.connection = marks.connection.dbapi_connection
        self.pg = self.connection.pgconn
        self.notification_id = notification_id
        self.written = False

    def check_alive(self) -> None:
        """Before the dot: raises if the marks connection is gone (then no dot is sent)."""
        if idle_connection_gone(self.connection) or self.pg.transaction_status != pq.TransactionStatus.IDLE:
            raise OperationalError("the connection for delivery records is not usable")

    def write(self) -> None:
        """Right after the dot: sends the record without waiting for its result."""
        self.pg.send_query_params(RECORD, [self.notification_id.encode()])
        while self.pg.flush():
            socket_ready(self.pg.socket, select.POLLOUT, 1.0)
        self.written = True

    def recorded_id(self) -> int | None:
        """The record's id once PostgreSQL has committed it; None if it was never written."""
        if not self.written:
            return None
        self.written = False
        results = []
        while True:
            while self.pg.is_busy():
                socket_ready(self.pg.socket, timeout=1.0)
                self.pg.consume_input()
            result = self.pg.get_result()
            if result is None:
                break
            results.append(result)
        if not results or results[0].status != pq.ExecStatus.TUPLES_OK:
            error = results[0].error_message.decode(errors="replace") if results else "no result"
            raise OperationalError(f"the hand-over record failed: {error}")
        return int(results[0].get_value(0, 0))
