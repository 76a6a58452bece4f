"""Faults under load: citizens file appeals with a photo through nginx at a steady rate while, on a
schedule, the drill crashes Kafka (SIGKILL), crashes the notify worker in the middle of a batch,
stops Mailpit, Redis and MinIO for a while and restarts PostgreSQL. Afterwards every citizen who was
told 201 must find the appeal exactly once, delivered, with exactly one email to the institution and
one confirmation to the citizen; every failure must have been a clear JSON answer; nothing may be
half-written. The figures go to test-output/drills/report.{json,md}.

Knobs (environment): ASHYQ_DRILL_RATE (appeals/s, 3), ASHYQ_DRILL_MAILPIT_DOWN (s, 60),
ASHYQ_DRILL_NO_FAULTS=1 (a short dry run of the harness without touching any component)."""
from __future__ import annotations

import os
import threading
import time

from tests.drills.drill_reconcile import catch_up, institutions, new_run_id, reconcile
from tests.drills.drill_report import record
from tests.support.components import launcher
from tests.support.load import Load

RATE = float(os.environ.get("ASHYQ_DRILL_RATE", "3"))
MAILPIT_DOWN = float(os.environ.get("ASHYQ_DRILL_MAILPIT_DOWN", "60"))
DRY_RUN = os.environ.get("ASHYQ_DRILL_NO_FAULTS") == "1"
STEADY = 10.0        # seconds of plain load before the first fault and after the last
MIN_LOAD = 60.0


def schedule() -> list[tuple[str, list[tuple[str, ...]], float, list[tuple[str, ...]]]]:
    """(fault, break it, how long it stays broken, mend it)."""
    return [
        ("kafka SIGKILL + start", [("kill", "kafka")], 3, [("start", "kafka")]),
        ("mailpit stopped", [("stop", "mailpit")], MAILPIT_DOWN, [("start", "mailpit")]),
        # Right after Mailpit is back the worker is sending the backlog: killed mid-batch.
        ("notify-worker SIGKILL mid-batch", [("kill", "notify-worker")], 2, [("start", "notify-worker")]),
        ("redis stopped", [("stop", "redis")], 10, [("start", "redis")]),
        ("minio stopped", [("stop", "minio")], 10, [("start", "minio")]),
        ("postgres restarted", [("stop", "postgres")], 1, [("start", "postgres")]),
    ]


class Faults(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.done: list[dict] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            time.sleep(STEADY)
            for name, breaking, hold, mending in schedule():
                began = time.time()
                for step in breaking:
                    launcher(*step)
                time.sleep(hold)
                mend_started = time.time()
                for step in mending:
                    launcher(*step, timeout=240)
                restored = time.time()
                self.done.append({"name": name, "began_at": began, "restored_at": restored,
                                  "restore_seconds": restored - mend_started})
                time.sleep(3 if name.startswith("mailpit") else 5)
        except BaseException as exc:  # reported by the test, after the stack is mended
            self.error = exc


def ensure_everything_runs() -> None:
    for name in ("postgres", "redis", "kafka", "minio", "mailpit", "notify-worker"):
        launcher("start", name, timeout=240)


def test_appeals_survive_crashes_and_outages_under_load():
    run_id = new_run_id()
    expected = int(RATE * (MAILPIT_DOWN + 130)) + 10 if not DRY_RUN else int(RATE * 20) + 5
    schools = institutions(expected, run_id)
    faults = Faults()
    load = Load(schools, rate=RATE, duration=600, run_id=run_id).start()
    try:
        if DRY_RUN:
            time.sleep(20)
        else:
            faults.start()
            faults.join(timeout=600)
            time.sleep(STEADY)
            while time.time() - load.started_at < MIN_LOAD:
                time.sleep(1)
    finally:
        load.stop()
        if not DRY_RUN:
            ensure_everything_runs()
    load.join(timeout=200)
    assert faults.error is None, f"the fault schedule itself failed: {faults.error!r}"

    figures = reconcile(load.citizens, catch_up_timeout=240, since=load.started_at - 5)
    recovery = catch_up(load.citizens, faults.done)
    figures = {"run_id": run_id, "dry_run": DRY_RUN, "rate_per_second": RATE,
               "load_seconds": round(load.stopped_at - load.started_at, 1),
               "mailpit_down_seconds": MAILPIT_DOWN, "faults": recovery,
               "longest_catch_up_seconds": max((f["catch_up_seconds"] for f in recovery), default=0), **figures}
    record("faults under load", figures)

    assert figures["accepted"] > 0
    assert figures["lost"] == 0, figures["lost_examples"]
    assert figures["duplicated"] == 0, figures["duplicated_examples"]
    assert figures["undelivered"] == 0, figures["undelivered_examples"]
    assert figures["wrong_email_count"] == 0, figures["wrong_email_examples"]
    assert figures["unclear_failure_count"] == 0, figures["unclear_failures"]
    half = figures["half_written"]
    assert half["appeals_without_outbox_event"] == [] and half["stored_media_without_objects"] == []
    assert half["stored_media_without_outbox_event"] == []
