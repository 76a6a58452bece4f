"""What the media service does, one function a use case.

Files are checked on local disk in a temporary folder; MinIO holds the original (private), the public copy
and the thumbnail; the database row follows the states uploading -> quarantined -> stored | rejected, and
every move past quarantine is a conditional update, so one upload is processed and announced exactly once.

A direct upload is answered once its bytes are in MinIO and the cheap checks passed (type, structure,
polyglots, pixel count, ffprobe): state `quarantined`. The worker's renderers then make the public copy
and thumbnail (`stored`). A presigned upload is checked and rendered in one go by whoever claims it.
"""
from __future__ import annotations

import hashlib
import logging
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from services.common.db import add_to_outbox, claim_event, transaction
from services.common.metrics import count_media
from services.common.errors import DependencyUnavailable, Problem, unavailable_dependency
from services.common.logs import log

from . import db, events, processing
from .context import MediaContext
from .domain import sniff
from .domain.media import Rejection, State, can_read_original, empty, too_large, unsupported
from .storage import ORIGINALS, PRESIGNED_PREFIX, PUBLIC, QUARANTINE
from .upload_stream import TeeReader, TooLarge, read_head

logger = logging.getLogger(__name__)
CONSUMER = "media"
STUCK_AFTER = timedelta(minutes=15)  # a check running longer than this died with its process
RELEASE_PATIENCE = timedelta(minutes=1)  # a renderer's retries at handing a claim back (a database restart)
UNCLAIM_PATIENCE = timedelta(seconds=10)  # the same where a request may be waiting
ORPHAN_AFTER = timedelta(hours=1)  # far longer than any upload request: a row still coming is never swept
PRESIGN_GRACE = timedelta(minutes=15)
MAX_FAILURES = 3                     # renders failing for a reason other than an outage: then rejected
MULTIPART_OVERHEAD = 64 * 1024       # boundary and part headers around the file in a multipart body

NOT_FOUND = {"kk": "Файл табылмады", "ru": "Файл не найден", "en": "media not found"}


def now() -> datetime:
    return datetime.now(timezone.utc)


# ----------------------------------------------------------------------------- direct uploads

def new_media_id() -> str:
    return str(uuid.uuid4())


def upload_direct(ctx: MediaContext, chunks: Iterator[bytes], *, content_length: int | None) -> dict:
    """Stream one multipart file into the originals bucket while keeping a local copy to check; answer with
    the quarantined media (rendered next by the worker), or raise a Problem (413/415/422 with the reason,
    503 with nothing left behind).

    While the request runs, it is the `uploading` state: the row is written only once the original is in
    MinIO and checked, so a failure of MinIO (or of this process) can never leave a row without its object."""
    head, rest = read_head(chunks, sniff.HEAD_BYTES)
    media_id = new_media_id()
    detected = sniff.detect(head)
    try:
        if not head:
            raise empty()
        if not detected.accepted:
            raise unsupported(detected.mime)
        limit = ctx.limits.bytes_for(detected.kind)
        if content_length and content_length > limit + MULTIPART_OVERHEAD:
            raise too_large(detected.kind, limit)  # known from the header: refused before reading on
    except Rejection as rejection:
        raise _refused(ctx, media_id, rejection, detected)
    original_object = [(ORIGINALS, media_id)]
    with tempfile.TemporaryDirectory(prefix="ashyq-media-") as tmp:
        original = Path(tmp) / "original"
        try:
            with open(original, "wb") as copy:
                reader = TeeReader(head, rest, copy, limit)
                ctx.storage.put_stream(ORIGINALS, media_id, reader, detected.mime)
            facts = processing.check(original, detected.kind, detected.mime, ctx.limits)
        except TooLarge:  # the multipart upload to MinIO was aborted: no object exists
            raise _refused(ctx, media_id, too_large(detected.kind, limit), detected)
        except Rejection as rejection:
            _remove_quietly(ctx, original_object)
            raise _refused(ctx, media_id, rejection, detected, size=reader.size, sha256=reader.sha256.hexdigest())
        except Exception as exc:  # MinIO down, client gone: nothing may stay behind
            _remove_quietly(ctx, original_object)
            raise _unavailable_or(exc)
    try:
        with transaction(ctx.sessions) as session:
            row = session.execute(db.media.insert().values(
                id=media_id, state=State.QUARANTINED.value, upload_path="direct", kind=detected.kind,
                content_type=detected.mime, size=reader.size, sha256=reader.sha256.hexdigest(),
                width=facts.width, height=facts.height, duration_seconds=facts.duration_seconds,
                original_key=None, claimed_at=None)  # claimed_at empty: ready for the worker's renderers
                .returning(db.media)).one()
    except Exception as exc:
        _remove_quietly(ctx, original_object)
        raise _unavailable_or(exc)
    return _view(row)


def _refused(ctx: MediaContext, media_id: str, rejection: Rejection, detected: sniff.Detected, *,
             size: int | None = None, sha256: str | None = None) -> Problem:
    """Record a refused direct upload (a rejected row and its event, no object) and the client's answer."""
    with transaction(ctx.sessions) as session:
        session.execute(db.media.insert().values(
            id=media_id, state=State.REJECTED.value, upload_path="direct", kind=detected.kind,
            content_type=detected.mime if detected.accepted else None, size=size, sha256=sha256,
            reason=rejection.reason, detected_type=rejection.detected_type))
        topic, key, event = events.media_event(events.MEDIA_REJECTED, events.MediaRejectedV1(), media_id,
                                               {"media_id": media_id, "reason": rejection.reason})
        add_to_outbox(session, db.outbox, topic=topic, key=key, event=event)
    count_media(detected.kind, stored=False, reason=rejection.code)
    log(logger, logging.INFO, "media rejected", media_id=media_id, reason=rejection.reason)
    return _problem(media_id, rejection)


def _problem(media_id: str, rejection: Rejection) -> Problem:
    extra = {"id": media_id, "state": State.REJECTED.value, "reason": rejection.reason}
    if rejection.detected_type:
        extra["detected_type"] = rejection.detected_type
    return Problem(rejection.status, rejection.reason, **extra)


def _unavailable_or(exc: Exception) -> Exception:
    dependency = unavailable_dependency(exc)
    return DependencyUnavailable(dependency) if dependency else exc


# ----------------------------------------------------------------------------- presigned uploads

def presign_upload(ctx: MediaContext, *, kind: str, size: int) -> dict:
    limit = ctx.limits.bytes_for(kind)
    if size > limit:
        raise Problem(413, f"{kind} larger than {limit} bytes", limit=limit)
    # A PUT begun just before its URL expires may still be arriving: the row outlives the URL a while.
    media_id = _new_row(ctx, upload_path="presigned", declared_kind=kind,
                        expires_in=timedelta(seconds=ctx.presign_ttl_seconds) + PRESIGN_GRACE)
    url = ctx.storage.presigned_put(QUARANTINE, PRESIGNED_PREFIX + media_id, ctx.presign_ttl_seconds)
    view = get_media(ctx, media_id)
    return {**view, "upload_url": url, "method": "PUT", "max_size": limit}


def complete_upload(ctx: MediaContext, media_id: str) -> tuple[dict, bool]:
    """The client says its presigned PUT finished. Returns (media, processed_now)."""
    row = _row(ctx, media_id)
    if row.upload_path != "presigned":
        raise Problem(409, "only presigned uploads are completed")
    if row.state == State.UPLOADING.value:
        if _size_or_unavailable(ctx, QUARANTINE, PRESIGNED_PREFIX + media_id) is None:
            raise Problem(409, {"kk": "Файл әлі жүктелмеген", "ru": "Файл ещё не загружен",
                                "en": "nothing has been uploaded yet"})
        if process_presigned(ctx, media_id):
            return get_media(ctx, media_id), True
    return get_media(ctx, media_id), False


def on_minio_event(ctx: MediaContext, event: dict) -> None:
    """MinIO says an object arrived in quarantine: a presigned upload to process (if nobody did yet)."""
    data = event["data"]
    if data["bucket"] != QUARANTINE or not data["key"].startswith(PRESIGNED_PREFIX):
        return
    process_presigned(ctx, data["key"][len(PRESIGNED_PREFIX):])


def process_presigned(ctx: MediaContext, media_id: str) -> bool:
    """Claim the upload (uploading -> quarantined) and check it; False when someone else has it or had it."""
    with transaction(ctx.sessions) as session:
        claimed = session.execute(
            update(db.media).where(db.media.c.id == media_id, db.media.c.state == State.UPLOADING.value,
                                   db.media.c.upload_path == "presigned")
            .values(state=State.QUARANTINED.value, claimed_at=now(), updated_at=now())
            .returning(db.media.c.id, db.media.c.failures)).first()
    if claimed is None:
        return False
    key = PRESIGNED_PREFIX + media_id
    if claimed.failures >= MAX_FAILURES:
        _reject(ctx, media_id, Rejection(422, "the file could not be processed"), objects=[(QUARANTINE, key)])
        return True
    try:
        with tempfile.TemporaryDirectory(prefix="ashyq-media-") as tmp:
            _check_presigned(ctx, media_id, key, Path(tmp))
    except Rejection:
        pass  # recorded as rejected
    except Exception as exc:
        # Let a retry (consumer, /complete or the cleanup loop) take it again; outages are not the file's fault.
        _unclaim(ctx, media_id, failed=unavailable_dependency(exc) is None)
        raise
    return True


def _check_presigned(ctx: MediaContext, media_id: str, key: str, workdir: Path) -> None:
    quarantined = [(QUARANTINE, key)]
    size = ctx.storage.size(QUARANTINE, key)
    if size is None:
        _reject(ctx, media_id, Rejection(422, "nothing was uploaded"))
        raise Rejection(422, "nothing was uploaded")
    if size == 0 or size > ctx.limits.largest:
        rejection = empty() if size == 0 else too_large("file", ctx.limits.largest)
        _reject(ctx, media_id, rejection, objects=quarantined)
        raise rejection
    original = workdir / "original"
    ctx.storage.download(QUARANTINE, key, original)
    sha256, head = _digest(original)
    detected = sniff.detect(head)
    declared = _row(ctx, media_id).declared_kind
    try:
        if not detected.accepted:
            raise unsupported(detected.mime)
        if declared and detected.kind != declared:
            raise Rejection(415, f"announced a {declared}, sent {detected.mime}", detected.mime)
        if size > ctx.limits.bytes_for(detected.kind):
            raise too_large(detected.kind, ctx.limits.bytes_for(detected.kind))
    except Rejection as rejection:
        _reject(ctx, media_id, rejection, objects=quarantined)
        raise
    with transaction(ctx.sessions) as session:
        session.execute(update(db.media).where(db.media.c.id == media_id).values(
            kind=detected.kind, content_type=detected.mime, size=size, sha256=sha256, updated_at=now()))
    source = (QUARANTINE, key)
    try:
        facts = processing.check(original, detected.kind, detected.mime, ctx.limits)
        rendition = processing.render(original, detected.kind, detected.mime, ctx.limits, workdir)
    except Rejection as rejection:
        _reject(ctx, media_id, rejection, objects=[source])
        raise
    ctx.storage.copy(ORIGINALS, media_id, *source)
    _store(ctx, media_id, facts, rendition)
    _remove_quietly(ctx, [source])


def _digest(path: Path) -> tuple[str, bytes]:
    digest, head = hashlib.sha256(), b""
    with open(path, "rb") as file:
        while chunk := file.read(1024 * 1024):
            if not head:
                head = chunk[:sniff.HEAD_BYTES]
            digest.update(chunk)
    return digest.hexdigest(), head


# ----------------------------------------------------------------------------- rendering and storing

def render_next(ctx: MediaContext) -> bool:
    """Take one checked direct upload waiting in quarantine and make its public copy and thumbnail.
    False when there is none. Several renderers may run: SKIP LOCKED gives each its own row."""
    with transaction(ctx.sessions) as session:
        row = session.execute(
            select(db.media.c.id, db.media.c.kind, db.media.c.content_type, db.media.c.failures)
            .where(db.media.c.state == State.QUARANTINED.value, db.media.c.claimed_at.is_(None))
            .order_by(db.media.c.created_at).limit(1).with_for_update(skip_locked=True)).first()
        if row is None:
            return False
        session.execute(update(db.media).where(db.media.c.id == row.id).values(claimed_at=now()))
    original = [(ORIGINALS, row.id)]
    if row.failures >= MAX_FAILURES:
        _reject(ctx, row.id, Rejection(422, "the file could not be processed"), objects=original)
        return True
    try:
        with tempfile.TemporaryDirectory(prefix="ashyq-media-") as tmp:
            workdir = Path(tmp)
            ctx.storage.download(ORIGINALS, row.id, workdir / "original")
            try:
                facts = processing.check(workdir / "original", row.kind, row.content_type, ctx.limits)
                rendition = processing.render(workdir / "original", row.kind, row.content_type, ctx.limits, workdir)
            except Rejection as rejection:
                _reject(ctx, row.id, rejection, objects=original)
                return True
            _store(ctx, row.id, facts, rendition)
    except Exception as exc:
        _release(ctx, row.id, failed=unavailable_dependency(exc) is None)
        raise
    return True


def _store(ctx: MediaContext, media_id: str, facts: processing.Facts, rendition: processing.Rendition) -> None:
    """Put the public copy, thumbnail and poster in MinIO, then record `stored` and its event (once)."""
    public_key = f"{media_id}/public{rendition.public_path.suffix}"
    thumbnail_key = f"{media_id}/thumbnail.jpg"
    poster_key = f"{media_id}/poster.jpg" if rendition.poster_path else None
    ctx.storage.put_file(PUBLIC, public_key, rendition.public_path, rendition.public_type)
    ctx.storage.put_file(PUBLIC, thumbnail_key, rendition.thumbnail_path, "image/jpeg")
    if poster_key:
        ctx.storage.put_file(PUBLIC, poster_key, rendition.poster_path, "image/jpeg")
    with transaction(ctx.sessions) as session:
        row = session.execute(
            update(db.media).where(db.media.c.id == media_id, db.media.c.state == State.QUARANTINED.value)
            .values(state=State.STORED.value, width=facts.width, height=facts.height,
                    duration_seconds=facts.duration_seconds, original_key=media_id, public_key=public_key,
                    public_type=rendition.public_type, thumbnail_key=thumbnail_key, poster_key=poster_key,
                    expires_at=None, updated_at=now())
            .returning(db.media)).first()
        if row is None:
            return  # stored or rejected meanwhile by someone else: nothing more to say
        topic, key, event = events.media_event(events.MEDIA_STORED, events.MediaStoredV1(), media_id, {
            "media_id": media_id, "kind": row.kind, "content_type": row.content_type, "size": row.size,
            "sha256": row.sha256, "width": row.width, "height": row.height,
            "duration_seconds": row.duration_seconds, "public_key": public_key, "thumbnail_key": thumbnail_key})
        add_to_outbox(session, db.outbox, topic=topic, key=key, event=event)
    count_media(row.kind, stored=True)
    log(logger, logging.INFO, "media stored", media_id=media_id, kind=row.kind, size=row.size)


# ----------------------------------------------------------------------------- rows and their moves

def _new_row(ctx: MediaContext, *, upload_path: str, expires_in: timedelta, declared_kind: str | None = None) -> str:
    media_id = str(uuid.uuid4())
    with transaction(ctx.sessions) as session:
        session.execute(db.media.insert().values(id=media_id, state=State.UPLOADING.value, upload_path=upload_path,
                                                 declared_kind=declared_kind, expires_at=now() + expires_in))
    return media_id


def _release(ctx: MediaContext, media_id: str, *, failed: bool = False,
             patience: timedelta = RELEASE_PATIENCE, pause: float = 1.0) -> None:
    """A render did not finish: another renderer takes it later. An outage (MinIO, database) is waited out;
    other failures are counted, so a file that always breaks the renderer ends rejected, not retried forever."""
    _hand_back(ctx, media_id, {"claimed_at": None, "failures": db.media.c.failures + int(failed)},
               patience=patience, pause=pause)


def _unclaim(ctx: MediaContext, media_id: str, *, failed: bool = False) -> None:
    """A presigned upload's check did not finish: back to uploading, for the next notification or /complete
    (a request may be waiting here, so it is less patient than a renderer)."""
    _hand_back(ctx, media_id, {"state": State.UPLOADING.value, "claimed_at": None,
                               "failures": db.media.c.failures + int(failed)}, patience=UNCLAIM_PATIENCE)


def _hand_back(ctx: MediaContext, media_id: str, values: dict, *, patience: timedelta, pause: float = 1.0) -> None:
    """Give up a claim, trying again through a database outage (a restart takes seconds): a claim left behind
    waits STUCK_AFTER for the cleanup loop, and the citizen's appeal that names the file with it."""
    give_up = now() + patience
    while True:
        try:
            with transaction(ctx.sessions) as session:
                session.execute(update(db.media).where(db.media.c.id == media_id,
                                                       db.media.c.state == State.QUARANTINED.value)
                                .values(**values, updated_at=now()))
            return
        except Exception as exc:
            if unavailable_dependency(exc) != "PostgreSQL" or now() >= give_up:  # the cleanup loop's turn
                logger.warning("could not release %s: %s", media_id, type(exc).__name__)
                return
            time.sleep(pause)


def _reject(ctx: MediaContext, media_id: str, rejection: Rejection, objects: list[tuple[str, str]] = ()) -> None:
    """Delete whatever the upload left in MinIO, then record the refusal and its event (once)."""
    _remove_quietly(ctx, objects)
    with transaction(ctx.sessions) as session:
        row = session.execute(
            update(db.media).where(db.media.c.id == media_id,
                                   db.media.c.state.in_([State.UPLOADING.value, State.QUARANTINED.value]))
            .values(state=State.REJECTED.value, reason=rejection.reason, detected_type=rejection.detected_type,
                    original_key=None, expires_at=None, updated_at=now())
            .returning(db.media.c.id, db.media.c.kind, db.media.c.declared_kind)).first()
        if row is None:
            return  # already decided
        topic, key, event = events.media_event(events.MEDIA_REJECTED, events.MediaRejectedV1(), media_id,
                                               {"media_id": media_id, "reason": rejection.reason})
        add_to_outbox(session, db.outbox, topic=topic, key=key, event=event)
    count_media(row.kind or row.declared_kind, stored=False, reason=rejection.code)
    log(logger, logging.INFO, "media rejected", media_id=media_id, reason=rejection.reason)


def _remove_quietly(ctx: MediaContext, objects) -> None:
    for bucket, key in objects:
        try:
            ctx.storage.remove(bucket, key)
        except Exception as exc:  # an orphan in a private bucket is harmless; the lifecycle rule or a sweep ends it
            logger.warning("could not remove %s/%s: %s", bucket, key, type(exc).__name__)


def _size_or_unavailable(ctx: MediaContext, bucket: str, key: str) -> int | None:
    try:
        return ctx.storage.size(bucket, key)
    except Exception as exc:
        raise _unavailable_or(exc)


# ----------------------------------------------------------------------------- reading

def _row(ctx: MediaContext, media_id: str):
    with ctx.sessions() as session:
        row = session.execute(select(db.media).where(db.media.c.id == media_id)).first()
    if row is None:
        raise Problem(404, NOT_FOUND)
    return row


def get_media(ctx: MediaContext, media_id: str) -> dict:
    return _view(_row(ctx, media_id))


def _view(row) -> dict:
    return {"id": row.id, "state": row.state, "kind": row.kind, "content_type": row.content_type,
            "size": row.size, "sha256": row.sha256, "width": row.width, "height": row.height,
            "duration_seconds": row.duration_seconds, "public_type": row.public_type, "reason": row.reason,
            "detected_type": row.detected_type, "upload_path": row.upload_path,
            "expires_at": row.expires_at, "created_at": row.created_at, "updated_at": row.updated_at}


def public_url(ctx: MediaContext, media_id: str, which: str) -> str:
    """A short-lived URL of the public copy, its thumbnail or a video's poster."""
    row = _stored(ctx, media_id)
    key = {"content": row.public_key, "thumbnail": row.thumbnail_key, "poster": row.poster_key}[which]
    if key is None:
        raise Problem(404, NOT_FOUND)
    return ctx.storage.presigned_get(PUBLIC, key, ctx.url_ttl_seconds)


def original_url(ctx: MediaContext, media_id: str, *, role: str, institution_id: str | None) -> str:
    row = _stored(ctx, media_id)
    with ctx.sessions() as session:
        attached = set(session.scalars(select(db.attachments.c.institution_id)
                                       .where(db.attachments.c.media_id == media_id)))
    if not can_read_original(role, institution_id, attached):
        raise Problem(403, {"kk": "Түпнұсқаға рұқсат жоқ", "ru": "Нет доступа к оригиналу",
                            "en": "the original is for operators and the institution concerned"})
    return ctx.storage.presigned_get(ORIGINALS, row.original_key, ctx.url_ttl_seconds,
                                     filename=f"{media_id}-original", attachment=True)


def _stored(ctx: MediaContext, media_id: str):
    row = _row(ctx, media_id)
    if row.state != State.STORED.value:
        raise Problem(409, f"media is {row.state}", state=row.state)
    return row


# ----------------------------------------------------------------------------- appeals' events

def attach_from_appeal(ctx: MediaContext, event: dict) -> None:
    """appeal_submitted / appeal_answered name their media: record which institution each is evidence for."""
    data = events.AppealWithMedia().load(event["data"])
    with transaction(ctx.sessions) as session:
        if not claim_event(session, db.processed_events, consumer=CONSUMER, event_id=event["id"]):
            return
        for media_id in dict.fromkeys(data["media_ids"]):
            session.execute(insert(db.attachments).values(
                media_id=media_id[:36], appeal_id=data["appeal_id"], institution_id=data["institution_id"])
                .on_conflict_do_nothing())


# ----------------------------------------------------------------------------- cleanup

def clean_up(ctx: MediaContext, *, batch: int = 50) -> int:
    """Expire presigned uploads that never arrived and retry checks or renders that died; returns how many
    rows it handled. One row's failure does not hold up the others."""
    with ctx.sessions() as session:
        expired = session.scalars(select(db.media.c.id).where(
            db.media.c.state == State.UPLOADING.value, db.media.c.expires_at < now()).limit(batch)).all()
        stuck = session.execute(select(db.media.c.id, db.media.c.upload_path).where(
            db.media.c.state == State.QUARANTINED.value, db.media.c.claimed_at < now() - STUCK_AFTER)
            .limit(batch)).all()
    handled = 0
    for media_id, upload_path in stuck:
        handled += _attempt(_retry_stuck, ctx, media_id, upload_path)
    for media_id in expired:
        handled += _attempt(_expire, ctx, media_id)
    return handled


def sweep_orphaned_originals(ctx: MediaContext, *, after: str = "", batch: int = 200,
                             older_than: timedelta = ORPHAN_AFTER) -> tuple[str, int]:
    """An upload killed between MinIO and the database leaves an original no row points at: nobody can
    ever see it, yet it holds a citizen's unstripped photo (GPS included). Each call checks one page of the
    originals bucket after `after`; returns where the next call goes on ("" once the walk is through) and
    how many it removed."""
    page = ctx.storage.page(ORIGINALS, start_after=after, limit=batch)
    if not page:
        return "", 0
    cutoff = now() - older_than
    old = {key for key, modified in page if modified < cutoff}
    with ctx.sessions() as session:
        known = set(session.scalars(select(db.media.c.id).where(db.media.c.id.in_(old)))) if old else set()
    orphans = sorted(old - known)
    for key in orphans:
        ctx.storage.remove(ORIGINALS, key)
        logger.warning("removed original %s: no media row points at it (an upload died before its row)", key)
    return page[-1][0], len(orphans)


def _attempt(action, ctx: MediaContext, media_id: str, *args) -> int:
    try:
        action(ctx, media_id, *args)
        return 1
    except Exception as exc:
        logger.warning("cleanup of %s failed: %s: %s", media_id, type(exc).__name__, exc)
        return 0


def _retry_stuck(ctx: MediaContext, media_id: str, upload_path: str) -> None:
    """Its checker or renderer died (counted: the file may be what killed it); the bytes are safe in MinIO."""
    if upload_path == "presigned":
        _unclaim(ctx, media_id, failed=True)
        process_presigned(ctx, media_id)
    else:
        _release(ctx, media_id, failed=True)


def _expire(ctx: MediaContext, media_id: str) -> None:
    key = PRESIGNED_PREFIX + media_id
    if ctx.storage.size(QUARANTINE, key) is not None:
        process_presigned(ctx, media_id)  # it did arrive; its notification must have been lost
    else:
        _reject(ctx, media_id, Rejection(422, "upload expired before it was completed"), objects=[(QUARANTINE, key)])
