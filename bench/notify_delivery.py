"""Notify's delivery loop alone against plain smtplib sends of the same emails to the same Mailpit, in the
same run (the ceiling: no database, no hand-over record, no "sent" mark).

    var/venv/bin/python bench/notify_delivery.py [--emails 300] [--threads 1,8]

For each thread count: (1) baseline: that many smtplib connections send the emails; (2) the delivery loop
with that many senders sends the same number of queued notifications from its own schema in notify's
database. Reports emails/s of each and the ratio. Results: bench/results/notify_delivery.json.
"""
from __future__ import annotations

import argparse
import json
import socket
import smtplib
import sys
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from services.common.db import make_engine, make_session_factory  # noqa: E402
from services.common.settings import get, get_int  # noqa: E402
from services.notify import db  # noqa: E402
from services.notify.delivery import DeliveryLoop, marks_engine  # noqa: E402
from services.notify.smtp import SmtpSender, build_message  # noqa: E402

RESULTS = Path(__file__).parent / "results"
BODY = "Текст обращения о невыполненном ремонте. " * 50
SMTP = ("127.0.0.1", get_int("ASHYQ_SMTP_PORT"))


def baseline(emails: int, threads: int) -> float:
    messages = [build_message(sender="Ashyq <no-reply@ashyq.kz>", recipient=f"bench-{uuid.uuid4().hex[:8]}@x.kz",
                              subject="Новое обращение", text=BODY, html=f"<p>{BODY}</p>",
                              message_id=str(uuid.uuid4()), thread_id="appeal-bench") for _ in range(emails)]

    def send(part):
        conn = smtplib.SMTP(*SMTP)
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for message in part:
            conn.send_message(message)
        conn.quit()
    started = time.monotonic()
    workers = [threading.Thread(target=send, args=(messages[i::threads],)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return emails / (time.monotonic() - started)


def delivery_loop(emails: int, threads: int) -> float:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(get("ASHYQ_NOTIFY_DATABASE_URL"))
    with admin.begin() as conn:
        conn.execute(text(f"create schema {schema}"))
    url = f"{get('ASHYQ_NOTIFY_DATABASE_URL')}?options=-csearch_path%3D{schema}"
    try:
        setup = create_engine(url)
        db.metadata.create_all(setup)
        with setup.begin() as conn:
            conn.execute(insert(db.notifications), [{
                "id": str(uuid.uuid4()), "event_id": str(uuid.uuid4()), "event_type": "bench",
                "recipient": f"bench-{uuid.uuid4().hex[:8]}@edu.akmola.kz", "recipient_kind": "institution",
                "template": "bench", "language": "ru", "subject": "Новое обращение", "body_text": BODY,
                "body_html": f"<p>{BODY}</p>", "status": "pending", "priority": 0, "thread_id": "appeal-bench"}
                for _ in range(emails)])
        sessions = make_session_factory(make_engine(url, pool_size=threads + 2))
        marks = marks_engine(make_engine(url, pool_size=threads))
        stop = threading.Event()
        loops = [DeliveryLoop(sessions=sessions, marks=marks, mail_from="Ashyq <no-reply@ashyq.kz>",
                              wake=threading.Event(),
                              sender=SmtpSender(host=SMTP[0], port=SMTP[1], tls="none", user="", password="",
                                                timeout=10)) for _ in range(threads)]
        started = time.monotonic()
        workers = [threading.Thread(target=loop.run, args=(stop,)) for loop in loops]
        for w in workers:
            w.start()
        pending = select(func.count()).select_from(db.notifications).where(db.notifications.c.status == "pending")
        while True:
            with setup.connect() as conn:
                if conn.execute(pending).scalar() == 0:
                    break
            time.sleep(0.02)
        rate = emails / (time.monotonic() - started)
        stop.set()
        for w in workers:
            w.join()
        return rate
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"drop schema {schema} cascade"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--emails", type=int, default=300)
    parser.add_argument("--threads", default="1,8")
    args = parser.parse_args()
    rows = []
    for threads in [int(t) for t in args.threads.split(",")]:
        ceiling = baseline(args.emails, threads)
        loop = delivery_loop(args.emails, threads)
        rows.append({"threads": threads, "smtplib_per_s": round(ceiling, 1), "delivery_loop_per_s": round(loop, 1),
                     "ratio": round(loop / ceiling, 3)})
        print(f"threads={threads}: smtplib {ceiling:6.1f}/s | delivery loop {loop:6.1f}/s | ratio {loop / ceiling:.3f}",
              flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "notify_delivery.json").write_text(json.dumps({"emails": args.emails, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
