#!/usr/bin/env python3
"""Ashyq's local launcher: installs, starts, checks and stops the whole stack on one machine.

Standard library only (Python 3.11): it runs before the virtualenv exists.

    python3 deploy/local/launcher.py install          # what is missing: apt packages, venv, Kafka jars, MinIO, Mailpit, keys
    python3 deploy/local/launcher.py infra            # install + PostgreSQL, Redis, Kafka (+topics), MinIO, Mailpit
    python3 deploy/local/launcher.py up               # infra + migrations + services + nginx + bootstrap, prints URLs
    python3 deploy/local/launcher.py down             # stops everything it started (by pid files)
    python3 deploy/local/launcher.py status           # table of components
    python3 deploy/local/launcher.py start NAME       # one component (see `status` for names)
    python3 deploy/local/launcher.py stop NAME
    python3 deploy/local/launcher.py kill NAME        # SIGKILL its process group (drills: a crash, no shutdown)
    python3 deploy/local/launcher.py restart-services # web services and workers
    python3 deploy/local/launcher.py migrate | bootstrap | topics
    python3 deploy/local/launcher.py logs [NAME] [-n N] [-f]

Every component runs as this checkout's own instance: data under var/<name>/, log in
var/log/<name>.log, pid in var/run/<name>.pid. Starting is idempotent; each start waits
for the component to answer (with a timeout, printing progress) and a failure exits
non-zero naming the component and printing the end of its log.
"""
from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from services.common import settings  # noqa: E402  (stdlib only)
from services.common import topics  # noqa: E402  (stdlib only)

VAR = Path(settings.VAR).resolve()
LOG = VAR / "log"
RUN = VAR / "run"
BIN = VAR / "bin"
VENV = VAR / "venv"
VPY = VENV / "bin" / "python"
HERE = ROOT / "deploy" / "local"

IS_ROOT = os.geteuid() == 0
SUDO = [] if IS_ROOT else ["sudo", "-n"]

KAFKA_VERSION = "4.3.0"
GO_BINARIES = {
    # name -> (module path, version)
    "minio": ("github.com/minio/minio", "v0.0.0-20260212201848-7aac2a2c5b7c"),
    "mailpit": ("github.com/axllent/mailpit", "v1.33.1"),
}
SERVICES = tuple(settings.SERVICES)

T0 = time.monotonic()


# --------------------------------------------------------------------------- output

def say(msg: str) -> None:
    print(f"[ashyq {time.monotonic() - T0:6.1f}s] {msg}", flush=True)


class LaunchError(Exception):
    def __init__(self, component: str, message: str, log: Path | None = None):
        super().__init__(f"{component}: {message}")
        self.component, self.message, self.log = component, message, log


def tail(path: Path | None, lines: int = 30) -> str:
    if not path or not path.exists():
        return f"(no log at {path})"
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            data = f.read().decode("utf-8", "replace")
    except OSError as e:
        return f"(cannot read {path}: {e})"
    return "\n".join(data.splitlines()[-lines:])


def fail(component: str, message: str, log: Path | None = None) -> None:
    raise LaunchError(component, message, log)


def run(argv: list[str], *, check: bool = True, quiet: bool = False, env: dict | None = None,
        cwd: Path | str | None = None, input: str | None = None, component: str = "launcher",
        log: Path | None = None, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run a command to completion. quiet: capture its output (shown only on failure)."""
    kw: dict = dict(env=env, cwd=str(cwd or ROOT), timeout=timeout, text=True)
    if input is None:
        kw["stdin"] = subprocess.DEVNULL
    else:
        kw["input"] = input
    if log is not None:
        # Output goes to the log; a long command still says what it is doing every 20 s.
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a") as lf:
            lf.write(f"\n=== {time.strftime('%F %T')} $ {' '.join(argv)}\n")
            lf.flush()
            started = time.monotonic()
            proc = subprocess.Popen(argv, stdout=lf, stderr=subprocess.STDOUT, env=env, cwd=str(cwd or ROOT),
                                    text=True, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL)
            if input is not None:
                proc.stdin.write(input)
                proc.stdin.close()
            next_note = started + 20
            while proc.poll() is None:
                now = time.monotonic()
                if timeout is not None and now - started > timeout:
                    proc.kill()
                    proc.wait()
                    fail(component, f"timed out after {timeout:.0f}s: {' '.join(argv)}", log)
                if now >= next_note:
                    last = tail(log, 1).strip().replace("\r", " ")[-110:]
                    say(f"  {component}: still working ({now - started:.0f}s) … {last}")
                    next_note = now + 20
                time.sleep(0.2)
            p = subprocess.CompletedProcess(argv, proc.returncode, None, None)
    elif quiet:
        p = subprocess.run(argv, capture_output=True, **kw)
    else:
        p = subprocess.run(argv, **kw)
    if check and p.returncode != 0:
        out = ""
        if quiet and log is None:
            out = "\n".join(((p.stdout or "") + (p.stderr or "")).splitlines()[-30:])
        fail(component, f"command failed ({p.returncode}): {' '.join(argv)}" + (f"\n{out}" if out else ""), log)
    return p


# --------------------------------------------------------------------------- processes

def read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def proc_alive(pid: int | None, signature: str | None = None) -> bool:
    """pid exists, is not a zombie, and (if given) its command line contains signature."""
    if not pid or pid <= 0:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        state = stat.rsplit(")", 1)[1].split()[0]
        if state in ("Z", "X"):
            return False
        if signature:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
            return signature in cmd
        return True
    except (OSError, IndexError):
        return False


def spawn(name: str, argv: list[str], env: dict, log: Path, pidfile: Path, cwd: Path = ROOT) -> int:
    """Start a long-running process in its own session (pid = process group id)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as lf:
        lf.write(f"\n=== {time.strftime('%F %T')} launcher starts {name}: {' '.join(argv)}\n".encode())
        lf.flush()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=lf, stderr=subprocess.STDOUT,
                             cwd=str(cwd), env=env, start_new_session=True, close_fds=True)
    pidfile.write_text(f"{p.pid}\n")
    return p.pid


def terminate(name: str, pid: int, signature: str | None, timeout: float) -> None:
    """TERM the process, wait, KILL its whole process group after the timeout."""
    if not proc_alive(pid, signature):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    next_note = time.monotonic() + 5
    while time.monotonic() < deadline:
        if not proc_alive(pid):
            break
        if time.monotonic() > next_note:
            say(f"  waiting for {name} (pid {pid}) to stop…")
            next_note += 5
        time.sleep(0.1)
    else:
        say(f"  {name} (pid {pid}) did not stop in {timeout:.0f}s: SIGKILL")
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    # Leftover children in the group we created (start_new_session: pgid == pid).
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for _ in range(50):
        if not proc_alive(pid):
            break
        time.sleep(0.1)


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


_LOCAL_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an http_proxy


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with _LOCAL_HTTP.open(url, timeout=timeout) as r:
            return 200 <= r.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def host_port(value: str) -> tuple[str, int]:
    value = value.split(",")[0].strip()
    if "://" in value:
        value = value.split("://", 1)[1]
    host, _, port = value.rpartition(":")
    return host or "127.0.0.1", int(port)


def base_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("ASHYQ_VAR_DIR", str(VAR))
    return env


# --------------------------------------------------------------------------- install

APT_PACKAGES: list[tuple[str, Callable[[], bool]]] = [
    ("postgresql", lambda: True),
    ("redis-server", lambda: True),
    ("nginx", lambda: True),
    ("ffmpeg", lambda: True),
    ("chromium", lambda: True),
    ("chromium-driver", lambda: True),
    ("fonts-dejavu-core", lambda: True),
    ("openssl", lambda: True),
    ("unzip", lambda: True),
    ("prometheus", lambda: True),  # promtool checks the alert rules in deploy/monitoring
    ("maven", lambda: shutil.which("mvn") is None),
    ("openjdk-17-jre-headless", lambda: shutil.which("java") is None and not Path("/usr/bin/java").exists()),
    ("golang-go", lambda: go_bin() is None),
]


def go_bin() -> str | None:
    for cand in (shutil.which("go"), "/usr/local/go/bin/go", "/usr/lib/go/bin/go"):
        if cand and Path(cand).exists():
            return cand
    return None


def dpkg_missing(packages: list[str]) -> list[str]:
    if not packages:
        return []
    p = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Status}\n", *packages],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    ok = {line.split()[0] for line in p.stdout.splitlines() if line.endswith(" install ok installed")}
    return [pkg for pkg in packages if pkg not in ok]


def install_apt(extra: list[str] | None = None) -> None:
    wanted = [name for name, needed in APT_PACKAGES if needed()] + list(extra or [])
    missing = dpkg_missing(wanted)
    if not missing:
        return
    say(f"apt: installing {' '.join(missing)} (first time only)")
    log = LOG / "apt.log"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    marker = RUN / "apt-updated"
    if not marker.exists() or time.time() - marker.stat().st_mtime > 6 * 3600:
        say("apt: apt-get update")
        run(SUDO + ["apt-get", "update"], env=env, component="apt", log=log)
        RUN.mkdir(parents=True, exist_ok=True)
        marker.touch()
    run(SUDO + ["apt-get", "install", "-y", "--no-install-recommends", *missing], env=env, component="apt", log=log)
    still = dpkg_missing(missing)
    if still:
        fail("apt", f"packages still missing after install: {' '.join(still)}", log)


def requirements() -> list[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    proj = data.get("project", {})
    reqs = list(proj.get("dependencies", []))
    reqs += list(proj.get("optional-dependencies", {}).get("test", []))
    return reqs


def install_venv() -> None:
    pyproject = ROOT / "pyproject.toml"
    digest = hashlib.sha256(pyproject.read_bytes()).hexdigest()
    marker = VENV / ".ashyq-reqs-hash"
    healthy = VPY.exists() and subprocess.run([str(VPY), "-c", "import sys"], capture_output=True,
                                              stdin=subprocess.DEVNULL).returncode == 0
    if healthy and marker.exists() and marker.read_text().strip() == digest:
        return
    log = LOG / "pip.log"
    if not healthy:
        say(f"python: creating virtualenv {VENV.relative_to(ROOT) if VENV.is_relative_to(ROOT) else VENV}")
        shutil.rmtree(VENV, ignore_errors=True)
        p = run([sys.executable, "-m", "venv", str(VENV)], check=False, quiet=True)
        if p.returncode != 0:
            # Debian's own python3 needs python3-venv for ensurepip.
            shutil.rmtree(VENV, ignore_errors=True)
            install_apt(["python3-venv"])
            run([sys.executable, "-m", "venv", str(VENV)], component="venv", quiet=True)
    reqs = requirements()
    say(f"python: installing {len(reqs)} pinned requirements into var/venv (log: var/log/pip.log)")
    req_file = VENV / "ashyq-requirements.txt"
    req_file.write_text("\n".join(reqs) + "\n")
    run([str(VPY), "-m", "pip", "install", "--upgrade", "pip"], check=False, log=log, component="venv")
    run([str(VPY), "-m", "pip", "install", "-r", str(req_file)], log=log, component="venv")
    marker.write_text(digest + "\n")
    say("python: requirements installed")


def kafka_libs() -> Path:
    return VAR / "kafka" / "libs"


def install_kafka() -> None:
    libs = kafka_libs()
    pom = HERE / "kafka" / "pom.xml"
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()
    marker = libs / ".ashyq-pom-hash"
    if marker.exists() and marker.read_text().strip() == digest and (libs / f"kafka_2.13-{KAFKA_VERSION}.jar").exists():
        return
    say(f"kafka: fetching Apache Kafka {KAFKA_VERSION} jars with Maven (log: var/log/kafka-install.log)")
    shutil.rmtree(libs, ignore_errors=True)
    libs.mkdir(parents=True)
    mvn = shutil.which("mvn") or "/usr/bin/mvn"
    run([mvn, "-B", "-q", "-f", str(pom), "dependency:copy-dependencies",
         f"-DoutputDirectory={libs}", "-DincludeScope=runtime"],
        log=LOG / "kafka-install.log", component="kafka-install")
    if not (libs / f"kafka_2.13-{KAFKA_VERSION}.jar").exists():
        fail("kafka-install", "kafka jar missing after mvn", LOG / "kafka-install.log")
    marker.write_text(digest + "\n")
    say(f"kafka: {len(list(libs.glob('*.jar')))} jars in var/kafka/libs")


def go_binary_ok(name: str) -> bool:
    path = BIN / name
    if not path.exists():
        return False
    go = go_bin()
    module, version = GO_BINARIES[name]
    if not go:
        return True
    p = subprocess.run([go, "version", "-m", str(path)], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        return False
    for line in p.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "mod" and parts[1] == module:
            return parts[2] == version
    return False


def foreign_go_install(module: str) -> int | None:
    """pid of a `go install <module>@…` run by someone else (e.g. a background build)."""
    me = os.getpid()
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == me:
            continue
        try:
            args = (d / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [a.decode("utf-8", "replace") for a in args if a]
        if len(words) >= 3 and words[0].endswith("go") and "install" in words \
                and any(w.startswith(module + "@") for w in words):
            return int(d.name)
    return None


class GoBuild:
    """One `go install` of a pinned module into var/bin, run in the background."""

    def __init__(self, name: str):
        self.name = name
        self.module, self.version = GO_BINARIES[name]
        self.log = LOG / f"{name}-build.log"
        self.proc: subprocess.Popen | None = None
        self.foreign: int | None = None
        self.lockf = None
        self.started = time.monotonic()

    def start(self) -> None:
        self.foreign = foreign_go_install(self.module)
        if self.foreign:
            say(f"{self.name}: a build is already running (pid {self.foreign}); waiting for it "
                f"(log: {self.log.relative_to(ROOT) if self.log.is_relative_to(ROOT) else self.log})")
            return
        go = go_bin()
        if not go:
            fail(self.name, "no Go toolchain found (looked for go, /usr/local/go/bin/go)")
        RUN.mkdir(parents=True, exist_ok=True)
        self.lockf = open(RUN / f"{self.name}-build.lock", "w")
        try:
            fcntl.flock(self.lockf, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"{self.name}: another launcher is building it; waiting")
            fcntl.flock(self.lockf, fcntl.LOCK_EX)
            if go_binary_ok(self.name):
                return
        BIN.mkdir(parents=True, exist_ok=True)
        say(f"{self.name}: building {self.module}@{self.version} with Go — first time takes several minutes "
            f"(log: var/log/{self.name}-build.log)")
        env = dict(os.environ, GOBIN=str(BIN))
        if not env.get("HOME"):  # go needs somewhere for its module and build caches
            env["GOPATH"] = str(VAR / "go")
            env["GOCACHE"] = str(VAR / "go" / "cache")
        lf = open(self.log, "a")
        lf.write(f"\n=== {time.strftime('%F %T')} go install -v {self.module}@{self.version}\n")
        lf.flush()
        self.proc = subprocess.Popen([go, "install", "-v", f"{self.module}@{self.version}"], cwd=str(VAR),
                                     env=env, stdin=subprocess.DEVNULL, stdout=lf, stderr=subprocess.STDOUT)
        lf.close()

    def running(self) -> bool:
        if self.proc is not None:
            return self.proc.poll() is None
        if self.foreign is not None:
            return proc_alive(self.foreign)
        return False

    def finish(self) -> None:
        if self.lockf:
            self.lockf.close()
            self.lockf = None
        if not go_binary_ok(self.name):
            rc = self.proc.returncode if self.proc else "?"
            fail(self.name, f"build failed (exit {rc}); {BIN / self.name} is missing or not {self.version}", self.log)
        say(f"{self.name}: built in {time.monotonic() - self.started:.0f}s → var/bin/{self.name}")


def wait_builds(builds: list[GoBuild]) -> None:
    next_note = time.monotonic() + 30
    while any(b.running() for b in builds):
        if time.monotonic() >= next_note:
            for b in builds:
                if b.running():
                    last = tail(b.log, 1).strip()[:120]
                    say(f"{b.name}: still building ({time.monotonic() - b.started:.0f}s) … {last}")
            next_note = time.monotonic() + 30
        time.sleep(1)
    for b in builds:
        b.finish()


def install_keys() -> None:
    priv = Path(settings.get("ASHYQ_JWT_PRIVATE_KEY_FILE"))
    pub = Path(settings.get("ASHYQ_JWT_PUBLIC_KEY_FILE"))
    if priv.exists() and pub.exists():
        return
    say(f"keys: generating a dev Ed25519 JWT key pair in {priv.parent}")
    priv.parent.mkdir(parents=True, exist_ok=True)
    tmp = priv.with_suffix(".tmp")
    old = os.umask(0o077)
    try:
        run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(tmp)], quiet=True, component="keys")
    finally:
        os.umask(old)
    run(["openssl", "pkey", "-in", str(tmp), "-pubout", "-out", str(pub)], quiet=True, component="keys")
    tmp.replace(priv)
    os.chmod(priv, 0o600)
    os.chmod(pub, 0o644)


WEB = ROOT / "web"


def web_sources_newest() -> float:
    newest = 0.0
    for item in [WEB / "index.html", WEB / "package.json", WEB / "package-lock.json", *WEB.glob("vite.config.*"),
                 WEB / "src", WEB / "public", WEB / "operator"]:
        paths = item.rglob("*") if item.is_dir() else [item]
        for f in paths:
            try:
                newest = max(newest, f.stat().st_mtime)
            except OSError:
                pass
    return newest


def install_web() -> None:
    """Build the web client into web/dist when web/package.json has a build script and dist is stale."""
    pkg = WEB / "package.json"
    if not pkg.exists():
        return
    try:
        scripts = json.loads(pkg.read_text()).get("scripts", {})
    except ValueError:
        fail("web", "web/package.json is not valid JSON")
    if "build" not in scripts:
        return
    npm = shutil.which("npm")
    if not npm:
        say("web: npm not found; not building the web client")
        return
    log = LOG / "web-build.log"
    lock = WEB / "package-lock.json"
    deps_key = hashlib.sha256(pkg.read_bytes() + (lock.read_bytes() if lock.exists() else b"")).hexdigest()
    marker = WEB / "node_modules" / ".ashyq-deps-hash"
    built = WEB / "dist" / "index.html"
    try:
        if (WEB / "node_modules").is_dir() and not marker.exists():
            marker.write_text(deps_key + "\n")  # installed by hand: trust it until the lock file changes
        if not (marker.exists() and marker.read_text().strip() == deps_key):
            say("web: installing npm packages (log: var/log/web-build.log)")
            run([npm, "ci" if lock.exists() else "install", "--no-audit", "--no-fund"], cwd=WEB, log=log,
                component="web")
            marker.write_text(deps_key + "\n")
        if built.exists() and built.stat().st_mtime >= web_sources_newest():
            return
        say("web: building the web client (npm run build → web/dist)")
        run([npm, "run", "build"], cwd=WEB, log=log, component="web")
        if built.exists():
            built.touch()
    except LaunchError as e:
        # The site is not needed by the APIs: say so loudly and go on with what there is.
        say(f"WARNING: web client build failed ({e.message.splitlines()[0]}); nginx serves "
            f"{'the previous web/dist' if built.exists() else 'a placeholder page'} at /. "
            f"Last lines of var/log/web-build.log:\n{tail(log, 15)}")


def cmd_install() -> None:
    for d in (LOG, RUN, BIN):
        d.mkdir(parents=True, exist_ok=True)
    install_apt()
    builds = [GoBuild(name) for name in GO_BINARIES if not go_binary_ok(name)]
    for b in builds:
        b.start()
    # Network-bound work while Go compiles.
    install_venv()
    install_kafka()
    install_keys()
    install_web()
    wait_builds(builds)


# --------------------------------------------------------------------------- components

@dataclass
class Component:
    name: str
    group: str                     # infra | service | worker | edge
    ports: tuple[int, ...]
    start: Callable[["Component"], None]
    health: Callable[[], bool]     # thorough check used while starting
    quick: Callable[[], bool] | None = None   # cheap check for `status`
    signature: str = ""            # must appear in /proc/<pid>/cmdline
    start_timeout: float = 60
    stop_timeout: float = 20
    stop: Callable[["Component"], None] | None = None
    after_start: Callable[[], None] | None = None
    available: Callable[[], bool] = lambda: True
    log_name: str = ""

    @property
    def log(self) -> Path:
        return LOG / f"{self.log_name or self.name}.log"

    @property
    def pidfile(self) -> Path:
        return RUN / f"{self.name}.pid"

    def pid(self) -> int | None:
        return read_pid(self.pidfile)

    def running(self) -> bool:
        return proc_alive(self.pid(), self.signature or None)


# ----- PostgreSQL

def pg_bindir() -> Path:
    cands = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if not cands:
        fail("postgres", "PostgreSQL server binaries not found under /usr/lib/postgresql (run install)")
    return cands[-1].parent


def pg_user_prefix() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if IS_ROOT else []


def pg_run(argv: list[str], **kw) -> subprocess.CompletedProcess:
    """A PostgreSQL server tool, as the postgres OS user when we are root (cwd /: it may not reach ours)."""
    return run(pg_user_prefix() + argv, cwd="/", **kw)


def pg_can_reach(path: Path) -> bool:
    if not IS_ROOT:
        return True
    return subprocess.run(pg_user_prefix() + ["test", "-x", str(path), "-a", "-r", str(path)],
                          capture_output=True, stdin=subprocess.DEVNULL).returncode == 0


PG_POINTER = VAR / "postgres" / "DATA_DIR"


def pg_datadir(create: bool = False) -> Path | None:
    """Where this checkout's cluster lives: var/postgres/data, or a fallback the postgres user can reach."""
    if PG_POINTER.exists():
        return Path(PG_POINTER.read_text().strip())
    if not create:
        return None
    (VAR / "postgres").mkdir(parents=True, exist_ok=True)
    if pg_can_reach(VAR / "postgres"):
        data = VAR / "postgres" / "data"
    else:
        short = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
        data = Path("/var/lib/ashyq-pg") / short / "data"
        say(f"postgres: the postgres OS user cannot reach {VAR}; data dir placed in {data}")
        if data.parent.exists():
            # Left by an earlier checkout at the same path: not ours any more.
            stale_pid = read_pid(data / "postmaster.pid") if (data / "postmaster.pid").exists() else None
            if proc_alive(stale_pid, "postgres"):
                pg_run([str(pg_bindir() / "pg_ctl"), "stop", "-D", str(data), "-m", "fast", "-w"],
                       check=False, quiet=True)
            shutil.rmtree(data.parent, ignore_errors=True)
    PG_POINTER.write_text(str(data) + "\n")
    return data


def pg_log_file(data: Path) -> Path:
    # The postgres user writes this file itself; keep it where it can.
    return data.parent / "postgres.log"


def pg_env() -> dict:
    return dict(os.environ, PGPASSWORD=settings.get("ASHYQ_PG_SUPERUSER_PASSWORD"), PGCONNECT_TIMEOUT="3")


def pg_port() -> int:
    return settings.get_int("ASHYQ_PG_PORT")


def psql(sql: str, db: str = "postgres", quiet: bool = True, check: bool = True) -> subprocess.CompletedProcess:
    return run([str(pg_bindir() / "psql"), "-h", "127.0.0.1", "-p", str(pg_port()), "-U", "ashyq", "-d", db,
                "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-f", "-"],
               input=sql, env=pg_env(), quiet=quiet, check=check, component="postgres")


def pg_health() -> bool:
    if not port_open(pg_port()):
        return False
    try:
        p = psql("SELECT 1;", check=False)
    except LaunchError:
        return False
    return p.returncode == 0 and p.stdout.strip() == "1"


def pg_start(c: Component) -> None:
    bindir = pg_bindir()
    data = pg_datadir(create=True)
    assert data is not None
    owner = ["chown", "-R", "postgres:postgres"] if IS_ROOT else None
    logf = pg_log_file(data)
    data.parent.mkdir(parents=True, exist_ok=True)
    if owner:
        run(owner + [str(data.parent)], quiet=True, component="postgres")
        os.chmod(data.parent, 0o700)
    if not (data / "PG_VERSION").exists():
        say(f"postgres: initdb (superuser ashyq) in {data}")
        shutil.rmtree(data, ignore_errors=True)
        pwfile = data.parent / "pwfile"
        pwfile.write_text(settings.get("ASHYQ_PG_SUPERUSER_PASSWORD") + "\n")
        if owner:
            run(owner + [str(pwfile)], quiet=True, component="postgres")
        try:
            pg_run([str(bindir / "initdb"), "-D", str(data), "-U", "ashyq", f"--pwfile={pwfile}",
                    "-A", "scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"],
                   log=LOG / "postgres-initdb.log", component="postgres")
        finally:
            pwfile.unlink(missing_ok=True)
        with open(data / "postgresql.conf", "a") as f:
            f.write("\n# Ashyq: settings generated by deploy/local/launcher.py at every start\n"
                    "include_if_exists = 'ashyq.conf'\n")
    (data / "ashyq.conf").write_text(
        f"port = {pg_port()}\n"
        "listen_addresses = '127.0.0.1'\n"
        "unix_socket_directories = ''\n"
        "max_connections = 300\n"
        "password_encryption = 'scram-sha-256'\n"
        "log_line_prefix = '%m [%p] %q%u@%d '\n"
        "log_timezone = 'UTC'\n"
        "timezone = 'UTC'\n")
    if owner:
        run(owner + [str(data / "ashyq.conf")], quiet=True, component="postgres")
        logf.touch()
        run(owner + [str(logf)], quiet=True, component="postgres")
    # var/log/postgres.log points at the file the postgres user writes.
    link = LOG / "postgres.log"
    if link.resolve() != logf.resolve():
        link.unlink(missing_ok=True)
        link.symlink_to(logf)
    # After a SIGKILL the old postmaster may linger as a zombie until it is reaped, and
    # PostgreSQL would take its pid for a live server: a dead pid's lock file is stale.
    lock = data / "postmaster.pid"
    old = read_pid(lock) if lock.exists() else None
    if old and not proc_alive(old):
        say(f"postgres: removing stale postmaster.pid (pid {old} is gone)")
        lock.unlink(missing_ok=True)
    p = pg_run([str(bindir / "pg_ctl"), "start", "-D", str(data), "-l", str(logf),
                "-w", "-t", str(int(c.start_timeout))], check=False, quiet=True, component="postgres")
    pid = read_pid(data / "postmaster.pid")
    if pid:
        c.pidfile.write_text(f"{pid}\n")
    if p.returncode != 0:
        fail("postgres", f"pg_ctl start failed: {(p.stdout or '') + (p.stderr or '')}".strip(), c.log)


def pg_stop(c: Component) -> None:
    data = pg_datadir()
    if data and (data / "PG_VERSION").exists():
        p = pg_run([str(pg_bindir() / "pg_ctl"), "stop", "-D", str(data), "-m", "fast",
                    "-w", "-t", str(int(c.stop_timeout))], check=False, quiet=True)
        if p.returncode == 0 or not c.running():
            return
    pid = c.pid()
    if pid:
        terminate(c.name, pid, c.signature, c.stop_timeout)


def pg_provision() -> None:
    """Per-service roles and databases from the ASHYQ_<SVC>_DATABASE_URL values (idempotent)."""
    def lit(s: str) -> str:
        return "'" + s.replace("'", "''") + "'"

    def ident(s: str) -> str:
        return '"' + s.replace('"', '""') + '"'

    sql = []
    for svc in SERVICES:
        url = urllib.parse.urlsplit(settings.get(f"ASHYQ_{svc.upper()}_DATABASE_URL"))
        user = urllib.parse.unquote(url.username or svc)
        password = urllib.parse.unquote(url.password or "")
        db = url.path.lstrip("/") or f"ashyq_{svc}"
        sql.append(f"""
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', {lit(user)}, {lit(password)})
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {lit(user)})\\gexec
ALTER ROLE {ident(user)} LOGIN PASSWORD {lit(password)};
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8''', {lit(db)}, {lit(user)})
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = {lit(db)})\\gexec
ALTER DATABASE {ident(db)} OWNER TO {ident(user)};
""")
    psql("\n".join(sql))


# ----- Redis

def redis_port() -> int:
    return host_port(settings.get("ASHYQ_REDIS_URL").split("/")[2])[1]


def redis_health() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", redis_port()), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def redis_start(c: Component) -> None:
    d = VAR / "redis"
    d.mkdir(parents=True, exist_ok=True)
    conf = d / "redis.conf"
    conf.write_text(
        f"port {redis_port()}\n"
        "bind 127.0.0.1\n"
        "protected-mode yes\n"
        "daemonize no\n"
        f'dir "{d}"\n'
        "appendonly yes\n"
        "appendfsync everysec\n"
        'logfile ""\n'
        "save 60 1000\n")
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    spawn(c.name, [server, str(conf)], base_env(), c.log, c.pidfile)


# ----- Kafka

def kafka_port() -> int:
    return host_port(settings.get("ASHYQ_KAFKA_BOOTSTRAP"))[1]


def kafka_admin(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    return run([str(VPY), str(HERE / "kafka_admin.py"), "--bootstrap", f"127.0.0.1:{kafka_port()}", *args],
               env=base_env(), quiet=True, check=check, component="kafka", timeout=timeout)


def kafka_health() -> bool:
    if not port_open(kafka_port()):
        return False
    try:
        return kafka_admin("ping", "--timeout", "5", check=False, timeout=30).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def kafka_start(c: Component) -> None:
    k = VAR / "kafka"
    data = k / "data"
    ctl = settings.get_int("ASHYQ_KAFKA_CONTROLLER_PORT")
    port = kafka_port()
    props = k / "server.properties"
    props.write_text(f"""# Generated by deploy/local/launcher.py at every start: edit the launcher, not this file.
node.id=1
process.roles=broker,controller
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{ctl}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.quorum.voters=1@127.0.0.1:{ctl}
log.dirs={data}
auto.create.topics.enable=false
num.partitions={topics.PARTITIONS}
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# Quick recovery after a kill -9 (drills): the old broker incarnation is fenced sooner.
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000
log.retention.hours=168
""")
    (k / "log4j2.xml").write_text("""<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by deploy/local/launcher.py: the broker logs to stdout, which the launcher appends to var/log/kafka.log -->
<Configuration status="WARN">
  <Appenders>
    <Console name="stdout" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Root level="INFO"><AppenderRef ref="stdout"/></Root>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="kafka.controller" level="INFO"/>
    <Logger name="state.change.logger" level="WARN"/>
    <Logger name="org.apache.kafka.controller" level="INFO"/>
    <Logger name="kafka.log.LogCleaner" level="WARN"/>
  </Loggers>
</Configuration>
""")
    java = shutil.which("java") or "/usr/bin/java"
    cp = f"{kafka_libs()}/*"
    jvm = [java, "-Xms256m", "-Xmx1g", "-XX:+UseG1GC", "-Djava.awt.headless=true",
           f"-Dlog4j2.configurationFile={k / 'log4j2.xml'}", "-cp", cp]
    if not (data / "meta.properties").exists():
        cid_file = k / "cluster-id"
        if not cid_file.exists():
            p = run(jvm + ["kafka.tools.StorageTool", "random-uuid"], quiet=True, component="kafka")
            cid_file.write_text(p.stdout.strip().splitlines()[-1] + "\n")
        say("kafka: formatting KRaft storage (first start)")
        shutil.rmtree(data, ignore_errors=True)
        run(jvm + ["kafka.tools.StorageTool", "format", "-t", cid_file.read_text().strip(), "-c", str(props)],
            log=c.log, component="kafka")
    spawn(c.name, jvm + ["kafka.Kafka", str(props)], base_env(), c.log, c.pidfile)


def kafka_topics() -> None:
    p = kafka_admin("ensure-topics", "--partitions", str(topics.PARTITIONS), *topics.ALL_TOPICS)
    created = [line for line in p.stdout.splitlines() if line.startswith("created")]
    if created:
        say(f"kafka: created {len(created)} topics ({topics.PARTITIONS} partitions each)")


# ----- MinIO

def minio_hostport() -> tuple[str, int]:
    return host_port(settings.get("ASHYQ_MINIO_ENDPOINT"))


def minio_health() -> bool:
    _, port = minio_hostport()
    base = f"http://127.0.0.1:{port}/minio/health"
    return http_ok(f"{base}/live") and http_ok(f"{base}/ready")


def minio_start(c: Component) -> None:
    d = VAR / "minio"
    (d / "data").mkdir(parents=True, exist_ok=True)
    (d / "queue").mkdir(parents=True, exist_ok=True)
    _, port = minio_hostport()
    console = settings.get_int("ASHYQ_MINIO_CONSOLE_PORT")
    env = base_env()
    env.update({
        "MINIO_ROOT_USER": settings.get("ASHYQ_MINIO_ACCESS_KEY"),
        "MINIO_ROOT_PASSWORD": settings.get("ASHYQ_MINIO_SECRET_KEY"),
        "MINIO_NOTIFY_KAFKA_ENABLE_PRIMARY": "on",
        "MINIO_NOTIFY_KAFKA_BROKERS_PRIMARY": f"127.0.0.1:{kafka_port()}",
        "MINIO_NOTIFY_KAFKA_TOPIC_PRIMARY": topics.MINIO_EVENTS,
        "MINIO_NOTIFY_KAFKA_QUEUE_DIR_PRIMARY": str(d / "queue"),
        "MINIO_UPDATE": "off",
        "MINIO_BROWSER_REDIRECT": "off",
    })
    spawn(c.name, [str(BIN / "minio"), "server", str(d / "data"), "--address", f"127.0.0.1:{port}",
                   "--console-address", f"127.0.0.1:{console}", "--quiet"], env, c.log, c.pidfile)


# ----- Mailpit

def mailpit_ui_port() -> int:
    return settings.get_int("ASHYQ_MAILPIT_UI_PORT")


def mailpit_start(c: Component) -> None:
    d = VAR / "mailpit"
    d.mkdir(parents=True, exist_ok=True)
    smtp = settings.get_int("ASHYQ_SMTP_PORT")
    spawn(c.name, [str(BIN / "mailpit"), "--smtp", f"127.0.0.1:{smtp}", "--listen", f"127.0.0.1:{mailpit_ui_port()}",
                   "--database", str(d / "mailpit.db"), "--smtp-auth-accept-any", "--smtp-auth-allow-insecure",
                   "--max", "200000", "--max-age", "2d",  # tests and drills read mail back: keep it
                   "--disable-version-check"],
          base_env(), c.log, c.pidfile)


# ----- services

def prom_dir(svc: str) -> Path:
    return RUN / "prom" / svc


def service_env(svc: str) -> dict:
    env = base_env()
    env["PROMETHEUS_MULTIPROC_DIR"] = str(prom_dir(svc))
    return env


def reset_prom_dir(svc: str) -> None:
    """Emptied before start, unless the other process of the service still writes to it."""
    others = [c for c in COMPONENTS.values() if c.name in (svc, f"{svc}-worker") and c.running()]
    if not others:
        shutil.rmtree(prom_dir(svc), ignore_errors=True)
    prom_dir(svc).mkdir(parents=True, exist_ok=True)


def web_start(svc: str) -> Callable[[Component], None]:
    def start(c: Component) -> None:
        reset_prom_dir(svc)
        port = settings.service_port(svc)
        spawn(c.name, [str(VENV / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}",
                       "--workers", settings.get("ASHYQ_WEB_WORKERS"), "--worker-class", "gthread", "--threads", "4",
                       "--timeout", "120", "--graceful-timeout", "20", "--name", f"ashyq-{svc}",
                       "--no-control-socket",
                       f"services.{svc}.app:create_app()"], service_env(svc), c.log, c.pidfile)
    return start


def worker_start(svc: str) -> Callable[[Component], None]:
    def start(c: Component) -> None:
        reset_prom_dir(svc)
        spawn(c.name, [str(VPY), "-m", f"services.{svc}.worker"], service_env(svc), c.log, c.pidfile)
    return start


def worker_health(c_name: str, settle: float = 2.0) -> Callable[[], bool]:
    # A worker has no port: healthy when it has stayed alive for a moment after start.
    def check() -> bool:
        c = COMPONENTS[c_name]
        if not c.running():
            return False
        try:
            started = c.pidfile.stat().st_mtime
        except OSError:
            return False
        return time.time() - started >= settle
    return check


# ----- nginx

def web_root() -> Path:
    env = settings.get("ASHYQ_WEB_ROOT")
    if env:
        return Path(env).resolve()
    for cand in (ROOT / "web" / "dist", ROOT / "web" / "public"):
        if (cand / "index.html").exists():
            return cand
    placeholder = VAR / "nginx" / "html"
    placeholder.mkdir(parents=True, exist_ok=True)
    (placeholder / "index.html").write_text(
        "<!doctype html><meta charset=utf-8><title>Ashyq</title>"
        "<p>Ashyq: the web client is not built yet (web/dist or web/public). "
        "APIs: <a href=/api/budget/openapi.json>budget</a>, <a href=/api/appeals/openapi.json>appeals</a>, "
        "<a href=/api/media/openapi.json>media</a>, <a href=/api/notify/openapi.json>notify</a>.</p>\n")
    return placeholder


def nginx_port() -> int:
    return settings.get_int("ASHYQ_HTTP_PORT")


def nginx_conf() -> Path:
    n = VAR / "nginx"
    for sub in ("tmp/client_body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi", "logs"):
        (n / sub).mkdir(parents=True, exist_ok=True)
    values = {
        "ASHYQ_NGINX_LISTEN": str(nginx_port()),
        "ASHYQ_NGINX_BUDGET_UPSTREAM": settings.get("ASHYQ_NGINX_BUDGET_UPSTREAM") or f"127.0.0.1:{settings.service_port('budget')}",
        "ASHYQ_NGINX_APPEALS_UPSTREAM": settings.get("ASHYQ_NGINX_APPEALS_UPSTREAM") or f"127.0.0.1:{settings.service_port('appeals')}",
        "ASHYQ_NGINX_MEDIA_UPSTREAM": settings.get("ASHYQ_NGINX_MEDIA_UPSTREAM") or f"127.0.0.1:{settings.service_port('media')}",
        "ASHYQ_NGINX_NOTIFY_UPSTREAM": settings.get("ASHYQ_NGINX_NOTIFY_UPSTREAM") or f"127.0.0.1:{settings.service_port('notify')}",
        "ASHYQ_NGINX_WEB_ROOT": str(web_root()),  # built client, else web/public, else a placeholder
        "ASHYQ_NGINX_OPERATOR_PARENT": str(root if (root := web_root()).joinpath("operator").is_dir()
                                           else ROOT / "web"),
        "ASHYQ_NGINX_ACCESS_LOG": str(LOG / "nginx-access.log"),
        "ASHYQ_NGINX_CACHE_DIR": str(n / "cache"),
    }
    body = (HERE / "nginx.conf.template").read_text()
    for key, val in values.items():
        body = body.replace("${" + key + "}", val)
    mime = Path("/etc/nginx/mime.types")
    conf = n / "nginx.conf"
    conf.write_text(f"""# Generated by deploy/local/launcher.py from deploy/local/nginx.conf.template: edit those instead.
{'user root;' if IS_ROOT else ''}
worker_processes auto;
daemon off;
pid {n / 'nginx.pid'};
error_log stderr warn;

events {{
    worker_connections 4096;
}}

http {{
    {f'include {mime};' if mime.exists() else ''}
    default_type application/octet-stream;
    client_body_temp_path {n / 'tmp/client_body'};
    proxy_temp_path {n / 'tmp/proxy'};
    fastcgi_temp_path {n / 'tmp/fastcgi'};
    uwsgi_temp_path {n / 'tmp/uwsgi'};
    scgi_temp_path {n / 'tmp/scgi'};
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    server_tokens off;

{body}
}}
""")
    return conf


def nginx_bin() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_test(conf: Path) -> None:
    run([nginx_bin(), "-t", "-q", "-p", str(VAR / "nginx"), "-e", "stderr", "-c", str(conf)],
        quiet=True, component="nginx")


def nginx_start(c: Component) -> None:
    conf = nginx_conf()
    nginx_test(conf)
    (VAR / "nginx" / "applied.sha256").write_text(hashlib.sha256(conf.read_bytes()).hexdigest())
    spawn(c.name, [nginx_bin(), "-p", str(VAR / "nginx"), "-e", "stderr", "-c", str(conf)], base_env(), c.log,
          c.pidfile)


def nginx_reload_if_changed() -> None:
    """A running nginx picks up a changed template / web root with a reload (HUP)."""
    conf = nginx_conf()
    applied = VAR / "nginx" / "applied.sha256"
    digest = hashlib.sha256(conf.read_bytes()).hexdigest()
    if applied.exists() and applied.read_text().strip() == digest:
        return
    nginx_test(conf)
    pid = COMPONENTS["nginx"].pid()
    if pid and COMPONENTS["nginx"].running():
        say("nginx: configuration changed, reloading")
        os.kill(pid, signal.SIGHUP)
        time.sleep(0.3)
    applied.write_text(digest)


# ----- the component table: one place

def _components() -> dict[str, Component]:
    pg = settings.get_int("ASHYQ_PG_PORT")
    kafka_ctl = settings.get_int("ASHYQ_KAFKA_CONTROLLER_PORT")
    minio_port = minio_hostport()[1]
    table: list[Component] = [
        Component("postgres", "infra", (pg,), pg_start, pg_health, quick=lambda: port_open(pg_port()),
                  signature="postgres", start_timeout=90, stop_timeout=60, stop=pg_stop, after_start=pg_provision),
        Component("redis", "infra", (redis_port(),), redis_start, redis_health, signature="redis-server",
                  start_timeout=30),
        Component("kafka", "infra", (kafka_port(), kafka_ctl), kafka_start, kafka_health,
                  quick=lambda: port_open(kafka_port()), signature="kafka.Kafka", start_timeout=120,
                  stop_timeout=45, after_start=kafka_topics),
        Component("minio", "infra", (minio_port, settings.get_int("ASHYQ_MINIO_CONSOLE_PORT")), minio_start,
                  minio_health, signature=str(BIN / "minio"), start_timeout=60),
        Component("mailpit", "infra", (settings.get_int("ASHYQ_SMTP_PORT"), mailpit_ui_port()), mailpit_start,
                  lambda: http_ok(f"http://127.0.0.1:{mailpit_ui_port()}/api/v1/info"),
                  signature=str(BIN / "mailpit"), start_timeout=30),
    ]
    for svc in SERVICES:
        port = settings.service_port(svc)
        table.append(Component(
            svc, "service", (port,), web_start(svc),
            (lambda p=port, s=svc: http_ok(f"http://127.0.0.1:{p}/api/{s}/healthz")),
            signature="gunicorn", start_timeout=90, stop_timeout=30,
            available=(lambda s=svc: (ROOT / "services" / s / "app.py").exists())))
        table.append(Component(
            f"{svc}-worker", "worker", (), worker_start(svc), worker_health(f"{svc}-worker"),
            signature=f"services.{svc}.worker", start_timeout=30, stop_timeout=30,
            available=(lambda s=svc: (ROOT / "services" / s / "worker.py").exists())))
    table.append(Component("nginx", "edge", (nginx_port(),), nginx_start,
                           lambda: http_ok(f"http://127.0.0.1:{nginx_port()}/nginx-health"),
                           signature="nginx", start_timeout=20, stop_timeout=15,
                           after_start=nginx_reload_if_changed))
    return {c.name: c for c in table}


COMPONENTS = _components()
INFRA = [c for c in COMPONENTS.values() if c.group == "infra"]
APPS = [c for c in COMPONENTS.values() if c.group in ("service", "worker")]


# --------------------------------------------------------------------------- start / stop

def check_ports_free(c: Component) -> None:
    stale = c.pid()
    if stale and not proc_alive(stale):
        # Killed (e.g. by a drill): children of the dead leader may still hold its port.
        try:
            os.killpg(stale, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    deadline = time.monotonic() + (10 if stale else 0)
    busy = [p for p in c.ports if port_open(p)]
    while busy and time.monotonic() < deadline:
        time.sleep(0.2)
        busy = [p for p in c.ports if port_open(p)]
    if busy:
        fail(c.name, f"port(s) {', '.join(map(str, busy))} already in use by a process this launcher did not "
                     f"start (no live pid in {c.pidfile}); stop it or change the ASHYQ_* port", c.log)


def wait_healthy(c: Component) -> None:
    t0 = time.monotonic()
    deadline = t0 + c.start_timeout
    next_note = t0 + 5
    while True:
        if c.health():
            return
        if not c.running():
            # Give a daemon whose pid file lags (postgres) one more look.
            time.sleep(0.3)
            if not c.running() and not c.health():
                fail(c.name, "exited during start", c.log)
        now = time.monotonic()
        if now >= deadline:
            fail(c.name, f"not healthy after {c.start_timeout:.0f}s", c.log)
        if now >= next_note:
            say(f"  waiting for {c.name} ({now - t0:.0f}s / {c.start_timeout:.0f}s)…")
            next_note = now + 5
        time.sleep(0.25)


def ensure_started(c: Component) -> bool:
    """Start c unless it runs and answers. Returns True if it was (re)started."""
    return ensure_all([c])


def ensure_all(comps: list[Component]) -> bool:
    """Start the components that are not running (all at once), then wait for each to answer."""
    pending: list[tuple[Component, float | None]] = []
    for c in comps:
        if not c.available():
            say(f"{c.name}: skipped (not written yet)")
        elif c.running():
            if c.health():
                say(f"{c.name}: already running (pid {c.pid()})")
                if c.after_start:
                    c.after_start()
            else:
                say(f"{c.name}: running (pid {c.pid()}) but not answering yet; waiting")
                pending.append((c, None))
        else:
            check_ports_free(c)
            say(f"{c.name}: starting")
            t = time.monotonic()
            c.start(c)
            pending.append((c, t))
    for c, t in pending:
        wait_healthy(c)
        if t is not None:
            say(f"{c.name}: up in {time.monotonic() - t:.1f}s (pid {c.pid()})")
        if c.after_start:
            c.after_start()
    return bool(pending)


def stop_component(c: Component) -> None:
    if c.stop is not None:
        if c.running() or (c.name == "postgres" and pg_datadir() and (pg_datadir() / "postmaster.pid").exists()):
            say(f"{c.name}: stopping")
            c.stop(c)
        c.pidfile.unlink(missing_ok=True)
        return
    pid = c.pid()
    if c.running():
        say(f"{c.name}: stopping (pid {pid})")
        terminate(c.name, pid, c.signature, c.stop_timeout)
    c.pidfile.unlink(missing_ok=True)


def kill_component(c: Component) -> None:
    """A crash, not a stop: SIGKILL to the process group, no shutdown hooks; the pid file stays (start cleans up)."""
    pid = c.pid()
    if not c.running():
        say(f"{c.name}: not running")
        return
    say(f"{c.name}: SIGKILL (pid {pid})")
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while proc_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)


# --------------------------------------------------------------------------- commands

def cmd_infra() -> None:
    cmd_install()
    for c in INFRA:
        ensure_started(c)


def cmd_migrate() -> None:
    for svc in SERVICES:
        ini = ROOT / "services" / svc / "alembic.ini"
        if not ini.exists():
            continue
        say(f"migrate: {svc}")
        run([str(VENV / "bin" / "alembic"), "-c", str(ini.relative_to(ROOT)), "upgrade", "head"],
            env=base_env(), log=LOG / "migrate.log", component=f"migrate {svc}")


def cmd_services() -> None:
    ensure_all(APPS)


def cmd_bootstrap() -> None:
    for svc in SERVICES:
        if not (ROOT / "services" / svc / "cli.py").exists():
            continue
        say(f"bootstrap: {svc}")
        run([str(VPY), "-m", f"services.{svc}.cli", "bootstrap"], env=base_env(), log=LOG / "bootstrap.log",
            component=f"bootstrap {svc}")


def print_urls() -> None:
    site = f"http://localhost:{nginx_port()}"
    lines = [f"  site            {site}/", f"  operator pages  {site}/operator/"]
    for svc in SERVICES:
        mark = "" if COMPONENTS[svc].available() else "   (not written yet)"
        lines.append(f"  {svc + ' API':<15} {site}/api/{svc}/openapi.json{mark}")
    lines.append(f"  Open311         {site}/open311/v2/")
    lines.append(f"  Mailpit UI      http://localhost:{mailpit_ui_port()}/")
    lines.append(f"  MinIO console   http://localhost:{settings.get_int('ASHYQ_MINIO_CONSOLE_PORT')}/  "
                 f"(user {settings.get('ASHYQ_MINIO_ACCESS_KEY')})")
    print("\nAshyq is up:\n" + "\n".join(lines), flush=True)
    creds = VAR / "dev-credentials.json"
    if creds.exists():
        print(f"\nDev credentials ({creds.relative_to(ROOT) if creds.is_relative_to(ROOT) else creds}):")
        print(creds.read_text().rstrip(), flush=True)


def cmd_up() -> None:
    cmd_infra()
    cmd_migrate()
    cmd_services()
    ensure_started(COMPONENTS["nginx"])
    cmd_bootstrap()
    print_urls()


def cmd_down() -> None:
    order = [COMPONENTS["nginx"]] + [c for c in APPS if c.group == "worker"] + \
            [c for c in APPS if c.group == "service"] + list(reversed(INFRA))
    for c in order:
        stop_component(c)
    say("all stopped")


def cmd_restart_services() -> None:
    for c in APPS:
        stop_component(c)
    cmd_services()


def cmd_status() -> int:
    print(f"{'component':<16}{'pid':>8}  {'port':<12}{'state'}")
    down = 0
    for c in COMPONENTS.values():
        pid = c.pid() if c.running() else None
        if not c.available():
            state = "absent (not written yet)"
        elif pid:
            ok = (c.quick or c.health)()
            state = "up" if ok else "running, not answering"
        else:
            state = "down"
            down += 1
        ports = ",".join(map(str, c.ports)) or "-"
        print(f"{c.name:<16}{pid or '-':>8}  {ports:<12}{state}")
    data = pg_datadir()
    if data and not data.is_relative_to(VAR):
        print(f"\n(postgres data dir: {data})")
    return 0


def cmd_logs(name: str | None, lines: int, follow: bool) -> None:
    if not name:
        for f in sorted(LOG.glob("*.log")):
            print(f"==> {f.relative_to(ROOT) if f.is_relative_to(ROOT) else f} <==")
            print(tail(f, 5))
        return
    path = LOG / f"{name}.log"
    if not path.exists():
        sys.exit(f"no log {path}; known: {', '.join(sorted(p.stem for p in LOG.glob('*.log')))}")
    if follow:
        os.execvp("tail", ["tail", "-n", str(lines), "-F", str(path)])
    print(tail(path, lines))


_LOCK = None


def take_lock() -> None:
    """One launcher at a time changes this checkout's stack (make up in two terminals, tests' stop/start)."""
    global _LOCK
    RUN.mkdir(parents=True, exist_ok=True)
    _LOCK = open(RUN / "launcher.lock", "a+")
    try:
        fcntl.flock(_LOCK, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        _LOCK.seek(0)
        holder = _LOCK.read().strip() or "?"
        say(f"waiting for another launcher run ({holder}) to finish…")
        deadline = time.monotonic() + 1800
        while True:
            try:
                fcntl.flock(_LOCK, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    fail("launcher", f"another launcher run ({holder}) held {RUN / 'launcher.lock'} for 30 min")
                time.sleep(0.5)
    _LOCK.seek(0)
    _LOCK.truncate()
    _LOCK.write(f"pid {os.getpid()}: {' '.join(sys.argv[1:])}\n")
    _LOCK.flush()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="launcher.py", description="Ashyq local launcher")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("install", "infra", "up", "down", "status", "migrate", "bootstrap", "topics",
                 "restart-services", "urls"):
        sub.add_parser(name)
    for name in ("start", "stop", "restart", "kill"):
        p = sub.add_parser(name)
        p.add_argument("name", choices=list(COMPONENTS))
    p = sub.add_parser("logs")
    p.add_argument("name", nargs="?")
    p.add_argument("-n", type=int, default=100)
    p.add_argument("-f", "--follow", action="store_true")
    args = ap.parse_args(argv)
    for d in (LOG, RUN):
        d.mkdir(parents=True, exist_ok=True)
    try:
        if args.cmd not in ("status", "logs", "urls"):
            take_lock()
        match args.cmd:
            case "install":
                cmd_install()
            case "infra":
                cmd_infra()
                say("infrastructure is up")
            case "up":
                cmd_up()
            case "down":
                cmd_down()
            case "status":
                return cmd_status()
            case "migrate":
                cmd_migrate()
            case "bootstrap":
                cmd_bootstrap()
            case "topics":
                kafka_topics()
            case "restart-services":
                cmd_restart_services()
            case "urls":
                print_urls()
            case "start":
                ensure_started(COMPONENTS[args.name])
            case "stop":
                stop_component(COMPONENTS[args.name])
            case "kill":
                kill_component(COMPONENTS[args.name])
            case "restart":
                stop_component(COMPONENTS[args.name])
                ensure_started(COMPONENTS[args.name])
            case "logs":
                cmd_logs(args.name, args.n, args.follow)
    except LaunchError as e:
        print(f"\n[ashyq] FAILED: {e.component}: {e.message}", file=sys.stderr, flush=True)
        if e.log:
            print(f"[ashyq] last lines of {e.log}:\n{tail(e.log, 30)}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("\n[ashyq] interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
