"""Media upload throughput and memory, on the running stack.

1. 5 MB photos at rising concurrency: POST /api/media/v1/uploads through nginx and the service (streamed to
   MinIO, checked, re-encoded, thumbnailed) against direct PUTs of the same bytes with the `minio` client
   (the ceiling), in the same run. Goal: >= 60 % of the direct-PUT throughput.
2. Peak memory (RSS) of the media web processes and their children while a 500 MB video streams through
   the multipart path (and of the worker while it renders it): flat, bounded by the part size, not the file.
3. The same video through the presigned path, /complete raced against MinIO's notification: stored once.

Run: var/venv/bin/python bench/media_upload.py   (about 3 minutes; results in bench/results/)
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.common.settings import get  # noqa: E402
from services.media.context import storage_from_settings  # noqa: E402
from tests.support.auth import bearer  # noqa: E402

API = f"http://127.0.0.1:{get('ASHYQ_HTTP_PORT')}/api/media/v1"
WORK = ROOT / "var" / "tmp" / "bench-media"
RESULTS = ROOT / "bench" / "results"
LEVELS = (1, 2, 4, 8, 16)
SECONDS_PER_LEVEL = 5.0
BENCH_BUCKET, BENCH_PREFIX = "media-quarantine", "bench/"  # not under presigned/: no notification fires


def photo_5mb() -> bytes:
    """A camera-sized photo (~5 MB): 12 MP of detail that JPEG cannot squeeze much."""
    noise = Image.effect_noise((4000, 3000), 40).convert("RGB")
    tint = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    out = io.BytesIO()
    Image.blend(noise, tint, 0.4).save(out, "JPEG", quality=82)
    return out.getvalue()


def video_500mb() -> Path:
    """A real H.264 MP4 of about 500 MB (lossless noise, so few seconds to encode), generated once."""
    path = WORK / "video-500mb.mp4"
    if path.exists() and path.stat().st_size > 400 << 20 and path.stat().st_size < 500 << 20:
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi",
                    "-i", "testsrc2=size=1280x720:rate=25,noise=alls=60:allf=t", "-t", "60",
                    "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-fs", str(480 << 20), str(path)],
                   check=True, timeout=600)
    return path


def run_level(send, concurrency: int, payload: bytes) -> dict:
    """Upload copies of `payload` from `concurrency` threads for SECONDS_PER_LEVEL; throughput in MB/s."""
    done, errors, lock = [], [], threading.Lock()
    deadline = time.monotonic() + SECONDS_PER_LEVEL

    def loop():
        session = requests.Session()
        while time.monotonic() < deadline:
            t0 = time.monotonic()
            try:
                send(session, payload)
                with lock:
                    done.append(time.monotonic() - t0)
            except Exception as exc:  # counted, reported
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        for _ in range(concurrency):
            pool.submit(loop)
    elapsed = time.monotonic() - started
    latencies = sorted(done)
    return {"concurrency": concurrency, "uploads": len(done), "errors": len(errors), "first_error": errors[:1],
            "uploads_per_s": round(len(done) / elapsed, 2),
            "mb_per_s": round(len(done) * len(payload) / elapsed / 1e6, 2),
            "p50_s": round(latencies[len(latencies) // 2], 3) if latencies else None}


def bench_photos(storage) -> list[dict]:
    payload = photo_5mb()
    token = bearer("operator", ttl=3600)  # operators are not rate-limited like anonymous citizens
    direct_keys, accepted = [], []

    def via_service(session, data):
        response = session.post(f"{API}/uploads", files={"file": ("photo.jpg", data, "image/jpeg")},
                                headers=token, timeout=120)
        if response.status_code != 201:
            raise RuntimeError(f"{response.status_code} {response.text[:120]}")
        accepted.append(response.json()["id"])

    def direct_put(_session, data):
        key = f"{BENCH_PREFIX}{uuid.uuid4()}"
        storage.client.put_object(BENCH_BUCKET, key, io.BytesIO(data), len(data), content_type="image/jpeg")
        direct_keys.append(key)

    rows = []
    print(f"photo: {len(payload) / 1e6:.1f} MB, {SECONDS_PER_LEVEL:.0f}s per level and path")
    for level in LEVELS:
        ceiling = run_level(direct_put, level, payload)
        service = run_level(via_service, level, payload)
        ratio = round(service["mb_per_s"] / ceiling["mb_per_s"], 3) if ceiling["mb_per_s"] else None
        rows.append({"concurrency": level, "direct_put": ceiling, "service": service, "ratio": ratio})
        print(f"  c={level}: direct PUT {ceiling['mb_per_s']:7.1f} MB/s ({ceiling['uploads_per_s']}/s) | "
              f"service {service['mb_per_s']:6.1f} MB/s ({service['uploads_per_s']}/s, p50 {service['p50_s']}s, "
              f"errors {service['errors']}) | ratio {ratio}" + (f" | {service['first_error'][0]}" if service['errors'] else ""))
    for key in direct_keys:
        storage.remove(BENCH_BUCKET, key)
    return rows, rendering_drain(accepted)


def rendering_drain(ids: list[str]) -> dict:
    """Accepted uploads are rendered by the worker behind the requests: how long until all are stored."""
    from sqlalchemy import create_engine, func, select
    from services.media import db
    engine = create_engine(get("ASHYQ_MEDIA_DATABASE_URL"))
    t0 = time.monotonic()
    pending = len(ids)
    while pending and time.monotonic() - t0 < 45:
        with engine.connect() as conn:
            pending = conn.execute(select(func.count()).select_from(db.media).where(
                db.media.c.id.in_(ids), db.media.c.state != "stored")).scalar()
        if pending:
            time.sleep(0.5)
    with engine.connect() as conn:
        first, last = conn.execute(select(func.min(db.media.c.created_at), func.max(db.media.c.updated_at))
                                   .where(db.media.c.id.in_(ids))).one()
    span = (last - first).total_seconds() if first and last else None
    result = {"accepted": len(ids), "not_stored_after_wait": pending, "backlog_drained_s": round(time.monotonic() - t0, 1),
              "stored_per_s_over_run": round(len(ids) / span, 2) if span else None}
    print(f"rendering: {len(ids)} accepted photos stored {result['backlog_drained_s']}s after the last upload "
          f"({result['stored_per_s_over_run']}/s over the run, {pending} not stored)")
    return result


def media_processes(name: str = "media") -> list[int]:
    """A launcher-started process (the media gunicorn master or the media worker), its children, and whatever
    they run (ffprobe/ffmpeg)."""
    master = int((ROOT / "var" / "run" / f"{name}.pid").read_text().split()[0])
    pids, frontier = [master], [master]
    while frontier:
        parent = frontier.pop()
        children = Path(f"/proc/{parent}/task/{parent}/children")
        try:
            found = [int(p) for p in children.read_text().split()]
        except OSError:
            found = []
        pids += found
        frontier += found
    return pids


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def bench_video_memory() -> dict:
    """RSS of the web processes while the 500 MB video streams in, then of the worker while it renders it."""
    path = video_500mb()
    size = path.stat().st_size
    groups = {"web": "media", "worker": "media-worker"}
    baseline = {g: {pid: rss_kb(pid) for pid in media_processes(n)} for g, n in groups.items()}
    peak = {g: {"total": 0, "growth": 0} for g in groups}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            for group, name in groups.items():
                per_pid = {pid: rss_kb(pid) for pid in media_processes(name)}
                peak[group]["total"] = max(peak[group]["total"], sum(per_pid.values()))
                growth = max((kb - baseline[group].get(pid, 0) for pid, kb in per_pid.items()), default=0)
                peak[group]["growth"] = max(peak[group]["growth"], growth)
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.monotonic()
    with open(path, "rb") as file:
        response = requests.post(f"{API}/uploads", files={"file": ("big.mov", file, "video/quicktime")},
                                 headers=bearer("operator"), timeout=900)
    uploaded = time.monotonic() - t0
    state = None
    if response.status_code == 201:
        media_id = response.json()["id"]
        while time.monotonic() - t0 < 300:
            state = requests.get(f"{API}/media/{media_id}", timeout=10).json()["state"]
            if state in ("stored", "rejected"):
                break
            time.sleep(0.5)
    rendered = time.monotonic() - t0
    stop.set()
    sampler.join()
    mb = lambda kb: round(kb / 1024, 1)  # noqa: E731
    result = {"video_mb": round(size / 1e6, 1), "status": response.status_code, "final_state": state,
              "upload_s": round(uploaded, 1), "stored_after_s": round(rendered, 1)}
    for group in groups:
        result[group] = {"baseline_total_rss_mb": mb(sum(baseline[group].values())),
                         "peak_total_rss_mb": mb(peak[group]["total"]),
                         "peak_growth_of_one_process_mb": mb(peak[group]["growth"]),
                         "growth_vs_file_size": round(peak[group]["growth"] * 1024 / size, 4)}
    if response.status_code != 201:
        result["error"] = response.text[:300]
    print(f"video: {result['video_mb']} MB streamed in {result['upload_s']}s ({response.status_code}), "
          f"{state} after {result['stored_after_s']}s")
    for group in groups:
        r = result[group]
        print(f"  {group:6} RSS {r['baseline_total_rss_mb']} -> peak {r['peak_total_rss_mb']} MB; largest growth of "
              f"one process {r['peak_growth_of_one_process_mb']} MB ({r['growth_vs_file_size'] * 100:.1f} % of the file)")
    return result


def bench_presigned_once() -> dict:
    """The same 500 MB video through the presigned path: PUT straight to MinIO, then /complete raced against
    MinIO's notification; it must be stored with exactly one media_stored event."""
    from sqlalchemy import create_engine, func, select
    from services.media import db
    path = video_500mb()
    size = path.stat().st_size
    token = bearer("operator")
    upload = requests.post(f"{API}/uploads/presign", json={"kind": "video", "size": size}, headers=token,
                           timeout=10).json()
    t0 = time.monotonic()
    with open(path, "rb") as file:
        put = requests.put(upload["upload_url"], data=file, timeout=600)
    put_s = time.monotonic() - t0
    with ThreadPoolExecutor(3) as pool:  # three impatient clients racing the notification
        answers = list(pool.map(lambda _: requests.post(f"{API}/uploads/{upload['id']}/complete", headers=token,
                                                        timeout=600).status_code, range(3)))
    state = None
    while time.monotonic() - t0 < 300:
        state = requests.get(f"{API}/media/{upload['id']}", timeout=10).json()["state"]
        if state in ("stored", "rejected"):
            break
        time.sleep(0.5)
    with create_engine(get("ASHYQ_MEDIA_DATABASE_URL")).connect() as conn:
        stored_events = conn.execute(select(func.count()).select_from(db.outbox).where(
            db.outbox.c.key == upload["id"], db.outbox.c.type == "kz.ashyq.media.media_stored.v1")).scalar()
    result = {"video_mb": round(size / 1e6, 1), "put_status": put.status_code, "put_s": round(put_s, 1),
              "complete_answers": answers, "final_state": state, "stored_after_s": round(time.monotonic() - t0, 1),
              "media_stored_events": stored_events}
    print(f"presigned: {result['video_mb']} MB PUT to MinIO in {result['put_s']}s, /complete x3 -> {answers}, "
          f"{state} after {result['stored_after_s']}s, media_stored events: {stored_events}")
    return result


def main() -> None:
    storage = storage_from_settings()
    started = time.monotonic()
    photos, rendering = bench_photos(storage)
    video = bench_video_memory()
    presigned = bench_presigned_once()
    best = max(photos, key=lambda row: row["service"]["mb_per_s"])
    summary = {"bench": "media_upload", "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "photos": photos, "rendering": rendering, "video_memory": video,
               "presigned_500mb": presigned,
               "best_ratio_at_peak_service_throughput": best["ratio"],
               "goal": ">= 0.60 of direct PUT throughput; memory flat",
               "seconds": round(time.monotonic() - started, 1)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"media_upload-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps(summary, indent=2))
    print(f"ratio at the service's best level: {best['ratio']} (goal 0.60); results: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
