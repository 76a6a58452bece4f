"""Intake's engine checks pooled connections by their socket, not by a round trip: still, a connection the
server has closed (a restart, an administrator) is never handed out."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.common.db import make_engine
from services.common.settings import Settings

URL = Settings.for_service("appeals").database_url


def checkout_after_the_server_closed_the_pooled_connection(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        first = conn.execute(text("select pg_backend_pid()")).scalar()
    admin = make_engine(URL, pool_size=1)
    try:
        with admin.connect() as conn:
            assert conn.execute(text("select pg_terminate_backend(:pid, 5000)"), {"pid": first}).scalar()
    finally:
        admin.dispose()
    with engine.connect() as conn:
        return first, conn.execute(text("select pg_backend_pid()")).scalar()


def test_a_connection_closed_by_the_server_is_replaced_on_checkout():
    engine = make_engine(URL, pool_size=1, ping_by_socket=True)
    try:
        first, second = checkout_after_the_server_closed_the_pooled_connection(engine)
        assert second != first
    finally:
        engine.dispose()


def test_without_any_check_the_dead_connection_would_be_handed_out():
    """The control: what the socket check prevents."""
    from sqlalchemy import create_engine
    engine = create_engine(URL, pool_size=1)
    try:
        with pytest.raises(DBAPIError):
            checkout_after_the_server_closed_the_pooled_connection(engine)
    finally:
        engine.dispose()
