"""Production monitoring in deploy/monitoring/: valid for Prometheus, every listed alert and panel present,
and every Ashyq metric it queries is one the chassis exports."""
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from services.common import metrics

MONITORING = Path(__file__).resolve().parents[3] / "deploy" / "monitoring"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool missing (Debian package `prometheus`)")

ALERTS = {"AshyqServiceDown", "AshyqComponentDown", "AshyqOutboxStuck", "AshyqConsumerLagGrowing",
          "AshyqDeadLetter", "AshyqAppealOverdue", "AshyqEmailFailureRate"}
PANELS = {"Service health", "Infrastructure health", "Outbox backlog", "Outbox oldest row age", "Consumer lag",
          "Dead letters", "Appeals by status", "Overdue and due-soon appeals", "Emails sent and failed",
          "Email failure rate", "Media stored and rejected", "Cache hit ratio", "HTTP requests by route and status",
          "HTTP latency p95", "Events published and consumed",
          "Appeals today and this week by district and category"}


def promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PROMTOOL, *args], cwd=MONITORING, capture_output=True, text=True, timeout=60)


def exported_metric_names() -> set[str]:
    names = set()
    for value in vars(metrics).values():
        describe = getattr(value, "describe", None)
        if callable(describe) and hasattr(value, "_name"):
            for family in describe():
                names.add(family.name)
                names.update(f"{family.name}{suffix}" for suffix in ("_total", "_bucket", "_sum", "_count"))
    return names


def ashyq_metrics_in(text: str) -> set[str]:
    return set(re.findall(r"\b(ashyq_[a-z_]+)", text))


@needs_promtool
def test_promtool_accepts_the_alert_rules_and_the_scrape_config():
    rules = promtool("check", "rules", "alerts.yml")
    assert rules.returncode == 0, rules.stdout + rules.stderr
    config = promtool("check", "config", "prometheus.yml")
    assert config.returncode == 0, config.stdout + config.stderr


@needs_promtool
def test_each_alert_fires_when_it_should_and_not_before():
    result = promtool("test", "rules", "alerts.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_of_the_issue_is_defined():
    groups = yaml.safe_load((MONITORING / "alerts.yml").read_text())["groups"]
    assert {rule["alert"] for group in groups for rule in group["rules"]} == ALERTS


def test_the_scrape_config_covers_the_four_services_and_the_infrastructure():
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    paths = {target["labels"]["service"]: target["labels"]["__metrics_path__"]
             for target in jobs["ashyq-services"]["static_configs"]}
    assert paths == {svc: f"/api/{svc}/metrics" for svc in ("budget", "appeals", "media", "notify")}
    assert {"postgres", "redis", "kafka", "minio"} <= set(jobs)
    assert jobs["minio"]["metrics_path"] == "/minio/v2/metrics/cluster"


def test_the_grafana_dashboard_loads_with_the_panels_of_the_built_in_page():
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    titles = [panel["title"] for panel in dashboard["panels"]]
    assert set(titles) == PANELS and len(titles) == len(PANELS)
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(titles)
    for panel in dashboard["panels"]:
        if panel["type"] != "text":
            assert panel["targets"] and all(t["expr"] for t in panel["targets"]), panel["title"]


def test_monitoring_queries_only_metrics_the_chassis_exports():
    exported = exported_metric_names()
    used = ashyq_metrics_in((MONITORING / "alerts.yml").read_text()) | ashyq_metrics_in(
        (MONITORING / "grafana-dashboard.json").read_text())
    assert used and used <= exported, used - exported
