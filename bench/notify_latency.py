"""Appeal -> institution email latency, beside raw Kafka produce -> consume latency on the same broker.

    var/venv/bin/python bench/notify_latency.py [--rate 20] [--seconds 30] [--burst-rate 100] [--burst-seconds 10]

1. baseline: kafka-python produces timestamped records at the steady rate to `bench.notify-latency` (created
   if missing) and a consumer reads them back: p50/p99 of produce -> consume.
2. steady: appeals POSTed through nginx at the rate; latency = POST start -> the institution's email as
   Mailpit received it (`Created`). Read back after the run from Mailpit's API (the subject has the ticket).
3. burst: the same at the burst rate for a short time; "no growing backlog" = the last appeals' latency is
   not far above the first ones' and everything drains soon after the last POST.
`--via kafka` publishes appeal_submitted events straight to Kafka instead of POSTing (notify alone).
Results: bench/results/notify_latency.json. Start with an empty Mailpit for comparable figures (see
warn_if_mailpit_is_full).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import requests
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from services.common.events import make_event  # noqa: E402
from services.common.topics import APPEALS, BUDGET_INSTITUTIONS  # noqa: E402
from tests.support.auth import bearer  # noqa: E402
from tests.support.stack import BASE_URL, KAFKA, MAILPIT, institution_event, publish, sample_appeal  # noqa: E402

BENCH_TOPIC = "bench.notify-latency"
RESULTS = Path(__file__).parent / "results"


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"n": len(values), "p50_ms": round(pick(0.50) * 1000, 1), "p99_ms": round(pick(0.99) * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1), "mean_ms": round(statistics.mean(values) * 1000, 1)}


def paced(rate: float, seconds: float, action, workers: int = 16) -> None:
    """Call action(i) at a steady rate (open loop: a slow call does not delay the next one)."""
    start = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        for i in range(int(rate * seconds)):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(action, i)


def kafka_baseline(rate: float, seconds: float) -> dict:
    admin = KafkaAdminClient(bootstrap_servers=KAFKA.split(","))
    if BENCH_TOPIC not in admin.list_topics():
        admin.create_topics([NewTopic(BENCH_TOPIC, num_partitions=1, replication_factor=1)])
    admin.close()
    consumer = KafkaConsumer(bootstrap_servers=KAFKA.split(","), enable_auto_commit=False)
    tp = TopicPartition(BENCH_TOPIC, 0)
    consumer.assign([tp])
    consumer.seek_to_end(tp)
    consumer.position(tp)
    run_id = uuid.uuid4().hex.encode()
    latencies: list[float] = []
    done = threading.Event()

    def consume():
        while not done.is_set():
            for records in consumer.poll(timeout_ms=100).values():
                now = time.time()
                for r in records:
                    if r.key == run_id:
                        latencies.append(now - float(r.value))
    reader = threading.Thread(target=consume)
    reader.start()
    producer = KafkaProducer(bootstrap_servers=KAFKA.split(","), acks="all", linger_ms=0)
    paced(rate, seconds, lambda i: producer.send(BENCH_TOPIC, key=run_id, value=repr(time.time()).encode()),
          workers=1)
    producer.flush()
    time.sleep(1.0)
    done.set()
    reader.join()
    producer.close()
    consumer.close()
    return percentiles(latencies)


def new_institution() -> dict:
    event = institution_event()
    publish(BUDGET_INSTITUTIONS, event["data"]["id"], event)
    institution = event["data"]

    def notify_knows():
        r = requests.get(f"{BASE_URL}/api/notify/v1/institutions/{institution['id']}/contact",
                         headers=bearer("operator"), timeout=5)
        return r.status_code == 200
    wait(notify_knows, 60, "notify to learn the institution")
    return institution


def wait(probe, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def submitter(via: str, institution: dict, started: dict, errors: list):
    session = requests.Session()
    lock = threading.Lock()

    def post(i: int) -> None:
        t0 = time.time()
        if via == "kafka":
            ticket = f"BENCH-{uuid.uuid4().hex[:10]}"
            data = {**sample_appeal(institution["id"]), "appeal_id": str(uuid.uuid4()), "ticket": ticket,
                    "deadline": "2026-12-17", "tracking_url": f"{BASE_URL}/track/{ticket}"}
            publish_fast(data)
        else:
            body = sample_appeal(institution["id"])
            try:
                response = session.post(f"{BASE_URL}/api/appeals/v1/appeals", json=body, timeout=30)
            except requests.RequestException as exc:
                errors.append(type(exc).__name__)
                return
            if response.status_code != 201:
                errors.append(response.status_code)
                return
            ticket = response.json()["ticket"]
        with lock:
            started[ticket] = t0
    return post


_producer = None


def publish_fast(data: dict) -> None:
    global _producer
    if _producer is None:
        _producer = KafkaProducer(bootstrap_servers=KAFKA.split(","), acks="all")
    event = make_event(type="kz.ashyq.appeals.appeal_submitted.v1", source="/ashyq/appeals",
                       subject=data["appeal_id"], data=data)
    _producer.send(APPEALS, key=data["appeal_id"].encode(), value=json.dumps(event).encode())


def received_at(address: str) -> dict[str, float]:
    """Ticket -> when Mailpit received the institution's email."""
    out, start = {}, 0
    while True:
        page = requests.get(f"{MAILPIT}/api/v1/search", params={"query": f'to:"{address}"', "limit": 500,
                                                                "start": start}, timeout=30).json()
        for m in page.get("messages", []):
            ticket = m["Subject"].rsplit(" ", 1)[-1]
            out[ticket] = datetime.fromisoformat(m["Created"].replace("Z", "+00:00")).timestamp()
        start += 500
        if start >= page.get("messages_count", page.get("total", 0)) or not page.get("messages"):
            return out


def collect(address: str, got: dict, done: threading.Event) -> None:
    """Read the institution's emails back while they arrive: the local Mailpit keeps only its newest
    ~500 messages (its default --max), so under load an email may be pruned seconds after it came."""
    while not done.is_set():
        try:
            got.update(received_at(address))
        except requests.RequestException:
            pass
        done.wait(0.3)


def email_phase(via: str, rate: float, seconds: float) -> dict:
    institution = new_institution()
    address = institution["contact_emails"][0]
    if via == "appeals":  # appeals learns institutions from events too
        wait(lambda: requests.post(f"{BASE_URL}/api/appeals/v1/appeals", json=sample_appeal(institution["id"]),
                                   timeout=10).status_code == 201, 60, "appeals to learn the institution")
    started: dict[str, float] = {}
    errors: list = []
    got: dict[str, float] = {}
    collecting = threading.Event()
    collector = threading.Thread(target=collect, args=(address, got, collecting))
    collector.start()
    t_start = time.time()
    paced(rate, seconds, submitter(via, institution, started, errors))
    if _producer is not None:
        _producer.flush()
    t_last_post = time.time()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all(t in got for t in list(started)):
        time.sleep(0.5)
    collecting.set()
    collector.join()
    latencies = [(started[t], got[t] - started[t]) for t in started if t in got]
    latencies.sort()
    values = [lat for _, lat in latencies]
    third = max(1, len(values) // 3)
    return {"via": via, "rate_per_s": rate, "seconds": seconds, "submitted": len(started), "errors": len(errors),
            "error_samples": errors[:5], "emailed": len(values), "missing": len(started) - len(values),
            "achieved_rate_per_s": round(len(started) / max(1e-9, t_last_post - t_start), 1),
            "latency": percentiles(values),
            "first_third": percentiles(values[:third]), "last_third": percentiles(values[-third:]),
            "drained_after_last_post_s": round(max(got[t] for t in started if t in got) - t_last_post, 2)
            if values else None}


MAILPIT_COMPARABLE = 20_000


def warn_if_mailpit_is_full() -> None:
    """Mailpit's accept latency grows with its database (measured: p50 9 ms with 5k messages, 131 ms with
    86k, at 20 appeals/s): figures from a full Mailpit measure Mailpit, not notify."""
    held = requests.get(f"{MAILPIT}/api/v1/info", timeout=5).json().get("Messages", 0)
    if held > MAILPIT_COMPARABLE:
        print(f"WARNING: Mailpit holds {held} messages; for comparable figures start it empty: "
              "launcher.py stop mailpit; rm var/mailpit/mailpit.db*; launcher.py start mailpit", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--via", choices=["appeals", "kafka"], default="appeals")
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--burst-rate", type=float, default=100)
    parser.add_argument("--burst-seconds", type=float, default=10)
    args = parser.parse_args()

    warn_if_mailpit_is_full()
    baseline = kafka_baseline(args.rate, min(args.seconds, 10))
    print("kafka produce->consume:", baseline, flush=True)
    steady = email_phase(args.via, args.rate, args.seconds)
    print("steady:", json.dumps(steady), flush=True)
    burst = email_phase(args.via, args.burst_rate, args.burst_seconds)
    print("burst:", json.dumps(burst), flush=True)
    ratio = (steady["latency"].get("p99_ms") or 0) / max(baseline.get("p99_ms") or 1, 1e-9)
    result = {"at": datetime.now().isoformat(timespec="seconds"), "kafka_baseline": baseline, "steady": steady,
              "burst": burst, "p99_email_over_p99_kafka": round(ratio, 1),
              "goal_p99_le_1s_at_20_per_s": (steady["latency"].get("p99_ms") or 1e9) <= 1000,
              # growing: the last appeals of the burst wait clearly longer than the first ones did
              "burst_backlog_growing": (burst["last_third"].get("p50_ms") or 0) > 1.5 * (
                  burst["first_third"].get("p50_ms") or 0) + 250}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"notify_latency_{args.via}.json").write_text(json.dumps(result, indent=2))
    print(f"p99 appeal->email {steady['latency'].get('p99_ms')} ms vs p99 kafka {baseline.get('p99_ms')} ms: "
          f"ratio {result['p99_email_over_p99_kafka']}; goal met: {result['goal_p99_le_1s_at_20_per_s']}; "
          f"burst backlog growing: {result['burst_backlog_growing']}")


if __name__ == "__main__":
    main()
