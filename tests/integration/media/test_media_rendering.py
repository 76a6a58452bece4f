"""The worker's renderers (running media worker): rows waiting in quarantine become stored, and a file that
keeps breaking the renderer ends rejected instead of being retried forever."""
import hashlib
import io
import uuid
from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from services.media import db, usecases
from services.media.storage import ORIGINALS
from tests.support.polling import wait_for

from .media_samples import jpeg_with_gps


def quarantined_row(ctx, data: bytes, *, failures: int) -> str:
    media_id = str(uuid.uuid4())
    ctx.storage.put_stream(ORIGINALS, media_id, io.BytesIO(data), "image/jpeg")
    with ctx.sessions() as session, session.begin():
        session.execute(db.media.insert().values(id=media_id, state="quarantined", upload_path="direct", kind="photo",
                                                 content_type="image/jpeg", size=len(data), failures=failures,
                                                 sha256=hashlib.sha256(data).hexdigest()))
    return media_id


def state_of(client, media_id):
    return client.get(f"/api/media/v1/media/{media_id}").get_json()


def test_a_quarantined_photo_is_rendered_by_the_worker(client, ctx):
    media_id = quarantined_row(ctx, jpeg_with_gps(), failures=0)
    media = wait_for(lambda: (m := state_of(client, media_id))["state"] == "stored" and m, what="a renderer")
    assert media["public_type"] == "image/jpeg"


def test_a_file_that_failed_rendering_three_times_is_rejected_and_its_original_deleted(client, ctx):
    media_id = quarantined_row(ctx, jpeg_with_gps(), failures=3)
    media = wait_for(lambda: (m := state_of(client, media_id))["state"] == "rejected" and m, what="a renderer")
    assert media["reason"] == "the file could not be processed"
    assert ctx.storage.size(ORIGINALS, media_id) is None


class DatabaseRestarting:
    """The service's sessions, refusing the first `outages` units of work as a PostgreSQL restart does."""

    def __init__(self, sessions, outages: int):
        self.sessions, self.outages, self.calls = sessions, outages, 0

    def __call__(self):
        self.calls += 1
        if self.calls <= self.outages:
            raise OperationalError("update media", {}, ConnectionRefusedError("the database system is starting up"))
        return self.sessions()


def claimed_row(ctx) -> str:
    media_id = str(uuid.uuid4())
    with ctx.sessions() as session, session.begin():
        session.execute(db.media.insert().values(id=media_id, state="quarantined", upload_path="direct", kind="photo",
                                                 claimed_at=func.now(), failures=0))
    return media_id


def test_a_renderer_hands_its_claim_back_once_the_database_is_back(ctx):
    """Regression (fault drill): a render broken by a PostgreSQL restart could not release its claim, and the
    photo waited 15 minutes for the cleanup loop while the citizen's appeal was refused."""
    media_id = claimed_row(ctx)
    restarting = DatabaseRestarting(ctx.sessions, outages=2)

    usecases._release(replace(ctx, sessions=restarting), media_id, failed=True, pause=0.01)

    assert restarting.calls == 3
    with ctx.sessions() as session:
        row = session.execute(select(db.media.c.claimed_at, db.media.c.failures)
                              .where(db.media.c.id == media_id)).one()
    assert row.claimed_at is None or row.failures >= 1  # released (a running renderer may have claimed it again)
