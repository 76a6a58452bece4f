"""The drills' report: each drill writes its own section of test-output/drills/report.json, and the
markdown beside it (report.md) is regenerated from the whole JSON after every section."""
from __future__ import annotations

import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-output" / "drills"


def record(section: str, figures: dict) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "report.json"
    report = json.loads(path.read_text()) if path.exists() else {}
    report[section] = {"finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **figures}
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    (OUT / "report.md").write_text(markdown(report))


def markdown(report: dict) -> str:
    lines = ["# Drill report", ""]
    for section, figures in report.items():
        lines += [f"## {section}", ""]
        for key, value in figures.items():
            if isinstance(value, (dict, list)):
                lines.append(f"- **{key}**:")
                lines.append("")
                lines.append("  ```json")
                lines += ["  " + line for line in json.dumps(value, indent=2, ensure_ascii=False,
                                                                default=str).splitlines()]
                lines.append("  ```")
            else:
                lines.append(f"- **{key}**: {value}")
        lines.append("")
    return "\n".join(lines)
