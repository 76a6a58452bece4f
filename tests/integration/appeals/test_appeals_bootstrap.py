"""Development credentials: `bootstrap` is idempotent and the credentials it writes work."""
from __future__ import annotations

import json
import subprocess
import sys

from services.common.settings import ROOT, VAR

CREDENTIALS = VAR / "dev-credentials.json"


def bootstrap() -> dict:
    subprocess.run([sys.executable, "-m", "services.appeals.cli", "bootstrap", "--wait", "0"], cwd=ROOT, check=True,
                   capture_output=True, timeout=60)
    return json.loads(CREDENTIALS.read_text())


def test_bootstrap_keeps_working_credentials_and_they_log_in(client):
    first, second = bootstrap(), bootstrap()
    assert first == second
    assert set(first) == {"operator", "staff", "open311_api_key"}
    operator = client.post("/api/appeals/v1/auth/login", json=first["operator"])
    assert operator.status_code == 200
    if first["staff"]:  # created once appeals knows an institution
        staff = client.post("/api/appeals/v1/auth/login", json={k: first["staff"][k] for k in ("username", "password")})
        assert staff.status_code == 200
        listed = client.get("/api/appeals/v1/staff/appeals",
                            headers={"Authorization": f"Bearer {staff.json['access_token']}"})
        assert listed.status_code == 200
