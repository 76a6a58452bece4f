"""Stopping and starting real components through the launcher, for tests that prove outages are survived."""
from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "deploy" / "local" / "launcher.py"


def launcher(*args: str, timeout: float = 180) -> None:
    subprocess.run([sys.executable, str(LAUNCHER), *args], cwd=ROOT, check=True, timeout=timeout,
                   stdout=subprocess.DEVNULL)


@contextlib.contextmanager
def stopped(component: str):
    """The component is stopped inside the block and started (health-waited) after it, whatever happens."""
    launcher("stop", component)
    try:
        yield
    finally:
        launcher("start", component)
