"""Run a service's background loops (outbox relay, consumers) as threads until SIGTERM."""
from __future__ import annotations

import logging
import signal
import threading
from typing import Callable

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
    while not stop.wait(1.0):
        pass
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
