"""Direct uploads against the real MinIO, PostgreSQL and Redis: checked by content, never by name."""
import hashlib
import io

import requests
from PIL import Image
from sqlalchemy import select

from services.media import db, usecases
from services.media.domain.media import Limits
from services.media.storage import Storage, make_client, make_public_client

from tests.support.polling import wait_for

from .media_samples import (decompression_bomb, heic_with_gps, exif_of, html, jpeg_with_gps, png, svg, truncated_jpeg, video, webp,
                            zip_jpeg_polyglot)

UPLOADS = "/api/media/v1/uploads"


def upload(client, data: bytes, filename: str, headers=None, content_type="image/jpeg"):
    return client.post(UPLOADS, data={"file": (io.BytesIO(data), filename, content_type)},
                       headers=headers or {}, content_type="multipart/form-data")


def stored(client, media_id: str) -> dict:
    """Direct uploads are answered when checked (quarantined); the worker renders them, then they are stored."""
    def probe():
        media = client.get(f"/api/media/v1/media/{media_id}").get_json()
        return media if media["state"] == "stored" else None
    return wait_for(probe, timeout=30, what=f"media {media_id} to be rendered and stored")


def follow(client, path: str, headers=None) -> bytes:
    response = client.get(path, headers=headers or {})
    assert response.status_code == 302, response.get_json()
    fetched = requests.get(response.headers["Location"], timeout=10)
    assert fetched.status_code == 200
    return fetched.content


def test_a_phone_photo_comes_back_without_gps_camera_or_any_metadata_and_its_original_is_kept_intact(
        client, citizen, operator):
    original = jpeg_with_gps(size=(1200, 800), orientation=6)
    assert exif_of(original)[0x010F] == "Samsung"  # the sample does carry the camera and GPS

    response = upload(client, original, "IMG_0001.jpg", citizen)

    assert response.status_code == 201, response.get_json()
    media = response.get_json()
    assert media["state"] == "quarantined" and media["kind"] == "photo" and media["content_type"] == "image/jpeg"
    assert media["sha256"] == hashlib.sha256(original).hexdigest()
    assert (media["width"], media["height"], media["size"]) == (800, 1200, len(original))  # orientation applied
    assert client.get(f"/api/media/v1/media/{media['id']}/content").status_code == 409  # nothing public yet
    assert stored(client, media["id"])["sha256"] == media["sha256"]

    public = follow(client, f"/api/media/v1/media/{media['id']}/content")
    assert b"Exif" not in public and b"Samsung" not in public and b"xmpmeta" not in public
    assert b"Kokshetau" not in public
    with Image.open(io.BytesIO(public)) as image:
        assert image.format == "JPEG" and image.size == (800, 1200)
        assert not image.getexif() and not {"exif", "xmp", "icc_profile", "comment"} & set(image.info)
    thumbnail = follow(client, f"/api/media/v1/media/{media['id']}/thumbnail")
    with Image.open(io.BytesIO(thumbnail)) as image:
        assert max(image.size) <= 320 and not image.getexif()

    kept = follow(client, f"/api/media/v1/media/{media['id']}/original", operator)
    assert hashlib.sha256(kept).hexdigest() == media["sha256"]
    assert client.get(f"/api/media/v1/media/{media['id']}").get_json()["sha256"] == media["sha256"]


def test_large_photos_are_scaled_to_at_most_2048_pixels(client, operator):
    response = upload(client, jpeg_with_gps(size=(4000, 3000), orientation=1), "big.jpg", operator)
    assert response.status_code == 201
    stored(client, response.get_json()["id"])
    public = follow(client, f"/api/media/v1/media/{response.get_json()['id']}/content")
    width, height = Image.open(io.BytesIO(public)).size
    assert 1536 <= width <= 2048 and width * 3 == height * 4


def test_a_png_named_jpg_is_stored_as_the_png_it_is(client, operator):
    response = upload(client, png(alpha=True), "holiday.jpg", operator)
    assert response.status_code == 201
    assert response.get_json()["content_type"] == "image/png"
    stored(client, response.get_json()["id"])
    public = follow(client, f"/api/media/v1/media/{response.get_json()['id']}/content")
    assert Image.open(io.BytesIO(public)).format == "PNG"


def test_an_iphone_heic_photo_is_published_as_a_jpeg_without_its_location(client, operator):
    original = heic_with_gps()
    assert exif_of(original)[0x010F] == "Apple"
    response = upload(client, original, "IMG_0420.HEIC", operator)
    assert response.status_code == 201, response.get_json()
    media = response.get_json()
    assert (media["content_type"], media["width"], media["height"]) == ("image/heic", 800, 600)
    stored(client, media["id"])
    public = follow(client, f"/api/media/v1/media/{media['id']}/content")
    with Image.open(io.BytesIO(public)) as image:
        assert image.format == "JPEG" and not image.getexif() and "exif" not in image.info
    assert b"Apple" not in public


def test_webp_is_accepted(client, operator):
    response = upload(client, webp(), "x.webp", operator)
    assert response.status_code == 201 and response.get_json()["content_type"] == "image/webp"


def test_html_or_svg_named_jpg_is_refused_with_the_detected_type(client, operator):
    for data, detected in ((html(), "text/html"), (svg(), "image/svg+xml")):
        response = upload(client, data, "photo.jpg", operator)
        assert response.status_code == 415, response.get_json()
        problem = response.get_json()
        assert problem["detected_type"] == detected and problem["state"] == "rejected"
        assert client.get(f"/api/media/v1/media/{problem['id']}").get_json()["state"] == "rejected"


def test_a_decompression_bomb_is_refused_without_being_decoded(client, operator):
    response = upload(client, decompression_bomb(), "bomb.png", operator)
    assert response.status_code == 422
    assert "decompression bomb" in response.get_json()["reason"]


def test_a_truncated_jpeg_and_an_empty_file_are_unprocessable(client, operator):
    truncated = upload(client, truncated_jpeg(), "cut.jpg", operator)
    assert truncated.status_code == 422 and "truncated" in truncated.get_json()["reason"]
    empty = upload(client, b"", "empty.jpg", operator)
    assert empty.status_code == 422 and empty.get_json()["reason"] == "empty file"


def test_a_zip_jpeg_polyglot_is_refused_and_its_original_deleted(client, ctx, operator):
    response = upload(client, zip_jpeg_polyglot(), "photo.jpg", operator)
    assert response.status_code == 415
    problem = response.get_json()
    assert "polyglot" in problem["reason"]
    assert ctx.storage.size("media-originals", problem["id"]) is None


def test_an_mp4_named_jpg_is_stored_as_a_video_without_its_metadata(client, operator):
    data = video(seconds=2)
    response = upload(client, data, "not-a-video.jpg", operator)
    assert response.status_code == 201, response.get_json()
    media = response.get_json()
    assert (media["kind"], media["content_type"], media["width"], media["height"]) == ("video", "video/mp4", 320, 240)
    assert 1.9 <= media["duration_seconds"] <= 2.2
    stored(client, media["id"])
    public = follow(client, f"/api/media/v1/media/{media['id']}/content")
    assert b"secret place" not in public and b"+53.2833" not in public and b"camera 2" not in public
    assert Image.open(io.BytesIO(follow(client, f"/api/media/v1/media/{media['id']}/thumbnail"))).size == (320, 240)


def test_a_photo_over_the_limit_is_refused_while_it_streams(media_app, client, ctx, operator):
    saved = ctx.limits
    ctx.limits = Limits(photo_bytes=100_000, video_bytes=saved.video_bytes, pixels=saved.pixels,
                        video_seconds=saved.video_seconds)
    try:
        noise = Image.effect_noise((900, 900), 100).convert("RGB")
        out = io.BytesIO()
        noise.save(out, "JPEG", quality=95)
        assert len(out.getvalue()) > 100_000
        response = upload(client, out.getvalue(), "big.jpg", operator)
    finally:
        ctx.limits = saved
    assert response.status_code == 413
    assert ctx.storage.size("media-originals", response.get_json()["id"]) is None


def test_minio_down_answers_503_and_leaves_no_row(media_app, client, ctx, operator, monkeypatch):
    given = []
    new_id = usecases.new_media_id
    monkeypatch.setattr(usecases, "new_media_id", lambda: given.append(new_id()) or given[-1])
    unreachable = make_client("127.0.0.1:1", "x", "y", False)  # nothing listens there
    monkeypatch.setattr(ctx, "storage", Storage(unreachable, make_public_client("http://127.0.0.1:1", "x", "y")))

    response = upload(client, jpeg_with_gps(), "photo.jpg", operator)

    assert response.status_code == 503
    assert response.get_json()["dependency"] == "MinIO"
    assert len(given) == 1
    with ctx.sessions() as session:
        assert session.execute(select(db.media).where(db.media.c.id == given[0])).first() is None
    assert client.get(f"/api/media/v1/media/{given[0]}").status_code == 404


def test_unknown_media_is_404_and_unstored_media_has_no_content(client, ctx):
    assert client.get("/api/media/v1/media/00000000-0000-4000-8000-000000000000").status_code == 404
    assert client.get("/api/media/v1/media/not-a-uuid").status_code == 404
    pending = usecases.presign_upload(ctx, kind="photo", size=1000)
    assert client.get(f"/api/media/v1/media/{pending['id']}/content").status_code == 409


def test_anonymous_uploads_are_rate_limited_per_address(client, ctx, citizen, monkeypatch):
    monkeypatch.setenv("ASHYQ_MEDIA_UPLOADS_PER_HOUR", "2")
    answers = [upload(client, b"", "e.jpg", citizen).status_code for _ in range(3)]
    assert answers == [422, 422, 429]
