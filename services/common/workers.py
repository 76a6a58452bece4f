"""Run a service's background loops (outbox relay, consumers) as threads until SIGTERM."""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from typing import Callable

from .settings import get_int

logger = logging.getLogger(__name__)

Loop = Callable[[threading.Event], None]


def run_loops(loops: dict[str, Loop]) -> None:
    """Each loop runs in its own thread and is restarted after a crash; SIGTERM/SIGINT stop them all."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threads = [threading.Thread(target=_supervise, args=(name, loop, stop), name=name, daemon=True)
               for name, loop in loops.items()]
    for thread in threads:
        thread.start()
    logger.info("worker started: %s", ", ".join(loops))
    watched = {name: loop.__self__ for name, loop in loops.items()
               if hasattr(getattr(loop, "__self__", None), "seconds_since_progress")}
    limit = get_int("ASHYQ_WORKER_STUCK_SECONDS")
    while not stop.wait(1.0):
        for name, runner in watched.items():
            if runner.seconds_since_progress() > limit:
                _restart_process(name, limit)
    for thread in threads:
        thread.join(timeout=15)
    logger.info("worker stopped")


def _supervise(name: str, loop: Loop, stop: threading.Event) -> None:
    delay = 1.0
    while not stop.is_set():
        try:
            loop(stop)
            delay = 1.0
        except Exception:
            logger.exception("%s crashed; restarting in %.0fs", name, delay)
            stop.wait(delay)
            delay = min(delay * 2, 30.0)


def _restart_process(name: str, limit: int) -> None:
    """A client library stuck inside a call cannot be interrupted from Python: start this process afresh.

    exec keeps the pid, so pid files and supervisors still see the same process. Uncommitted Kafka
    offsets are redelivered and every handler is idempotent, so nothing is lost or done twice.
    """
    logger.error("%s made no progress for %ds: restarting the worker process", name, limit)
    logging.shutdown()
    os.execv(sys.executable, sys.orig_argv)
