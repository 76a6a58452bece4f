"""What one dashboard refresh costs: the operator summary and dead-letter list, beside /healthz on the same service.

    var/venv/bin/python bench/operator_summary.py [--service notify] [--seconds 15]

1. baseline: GET /api/<svc>/healthz through nginx, one client in a closed loop (no work behind it).
2. summary: GET /api/<svc>/v1/operator/summary (readiness checks, outbox query, Kafka offsets, DLQ scan, Redis).
3. dead-letters: GET /api/<svc>/v1/operator/dead-letters (a short-lived assign+seek reader).
Prints p50/p99 of each and the summary/baseline ratio. Results: bench/results/operator_summary.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.auth import bearer  # noqa: E402
from tests.support.stack import BASE_URL  # noqa: E402

RESULTS = Path(__file__).parent / "results"


def measure(url: str, seconds: float, headers: dict | None = None) -> dict:
    session = requests.Session()
    latencies, errors = [], 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        response = session.get(url, headers=headers, timeout=30)
        latencies.append(time.perf_counter() - started)
        errors += response.status_code != 200
    ordered = sorted(latencies)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"n": len(ordered), "errors": errors, "p50_ms": round(pick(0.5) * 1000, 1),
            "p99_ms": round(pick(0.99) * 1000, 1), "mean_ms": round(statistics.mean(ordered) * 1000, 1),
            "per_second": round(len(ordered) / seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--service", default="notify")
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    svc, operator = args.service, bearer("operator", ttl=3600)
    result = {
        "baseline_healthz": measure(f"{BASE_URL}/api/{svc}/healthz", args.seconds),
        "summary": measure(f"{BASE_URL}/api/{svc}/v1/operator/summary", args.seconds, operator),
        "dead_letters": measure(f"{BASE_URL}/api/{svc}/v1/operator/dead-letters", args.seconds, operator),
    }
    result["summary_over_baseline_p50"] = round(result["summary"]["p50_ms"] / result["baseline_healthz"]["p50_ms"], 1)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "operator_summary.json").write_text(json.dumps({"service": svc, **result}, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
