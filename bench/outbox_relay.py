"""Commit -> Kafka latency of the outbox relay: sleeping on LISTEN vs polling every 50 ms, beside raw Kafka.

    var/venv/bin/python bench/outbox_relay.py [--rate 20] [--seconds 15]

In one run, on the same broker and database:
1. baseline: kafka-python produces timestamped records at the rate and a consumer reads them back.
2. listen: an OutboxRelay (LISTEN, the outbox trigger's NOTIFY at commit) publishes rows committed at the rate
   into a scratch schema's outbox (same migration helper as the services); latency = commit returned -> consumed.
3. poll: the same relay with listen=False and poll_seconds=0.05 (what every service did before).
Reports p50/p99 of each and their ratios to the baseline. Results: bench/results/outbox_relay.json.
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from pathlib import Path

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import NewTopic
from sqlalchemy import MetaData, create_engine, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.notify_latency import kafka_baseline, paced, percentiles  # noqa: E402
from services.common.db import outbox_table  # noqa: E402
from services.common.migrations import add_outbox_wake_trigger  # noqa: E402
from services.common.outbox import OutboxRelay  # noqa: E402
from services.common.settings import get  # noqa: E402
from tests.support.stack import KAFKA  # noqa: E402

TOPIC = "bench.outbox-relay"
RESULTS = Path(__file__).parent / "results"


class Op:
    def __init__(self, conn):
        self.conn = conn

    def execute(self, sql):
        self.conn.execute(text(sql))


def scratch_outbox():
    schema = f"bench_relay_{uuid.uuid4().hex[:10]}"
    engine = create_engine(get("ASHYQ_BUDGET_DATABASE_URL"), pool_size=8,
                           connect_args={"options": f"-c search_path={schema}"})
    outbox = outbox_table(MetaData())
    with engine.begin() as conn:
        conn.execute(text(f"create schema {schema}"))
        outbox.create(conn)
        add_outbox_wake_trigger(Op(conn))
    return engine, outbox, schema


def ensure_topic() -> None:
    admin = KafkaAdminClient(bootstrap_servers=KAFKA.split(","))
    if TOPIC not in admin.list_topics():
        admin.create_topics([NewTopic(TOPIC, num_partitions=1, replication_factor=1)])
    admin.close()


def relay_latency(engine, outbox, *, listen: bool, rate: float, seconds: float) -> dict:
    relay = OutboxRelay(service=f"bench-{uuid.uuid4().hex}", engine=engine, outbox=outbox, bootstrap=KAFKA,
                        poll_seconds=1.0 if listen else 0.05, listen=listen)
    consumer = KafkaConsumer(bootstrap_servers=KAFKA.split(","), enable_auto_commit=False)
    tp = TopicPartition(TOPIC, 0)
    consumer.assign([tp])
    consumer.seek_to_end(tp)
    consumer.position(tp)
    run_id = uuid.uuid4().hex
    committed: dict[int, float] = {}
    latencies: list[float] = []
    stop, done = threading.Event(), threading.Event()

    def consume():
        while not done.is_set():
            for records in consumer.poll(timeout_ms=100).values():
                now = time.time()
                for record in records:
                    event = json.loads(record.value)
                    if event.get("run") == run_id and event["seq"] in committed:
                        latencies.append(now - committed[event["seq"]])

    def commit(seq: int):
        event = {"id": str(uuid.uuid4()), "type": "bench.relay", "run": run_id, "seq": seq}
        with engine.begin() as conn:
            conn.execute(insert(outbox).values(event_id=event["id"], topic=TOPIC, key=run_id, type=event["type"],
                                               payload=event))
        committed[seq] = time.time()

    threads = [threading.Thread(target=consume), threading.Thread(target=relay.run, args=(stop,))]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # the relay takes its lock and (if listening) LISTENs
    paced(rate, seconds, commit, workers=4)
    time.sleep(1.5)
    stop.set()
    done.set()
    for thread in threads:
        thread.join()
    consumer.close()
    return {**percentiles(latencies), "sent": int(rate * seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    ensure_topic()
    engine, outbox, schema = scratch_outbox()
    try:
        result = {"rate": args.rate, "seconds": args.seconds,
                  "baseline_kafka": kafka_baseline(args.rate, args.seconds),
                  "listen": relay_latency(engine, outbox, listen=True, rate=args.rate, seconds=args.seconds),
                  "poll_50ms": relay_latency(engine, outbox, listen=False, rate=args.rate, seconds=args.seconds)}
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"drop schema {schema} cascade"))
    base = result["baseline_kafka"]["p50_ms"]
    for mode in ("listen", "poll_50ms"):
        result[f"{mode}_p50_over_baseline"] = round(result[mode]["p50_ms"] / base, 1) if base else None
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "outbox_relay.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
