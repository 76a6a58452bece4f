"""The worker's renderers (running media worker): rows waiting in quarantine become stored, and a file that
keeps breaking the renderer ends rejected instead of being retried forever."""
import hashlib
import io
import uuid

from services.media import db
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
