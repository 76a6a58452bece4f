"""A worker whose consumer stops making progress starts itself afresh, keeping its pid."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = textwrap.dedent("""
    import os, sys, threading
    from services.common.workers import run_loops

    if os.environ.get("ASHYQ_TEST_RESTARTED"):
        print(f"restarted with pid {os.getpid()}", flush=True)
        sys.exit(0)
    os.environ["ASHYQ_TEST_RESTARTED"] = "1"
    print(f"first run with pid {os.getpid()}", flush=True)

    class StuckConsumer:
        def seconds_since_progress(self):
            return 10_000.0
        def run(self, stop):
            stop.wait()

    run_loops({"consumer": StuckConsumer().run})
""")


def test_a_stuck_consumer_restarts_the_worker_process_under_the_same_pid(tmp_path):
    script = tmp_path / "stuck_worker.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ASHYQ_WORKER_STUCK_SECONDS": "1"}
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=30)
    lines = done.stdout.split("\n")
    assert done.returncode == 0, done.stderr
    first_pid = lines[0].rsplit(" ", 1)[1]
    assert lines[1] == f"restarted with pid {first_pid}"
