"""Appeal intake through nginx vs a no-op endpoint on the same gunicorn config, in the same run.

    var/venv/bin/python bench/appeals_intake.py [--levels 1,2,4,8,16,32] [--step-seconds 4] [--half-seconds 6] [--rounds 4]

1. rising concurrency (closed loop): at each level, N clients POST for a few seconds, in alternating slices
   (--rounds) to the baseline `POST /api/appeals/v1/noop` (same app, chassis and gunicorn workers, no work)
   and to `POST /api/appeals/v1/appeals` with a fresh Idempotency-Key and applicant email each time, so both
   see the same moments of a shared, noisy machine;
2. the peak rate of each, and their ratio (goal: intake >= 35 % of the no-op rate);
3. half the intake peak, open loop (requests sent on a schedule, latency from the scheduled time so a
   slow answer is not hidden): p50/p99 (goal: p99 <= 100 ms).
Each client thread binds its own loopback source address (127.0.1.x) so nginx sees distinct clients, as in
real life: the per-IP limit is not what is measured. Results: bench/results/appeals_intake.json.
Note: every appeal is real — notify emails the citizen (Mailpit) afterwards; the institution has no address.
"""
from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from services.common.settings import get  # noqa: E402
from services.common.topics import BUDGET_INSTITUTIONS  # noqa: E402
from tests.support.polling import wait_for  # noqa: E402
from tests.support.stack import institution_event, publish, sample_appeal  # noqa: E402

HOST, PORT = "127.0.0.1", int(get("ASHYQ_HTTP_PORT"))
INTAKE, NOOP = "/api/appeals/v1/appeals", "/api/appeals/v1/noop"
RESULTS = Path(__file__).parent / "results"


class Client:
    """One keep-alive connection from its own loopback address."""

    def __init__(self, index: int):
        self.source = f"127.0.1.{index % 250 + 1}"
        self.connection = None

    def post(self, path: str, body: bytes, headers: dict) -> int:
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(HOST, PORT, timeout=30, source_address=(self.source, 0))
            try:
                self.connection.request("POST", path, body=body, headers=headers)
                response = self.connection.getresponse()
                response.read()
                return response.status
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    return 0
        return 0


def request_for(path: str, institution_id: str) -> tuple[bytes, dict]:
    body = sample_appeal(institution_id)
    body["applicant"]["email"] = f"bench-{uuid.uuid4().hex[:12]}@bench.ashyq.kz"
    headers = {"Content-Type": "application/json"}
    if path == INTAKE:
        headers["Idempotency-Key"] = str(uuid.uuid4())
    return json.dumps(body, ensure_ascii=False).encode(), headers


def closed_loop(path: str, institution_id: str, clients: int, seconds: float,
                latencies: list[float] | None = None, errors: list[int] | None = None) -> float:
    """N clients for `seconds`; adds to `latencies` and `errors`, returns the time it took."""
    latencies = [] if latencies is None else latencies
    errors = [] if errors is None else errors
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def run(index: int) -> None:
        client, mine, bad = Client(index), [], []
        while time.monotonic() < stop_at:
            body, headers = request_for(path, institution_id)
            started = time.perf_counter()
            status = client.post(path, body, headers)
            if status in (200, 201):
                mine.append(time.perf_counter() - started)
            else:
                bad.append(status)
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - started


def interleaved(institution_id: str, clients: int, seconds: float, rounds: int) -> tuple[dict, dict]:
    """The no-op and intake in alternating slices, so both see the same moments of a noisy shared machine."""
    measured = {path: ([], [], 0.0) for path in (NOOP, INTAKE)}
    for _ in range(rounds):
        for path in (NOOP, INTAKE):
            latencies, errors, elapsed = measured[path]
            elapsed += closed_loop(path, institution_id, clients, seconds / rounds, latencies, errors)
            measured[path] = (latencies, errors, elapsed)
    return tuple({"clients": clients, "rate": round(len(latencies) / elapsed, 1), "errors": len(errors),
                  "error_statuses": sorted(set(errors)), **percentiles(latencies)}
                 for latencies, errors, elapsed in (measured[NOOP], measured[INTAKE]))


def open_loop(path: str, institution_id: str, rate: float, seconds: float, workers: int = 64) -> dict:
    """Requests on a fixed schedule; latency counts from the scheduled moment."""
    total = int(rate * seconds)
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    counter = iter(range(total))
    start = time.perf_counter() + 0.2

    def run(index: int) -> None:
        client = Client(index)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            due = start + i / rate
            body, headers = request_for(path, institution_id)
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            status = client.post(path, body, headers)
            with lock:
                (latencies.append(time.perf_counter() - due) if status in (200, 201) else errors.append(status))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    achieved = len(latencies) / max(time.perf_counter() - start, 1e-9)
    return {"target_rate": round(rate, 1), "achieved_rate": round(achieved, 1), "errors": len(errors),
            "error_statuses": sorted(set(errors)), **percentiles(latencies)}


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"n": len(values), "p50_ms": round(pick(0.50) * 1000, 1), "p99_ms": round(pick(0.99) * 1000, 1),
            "mean_ms": round(statistics.mean(values) * 1000, 1)}


def bench_institution() -> str:
    """A fresh institution without an email address (notify records it undeliverable, sends nothing)."""
    event = institution_event(contact_emails=[], name_ru="Бенчмарк: приём обращений")
    publish(BUDGET_INSTITUTIONS, event["data"]["id"], event)
    institution_id = event["data"]["id"]
    client = Client(0)

    def known() -> bool:
        body, headers = request_for(INTAKE, institution_id)
        return client.post(INTAKE, body, headers) == 201
    wait_for(known, timeout=60, what="appeals to learn the bench institution")
    return institution_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--levels", default="1,2,4,8,16,32")
    parser.add_argument("--step-seconds", type=float, default=4.0)
    parser.add_argument("--half-seconds", type=float, default=6.0)
    parser.add_argument("--rounds", type=int, default=4, help="alternating no-op/intake slices per level")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    institution_id = bench_institution()

    steps = []
    for clients in levels:
        noop, intake = interleaved(institution_id, clients, args.step_seconds, args.rounds)
        steps.append({"clients": clients, "noop": noop, "intake": intake})
        print(f"clients={clients:>3}  noop {noop['rate']:>7.1f}/s p99 {noop.get('p99_ms')} ms   "
              f"intake {intake['rate']:>7.1f}/s p99 {intake.get('p99_ms')} ms  errors {intake['errors']}", flush=True)

    noop_peak = max(s["noop"]["rate"] for s in steps)
    intake_peak = max(s["intake"]["rate"] for s in steps)
    half_intake = open_loop(INTAKE, institution_id, intake_peak / 2, args.half_seconds)
    half_noop = open_loop(NOOP, institution_id, noop_peak / 2, args.half_seconds)
    result = {
        "bench": "appeals_intake", "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "web_workers": get("ASHYQ_WEB_WORKERS"), "steps": steps,
        "noop_peak_per_s": noop_peak, "intake_peak_appeals_per_s": intake_peak,
        "ratio_intake_to_noop": round(intake_peak / noop_peak, 3) if noop_peak else None,
        "intake_at_half_peak": half_intake, "noop_at_half_peak": half_noop,
        "goals": {"ratio_at_least": 0.35, "p99_ms_at_half_peak_at_most": 100},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "appeals_intake.json").write_text(json.dumps(result, indent=2))
    print(f"\npeak: intake {intake_peak}/s, no-op {noop_peak}/s, ratio {result['ratio_intake_to_noop']}")
    print(f"at half the intake peak ({half_intake['target_rate']}/s): p50 {half_intake.get('p50_ms')} ms, "
          f"p99 {half_intake.get('p99_ms')} ms, errors {half_intake['errors']} {half_intake['error_statuses']}")
    print(f"(no-op at half its peak: p50 {half_noop.get('p50_ms')} ms, p99 {half_noop.get('p99_ms')} ms)")


if __name__ == "__main__":
    main()
