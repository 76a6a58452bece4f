"""An upload killed between MinIO and the database leaves an original no media row points at; the worker's
cleanup sweeps such originals once they are old enough that no row can still be coming."""
import io
import uuid
from datetime import timedelta

from services.media import usecases
from services.media.storage import ORIGINALS

from .media_samples import jpeg_with_gps
from .test_media_direct_uploads import upload


def just_before(key: str) -> str:
    """A start_after that makes `key` the first key of the page."""
    return key[:-1]


def put_orphan(ctx) -> str:
    key = usecases.new_media_id()
    photo = jpeg_with_gps()
    ctx.storage.put_stream(ORIGINALS, key, io.BytesIO(photo), "image/jpeg")
    return key


def test_an_original_without_its_row_is_removed_once_old_enough(ctx):
    orphan = put_orphan(ctx)

    assert usecases.sweep_orphaned_originals(ctx, after=just_before(orphan), batch=1) == (orphan, 0)
    assert ctx.storage.size(ORIGINALS, orphan) is not None  # younger than an hour: its row may still come

    swept = usecases.sweep_orphaned_originals(ctx, after=just_before(orphan), batch=1, older_than=timedelta(0))
    assert swept == (orphan, 1)
    assert ctx.storage.size(ORIGINALS, orphan) is None


def test_an_original_with_its_row_stays(ctx, client, citizen):
    answer = upload(client, jpeg_with_gps(), "roof.jpg", headers=citizen)
    assert answer.status_code == 201, answer.get_json()
    media_id = answer.get_json()["id"]

    swept = usecases.sweep_orphaned_originals(ctx, after=just_before(media_id), batch=1, older_than=timedelta(0))
    assert swept == (media_id, 0)
    assert ctx.storage.size(ORIGINALS, media_id) is not None


def test_the_walk_starts_over_at_the_end_of_the_bucket(ctx):
    past_the_end = "~" + uuid.uuid4().hex  # "~" sorts after every media id
    assert usecases.sweep_orphaned_originals(ctx, after=past_the_end) == ("", 0)
