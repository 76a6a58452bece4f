"""Presigned uploads straight to MinIO: processed from MinIO's Kafka notification or /complete, exactly once.

Needs the running media worker (it consumes media.minio-events)."""
import hashlib
import threading

import requests
from sqlalchemy import select, update

from services.media import db, usecases
from services.media.storage import ORIGINALS, PRESIGNED_PREFIX, QUARANTINE
from tests.support.polling import wait_for

from .media_samples import html, video

PRESIGN = "/api/media/v1/uploads/presign"


def presign(client, kind: str, size: int, headers=None):
    response = client.post(PRESIGN, json={"kind": kind, "size": size}, headers=headers or {})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def put(url: str, data: bytes) -> None:
    response = requests.put(url, data=data, timeout=60)
    assert response.status_code == 200, response.text


def state_of(client, media_id: str) -> dict:
    return client.get(f"/api/media/v1/media/{media_id}").get_json()


def events_for(ctx, media_id: str) -> list:
    with ctx.sessions() as session:
        return session.execute(select(db.outbox.c.type, db.outbox.c.payload, db.outbox.c.published_at)
                               .where(db.outbox.c.key == media_id)).all()


def test_a_presigned_video_is_processed_once_however_it_is_announced(client, ctx, operator, media_app):
    data = video(seconds=5, size="1280x720", lossless=True)
    assert len(data) > 5_000_000
    upload = presign(client, "video", len(data), operator)
    assert upload["state"] == "uploading" and upload["method"] == "PUT"
    assert upload["upload_url"].startswith("http://localhost:9000/media-quarantine/presigned/")

    put(upload["upload_url"], data)
    # The client's /complete calls race MinIO's notification to the worker.
    answers = []
    def complete():
        answers.append(media_app.test_client().post(f"/api/media/v1/uploads/{upload['id']}/complete").status_code)
    threads = [threading.Thread(target=complete) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert set(answers) <= {200, 202}
    media = wait_for(lambda: (m := state_of(client, upload["id"]))["state"] == "stored" and m,
                     timeout=60, what="the presigned video to be stored")
    assert media["sha256"] == hashlib.sha256(data).hexdigest() and media["size"] == len(data)
    assert (media["kind"], media["width"], media["height"]) == ("video", 1280, 720)
    assert client.post(f"/api/media/v1/uploads/{upload['id']}/complete").status_code == 200
    stored = [e for e in events_for(ctx, upload["id"]) if e.type == "kz.ashyq.media.media_stored.v1"]
    assert len(stored) == 1
    assert set(stored[0].payload["data"]) == {"media_id", "kind", "content_type", "size", "sha256", "width",
                                              "height", "duration_seconds", "public_key", "thumbnail_key"}
    assert ctx.storage.size(QUARANTINE, PRESIGNED_PREFIX + upload["id"]) is None
    assert ctx.storage.size(ORIGINALS, upload["id"]) == len(data)
    wait_for(lambda: all(e.published_at for e in events_for(ctx, upload["id"])), what="the event to be published")


def test_a_presigned_upload_of_the_wrong_type_is_rejected_and_deleted(client, ctx, operator):
    upload = presign(client, "photo", 1000, operator)
    put(upload["upload_url"], html())
    media = wait_for(lambda: (m := state_of(client, upload["id"]))["state"] == "rejected" and m,
                     timeout=30, what="the worker to reject the upload")
    assert media["detected_type"] == "text/html"
    assert ctx.storage.size(QUARANTINE, PRESIGNED_PREFIX + upload["id"]) is None
    rejected = [e for e in events_for(ctx, upload["id"]) if e.type == "kz.ashyq.media.media_rejected.v1"]
    assert [e.payload["data"] for e in rejected] == [{"media_id": upload["id"], "reason": media["reason"]}]


def test_completing_before_uploading_is_a_conflict(client, operator):
    upload = presign(client, "photo", 1000, operator)
    response = client.post(f"/api/media/v1/uploads/{upload['id']}/complete")
    assert response.status_code == 409
    assert client.post("/api/media/v1/uploads/00000000-0000-4000-8000-000000000000/complete").status_code == 404


def test_a_presigned_upload_that_never_arrives_expires_and_is_cleaned_up(client, ctx, operator):
    upload = presign(client, "video", 10_000_000, operator)
    with ctx.sessions() as session, session.begin():
        session.execute(update(db.media).where(db.media.c.id == upload["id"])
                        .values(expires_at=db.media.c.created_at - usecases.STUCK_AFTER))
    usecases.clean_up(ctx)  # the worker's loop does the same every few seconds
    media = state_of(client, upload["id"])
    assert media["state"] == "rejected" and "expired" in media["reason"]


def test_presign_input_is_strict_and_sizes_are_limited(client, operator):
    assert client.post(PRESIGN, json={"kind": "video", "size": 600 * 1024 * 1024}, headers=operator).status_code == 413
    unknown = client.post(PRESIGN, json={"kind": "video", "size": 10, "name": "x.mp4"}, headers=operator)
    assert unknown.status_code == 422 and "name" in unknown.get_json()["errors"]
    assert client.post(PRESIGN, json={"kind": "pdf", "size": 10}, headers=operator).status_code == 422


def test_a_presigned_photo_slot_does_not_take_a_video(client, operator):
    data = video(seconds=1)
    upload = presign(client, "photo", len(data), operator)
    put(upload["upload_url"], data)
    media = wait_for(lambda: (m := state_of(client, upload["id"]))["state"] == "rejected" and m,
                     timeout=30, what="the upload to be rejected")
    assert media["detected_type"] == "video/mp4" and "announced a photo" in media["reason"]
