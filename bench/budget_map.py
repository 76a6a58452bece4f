"""Budget map and institution detail through nginx, against nginx serving the same bytes as a static file.

    var/venv/bin/python bench/budget_map.py [--seconds 8] [--clients 4] [--rate 100]

The ceiling runs in the same run: the exact bytes budget answers with are written to var/bench-static/ and nginx
serves them from `/bench-static/` (deploy/local/nginx.conf.template). Two encodings are measured: `gzip` (what a
browser asks for; budget sends its copy compressed once when cached, and the static twin is that same gzipped
body, sent as is) and `identity` (the plain JSON both ways).
Load: closed-loop keep-alive clients in separate processes (requests/s, p50, p99), then the detail at a fixed
rate (default 100 requests/s) for its p99. Runs on the data currently loaded (`make up`: the default scale).
Results: bench/results/budget_map-<label>.json.

At --scale 10 (optional): load a copy with `cli --database-url ... bootstrap --scale 10`, start a second budget
gunicorn on it (own port, another Redis database), and pass `--budget-port PORT --label scale10`: budget is then
reached directly, the static ceiling still through nginx.
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import random
import statistics
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from services.common.settings import VAR, get  # noqa: E402

HOST, PORT = "127.0.0.1", int(get("ASHYQ_HTTP_PORT"))
API = "/api/budget/v1"
STATIC = VAR / "bench-static"
RESULTS = Path(__file__).parent / "results"


def _worker(port: int, paths: list[str], headers: dict, seconds: float, out) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    latencies, errors, rng = [], 0, random.Random()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        path = paths[rng.randrange(len(paths))]
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            continue
        latencies.append(time.perf_counter() - started)
    out.put((latencies, errors))


def closed_loop(name: str, port: int, paths: list[str], headers: dict, seconds: float, clients: int) -> dict:
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_worker, args=(port, paths, headers, seconds, queue))
             for _ in range(clients)]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    latencies = sorted(l for ls, _ in results for l in ls)
    return _summary(name, latencies, sum(e for _, e in results), seconds)


def fixed_rate(name: str, port: int, paths: list[str], headers: dict, seconds: float, rate: int,
               threads: int = 4) -> dict:
    """Each thread sends at rate/threads per second on its own keep-alive connection; latency from send to body."""
    latencies, errors, lock = [], [0], threading.Lock()

    def run(offset: float) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        interval = threads / rate
        start = time.perf_counter() + offset
        n = 0
        while True:
            at = start + n * interval
            if at > start + seconds:
                break
            delay = at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            path = paths[n % len(paths)]
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
            with lock:
                latencies.append(time.perf_counter() - t0) if ok else None
                errors[0] += 0 if ok else 1
            n += 1

    workers = [threading.Thread(target=run, args=(i / rate,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return _summary(name, sorted(latencies), errors[0], seconds)


def _summary(name: str, latencies: list[float], errors: int, seconds: float) -> dict:
    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2) if latencies else None
    result = {"name": name, "requests": len(latencies), "errors": errors, "rps": round(len(latencies) / seconds, 1),
              "p50_ms": pct(0.50), "p99_ms": pct(0.99),
              "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else None}
    print(f"  {name:42s} {result['rps']:8.1f} req/s  p50 {result['p50_ms']} ms  p99 {result['p99_ms']} ms"
          f"  errors {errors}", flush=True)
    return result


def prepare(detail_count: int, budget_port: int) -> dict:
    """Warm the caches and write the static twins (the same bytes per encoding); returns the paths to load."""
    base, static_base = f"http://{HOST}:{budget_port}", f"http://{HOST}:{PORT}"
    STATIC.mkdir(parents=True, exist_ok=True)
    targets = {enc: {"map": [], "detail": [], "static_map": [], "static_detail": []} for enc in ("gzip", "identity")}

    def fetch_raw(path: str, encoding: str) -> bytes:
        response = requests.get(base + path, headers={"Accept-Encoding": encoding}, timeout=60, stream=True)
        response.raise_for_status()
        assert (response.headers.get("Content-Encoding") == "gzip") == (encoding == "gzip"), path
        return response.raw.read()   # the bytes on the wire, not decompressed

    def twin(name: str, path: str, encoding: str, kind: str) -> None:
        fetch_raw(path, encoding)             # make sure it is cached
        raw = fetch_raw(path, encoding)
        (STATIC / name).write_bytes(raw)
        targets[encoding][kind].append(path)
        targets[encoding]["static_" + kind].append(f"/bench-static/{name}")

    features = requests.get(f"{base}{API}/map.geojson", timeout=60).json()["features"]
    ids = [f["id"] for f in random.Random(7).sample(features, min(detail_count, len(features)))]
    for encoding in ("gzip", "identity"):
        twin(f"map.{encoding}", f"{API}/map.geojson", encoding, "map")
        for n, iid in enumerate(ids):
            twin(f"detail-{n}.{encoding}", f"{API}/institutions/{iid}", encoding, "detail")
    probe = requests.get(f"{static_base}/bench-static/map.identity", headers={"Accept-Encoding": "identity"}, timeout=30)
    if probe.status_code != 200 or probe.content != (STATIC / "map.identity").read_bytes():
        sys.exit("nginx does not serve var/bench-static/ at /bench-static/: reload nginx with the current template")
    print(f"map: {len(features)} features, {(STATIC / 'map.identity').stat().st_size:,} bytes "
          f"({(STATIC / 'map.gzip').stat().st_size:,} gzipped); {len(ids)} institution details", flush=True)
    return targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--details", type=int, default=200)
    parser.add_argument("--budget-port", type=int, default=PORT,
                        help="where budget is reached (default: nginx); e.g. a scale-10 instance's own port")
    parser.add_argument("--label", default="default", help="names the results file: budget_map-<label>.json")
    args = parser.parse_args()
    bp = args.budget_port
    targets = prepare(args.details, bp)
    runs = {}
    identity = {"Accept-Encoding": "identity"}   # static twins are sent as stored, never recompressed
    for encoding in ("gzip", "identity"):
        t, headers = targets[encoding], {"Accept-Encoding": encoding}
        print(f"[{encoding}]", flush=True)
        runs[f"map_static_{encoding}"] = closed_loop("static map file (nginx)", PORT, t["static_map"], identity,
                                                     args.seconds, args.clients)
        runs[f"map_cached_{encoding}"] = closed_loop("cached map.geojson (budget)", bp, t["map"], headers,
                                                     args.seconds, args.clients)
        runs[f"detail_static_{encoding}"] = closed_loop("static detail files (nginx)", PORT, t["static_detail"], identity,
                                                        args.seconds, args.clients)
        runs[f"detail_cached_{encoding}"] = closed_loop("cached institution detail (budget)", bp, t["detail"], headers,
                                                        args.seconds, args.clients)
    print(f"[fixed rate {args.rate}/s, gzip]", flush=True)
    runs["detail_fixed_rate"] = fixed_rate(f"detail at {args.rate} req/s", bp, targets["gzip"]["detail"],
                                           {"Accept-Encoding": "gzip"}, args.seconds, args.rate)
    runs["detail_static_fixed_rate"] = fixed_rate(f"static detail at {args.rate} req/s", PORT,
                                                  targets["gzip"]["static_detail"], identity, args.seconds, args.rate)
    ratios = {}
    for encoding in ("gzip", "identity"):
        for what in ("map", "detail"):
            static = runs[f"{what}_static_{encoding}"]["rps"]
            ratios[f"{what}_{encoding}"] = round(runs[f"{what}_cached_{encoding}"]["rps"] / static, 3) if static else None
    goals = {"cached map >= 50% of static (gzip)": (ratios["map_gzip"] or 0) >= 0.5,
             "detail p99 <= 30 ms at 100 req/s": (runs["detail_fixed_rate"]["p99_ms"] or 1e9) <= 30}
    print("ratios (cached / static rate):", json.dumps(ratios))
    print("goals:", json.dumps(goals))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"budget_map-{args.label}.json"
    out.write_text(json.dumps({"label": args.label, "budget_port": bp, "runs": runs, "ratios": ratios, "goals": goals, "seconds": args.seconds,
                               "clients": args.clients, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
                              indent=1))
    print(f"results: {out}")


if __name__ == "__main__":
    main()
