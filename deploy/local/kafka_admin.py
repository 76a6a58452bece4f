"""Kafka admin helper of the local launcher; runs with var/venv/bin/python (needs kafka-python).

    kafka_admin.py --bootstrap 127.0.0.1:9092 ping [--timeout S]
        exits 0 once the broker answers a metadata request (list topics), 1 after the timeout.
    kafka_admin.py --bootstrap 127.0.0.1:9092 ensure-topics --partitions 3 TOPIC...
        creates the missing topics (replication factor 1), waits until each has a leader.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError


def admin(bootstrap: str, timeout: float) -> KafkaAdminClient:
    return KafkaAdminClient(bootstrap_servers=bootstrap, client_id="ashyq-launcher",
                            request_timeout_ms=int(max(timeout, 5) * 1000))


def ping(bootstrap: str, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            client = admin(bootstrap, timeout)
            try:
                client.list_topics()
                if client.describe_cluster().get("brokers"):
                    return 0
            finally:
                client.close()
        except (KafkaError, OSError, ValueError) as e:  # not ready yet
            last = e
        time.sleep(0.5)
    print(f"kafka at {bootstrap} did not answer a metadata request: {last!r}", file=sys.stderr)
    return 1


def ensure_topics(bootstrap: str, names: list[str], partitions: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    client = admin(bootstrap, timeout)
    try:
        existing = set(client.list_topics())
        missing = [n for n in names if n not in existing]
        for name in missing:
            try:
                client.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)],
                                     timeout_ms=int(timeout * 1000))
                print(f"created {name} ({partitions} partitions)")
            except TopicAlreadyExistsError:
                pass
        # Every partition has a leader before anyone produces.
        pending = list(names)
        while pending:
            described = {t.get("name") or t.get("topic"): t for t in client.describe_topics(pending)}
            ready = []
            for name in pending:
                t = described.get(name)
                parts = (t or {}).get("partitions") or []
                if t and not t.get("error_code") and parts and all(p.get("leader_id", p.get("leader", -1)) >= 0 for p in parts):
                    ready.append(name)
            pending = [n for n in pending if n not in ready]
            if not pending:
                break
            if time.monotonic() > deadline:
                print(f"topics without a leader after {timeout:.0f}s: {pending}", file=sys.stderr)
                return 1
            time.sleep(0.3)
        print(f"topics ok: {len(names)}")
        return 0
    finally:
        client.close()


def main() -> int:
    logging.basicConfig(level=logging.CRITICAL)
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("ping")
    p.add_argument("--timeout", type=float, default=10)
    p = sub.add_parser("ensure-topics")
    p.add_argument("--partitions", type=int, default=3)
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("topics", nargs="+")
    args = ap.parse_args()
    if args.cmd == "ping":
        return ping(args.bootstrap, args.timeout)
    return ensure_topics(args.bootstrap, args.topics, args.partitions, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
