"""Kafka clients, built when a process starts (never at import)."""
from __future__ import annotations

import socket

from kafka import KafkaProducer


def make_producer(bootstrap: str, client_id: str) -> KafkaProducer:
    """acks=all and idempotence: a retried send never duplicates or reorders a partition's records."""
    return KafkaProducer(
        bootstrap_servers=bootstrap.split(","),
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=2,
        max_block_ms=10_000,
        request_timeout_ms=10_000,
        delivery_timeout_ms=30_000,
        retry_backoff_ms=200,
        reconnect_backoff_max_ms=2_000,
    )


def broker_reachable(bootstrap: str, timeout: float = 1.0) -> None:
    """Raises unless some bootstrap broker accepts a TCP connection (cheap readiness signal)."""
    last_error: Exception | None = None
    for address in bootstrap.split(","):
        host, _, port = address.rpartition(":")
        try:
            with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout):
                return
        except OSError as exc:
            last_error = exc
    raise ConnectionError(f"no Kafka broker reachable at {bootstrap}: {last_error}")
