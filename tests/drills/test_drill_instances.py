"""Several instances: a second appeals and a second media instance (their own gunicorns on other ports)
behind a second front door (an nginx of the drill's own, upstreams with two servers each, built from
the same template), and two more notify workers joining notify's consumer group (three in all). The
same load goes through the usual front door (one instance each) and through the drill's; partitions
must be shared among the three workers, no email may go out twice, and the throughput of both is
reported. The shared nginx and the launcher's processes are never touched: the drill stops what it
started, by pid, whatever happens."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time

import pytest
import requests
from kafka import KafkaAdminClient

from services.common.settings import ROOT, VAR, get, service_port
from services.common.topics import APPEALS, PARTITIONS
from tests.drills.drill_reconcile import institutions, new_run_id, reconcile
from tests.drills.drill_report import record
from tests.support.load import Citizen, file_appeal
from tests.support.polling import wait_for
from tests.support.stack import BASE_URL, KAFKA

PORTS = {"appeals": 8112, "media": 8113}
DOOR_PORT = 8090
DOOR = f"http://127.0.0.1:{DOOR_PORT}"
EXTRA_WORKERS = 2
SECONDS = float(os.environ.get("ASHYQ_DRILL_INSTANCES_SECONDS", "20"))
CONCURRENCY = 6
HERE = VAR / "drill-instances"


def spawn(name: str, argv: list[str], env: dict | None = None) -> subprocess.Popen:
    log = open(VAR / "log" / f"drill-{name}.log", "ab")
    return subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def second_web_instance(svc: str) -> subprocess.Popen:
    prom = HERE / "prom" / svc
    shutil.rmtree(prom, ignore_errors=True)
    prom.mkdir(parents=True)
    return spawn(f"{svc}-2", [str(VAR / "venv" / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{PORTS[svc]}",
                             "--workers", get("ASHYQ_WEB_WORKERS"), "--worker-class", "gthread", "--threads", "4",
                             "--timeout", "120", "--name", f"ashyq-{svc}-2", "--no-control-socket",
                             f"services.{svc}.app:create_app()"], {"PROMETHEUS_MULTIPROC_DIR": str(prom)})


def extra_notify_worker(index: int) -> subprocess.Popen:
    prom = HERE / "prom" / f"notify-{index}"
    shutil.rmtree(prom, ignore_errors=True)
    prom.mkdir(parents=True)
    # The relay of notify's outbox stays with the launcher's worker; these only consume and deliver.
    return spawn(f"notify-worker-{index}", [str(VAR / "venv" / "bin" / "python"), "-m", "services.notify.worker"],
                 {"ASHYQ_NOTIFY_OUTBOX_RELAY": "false", "PROMETHEUS_MULTIPROC_DIR": str(prom)})


def second_front_door() -> subprocess.Popen:
    """nginx from deploy/local/nginx.conf.template with two servers in the appeals and media upstreams."""
    for sub in ("tmp", "logs"):
        (HERE / "nginx" / sub).mkdir(parents=True, exist_ok=True)
    values = {
        "ASHYQ_NGINX_LISTEN": f"127.0.0.1:{DOOR_PORT}",
        "ASHYQ_NGINX_BUDGET_UPSTREAM": f"127.0.0.1:{service_port('budget')}",
        "ASHYQ_NGINX_APPEALS_UPSTREAM": f"127.0.0.1:{service_port('appeals')}; server 127.0.0.1:{PORTS['appeals']}",
        "ASHYQ_NGINX_MEDIA_UPSTREAM": f"127.0.0.1:{service_port('media')}; server 127.0.0.1:{PORTS['media']}",
        "ASHYQ_NGINX_NOTIFY_UPSTREAM": f"127.0.0.1:{service_port('notify')}",
        "ASHYQ_NGINX_WEB_ROOT": str(HERE / "nginx"), "ASHYQ_NGINX_OPERATOR_PARENT": str(HERE / "nginx"),
        # Logged with the upstream that answered ("; #" turns the template's format name into a comment).
        "ASHYQ_NGINX_ACCESS_LOG": f"{HERE / 'nginx' / 'logs' / 'access.log'} drill; #",
    }
    body = (ROOT / "deploy" / "local" / "nginx.conf.template").read_text()
    for key, value in values.items():
        body = body.replace("${" + key + "}", value)
    tmp = HERE / "nginx" / "tmp"
    conf = HERE / "nginx" / "nginx.conf"
    conf.write_text(f"""{'user root;' if os.geteuid() == 0 else ''}
worker_processes 1;
daemon off;
pid {HERE / 'nginx' / 'nginx.pid'};
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
    default_type application/octet-stream;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    keepalive_timeout 65;
    log_format drill '$upstream_addr "$request" $status';
{body}
}}
""")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    return spawn("nginx", [nginx, "-p", str(HERE / "nginx"), "-e", "stderr", "-c", str(conf)])


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def healthy(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def saturate(base_url: str, schools: list[dict], run_id: str, seconds: float) -> tuple[list[Citizen], float]:
    """CONCURRENCY citizens back to back for `seconds`: how many appeals with a photo are accepted per second."""
    citizens: list[Citizen] = []
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def citizen_loop():
        while time.monotonic() < end:
            with lock:
                if len(citizens) >= len(schools):
                    return
                index = len(citizens)
                citizen = Citizen(index, schools[index], f"drill-{run_id}-{index}@mail.kz", base_url=base_url)
                citizens.append(citizen)
            file_appeal(citizen, patience=60)

    started = time.monotonic()
    threads = [threading.Thread(target=citizen_loop, daemon=True) for _ in range(CONCURRENCY)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 90)
    elapsed = time.monotonic() - started
    return citizens, elapsed


def notify_group_members() -> list[dict]:
    """notify's consumer group as the broker describes it: each member and its appeals.appeals partitions."""
    admin = KafkaAdminClient(bootstrap_servers=KAFKA.split(","))
    try:
        group = admin.describe_groups([get("ASHYQ_NOTIFY_CONSUMER_GROUP")])[get("ASHYQ_NOTIFY_CONSUMER_GROUP")]
    finally:
        admin.close()
    members = []
    for member in group["members"]:
        assigned = (member.get("member_assignment") or {}).get("assigned_partitions") or []
        partitions = sorted(p for a in assigned if a["topic"] == APPEALS for p in a["partitions"])
        members.append({"member": member["member_id"][-12:], "appeals_partitions": partitions})
    return members


@pytest.fixture(scope="module")
def scaled():
    started = []
    try:
        for svc in PORTS:
            started.append(second_web_instance(svc))
        for i in range(EXTRA_WORKERS):
            started.append(extra_notify_worker(i + 2))
        started.append(second_front_door())
        for svc, port in PORTS.items():
            wait_for(lambda p=port, s=svc: healthy(f"http://127.0.0.1:{p}/api/{s}/healthz"), timeout=60,
                     what=f"the second {svc} instance")
        wait_for(lambda: healthy(f"{DOOR}/nginx-health"), timeout=20, what="the drill's front door")
        yield started
    finally:
        for process in reversed(started):
            stop(process)
        # Leave the stack as found: the stack's own notify worker holding every partition again (the group
        # rebalances after the extra workers leave; the next test must not file appeals into that gap).
        wait_for(lambda: (m := notify_group_members()) and len(m) == 1 and len(m[0]["appeals_partitions"]) == PARTITIONS,
                 timeout=90, what="notify's group back to its one worker")


def test_two_instances_behind_nginx_and_three_notify_workers_share_the_work_without_duplicates(scaled):
    run_id = new_run_id()
    per_run = int(SECONDS * 12) + 20
    schools = institutions(2 * per_run, run_id)

    members = wait_for(lambda: (m := notify_group_members()) and len(m) >= 1 + EXTRA_WORKERS
                       and all(x["appeals_partitions"] for x in m) and m,
                       timeout=90, what="three notify workers sharing appeals.appeals")
    single, single_seconds = saturate(BASE_URL, schools[:per_run], run_id + "a", SECONDS)
    double, double_seconds = saturate(DOOR, schools[per_run:], run_id + "b", SECONDS)
    served: dict[str, int] = {}
    for line in (HERE / "nginx" / "logs" / "access.log").read_text().splitlines():
        upstream = line.split(" ", 1)[0]
        served[upstream] = served.get(upstream, 0) + 1

    figures_single = reconcile(single, catch_up_timeout=120, since=time.time() - 3600)
    figures_double = reconcile(double, catch_up_timeout=120, since=time.time() - 3600)
    accepted_single, accepted_double = figures_single["accepted"], figures_double["accepted"]
    result = {
        "notify_group_members": members,
        "one_instance_each": {"accepted": accepted_single, "seconds": round(single_seconds, 1),
                              "appeals_per_second": round(accepted_single / single_seconds, 2),
                              "lost": figures_single["lost"], "duplicated": figures_single["duplicated"],
                              "wrong_email_count": figures_single["wrong_email_count"]},
        "two_appeals_two_media_three_notify": {"accepted": accepted_double, "seconds": round(double_seconds, 1),
                                               "appeals_per_second": round(accepted_double / double_seconds, 2),
                                               "lost": figures_double["lost"],
                                               "duplicated": figures_double["duplicated"],
                                               "wrong_email_count": figures_double["wrong_email_count"]},
        "ratio_two_to_one": round((accepted_double / double_seconds) / max(accepted_single / single_seconds, 1e-9), 2),
        "concurrency": CONCURRENCY,
        "requests_through_the_drill_door_by_upstream": served,
        "note": "2 cores shared by several engineers: the ratio shows correctness under sharing, not capacity",
    }
    record("several instances", result)

    partitions = sorted(p for m in members for p in m["appeals_partitions"])
    assert partitions == sorted(set(partitions)), "a partition assigned twice"
    assert len([m for m in members if m["appeals_partitions"]]) >= 3
    for port in PORTS.values():
        assert served.get(f"127.0.0.1:{port}", 0) > 0, f"the second instance on {port} got no request: {served}"
    for figures in (figures_single, figures_double):
        assert figures["accepted"] > 0
        assert figures["lost"] == 0 and figures["duplicated"] == 0
        assert figures["undelivered"] == 0, figures["undelivered_examples"]
        assert figures["wrong_email_count"] == 0, figures["wrong_email_examples"]
