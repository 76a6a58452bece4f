"""Media through nginx on the real stack: streamed uploads, limits while streaming, presigned uploads
processed from MinIO's own notification."""
import hashlib
import io
import os
import time
import uuid

import requests
from PIL import Image

from tests.integration.media.media_samples import exif_of, jpeg_with_gps, video
from tests.support.auth import bearer
from tests.support.polling import wait_for
from tests.support.stack import BASE_URL

API = f"{BASE_URL}/api/media/v1"
BOUNDARY = "ashyq-e2e-boundary"


def citizen() -> dict:
    return {"X-Request-Id": f"e2e-media-{uuid.uuid4().hex[:12]}"}


def test_a_citizens_photo_is_public_without_its_location_and_its_original_is_evidence():
    photo = jpeg_with_gps(size=(2400, 1800), orientation=1)
    assert 0x8825 in exif_of(photo)  # GPS present going in

    response = requests.post(f"{API}/uploads", files={"file": ("IMG_2041.JPG", photo, "image/jpeg")},
                             headers=citizen(), timeout=30)

    assert response.status_code == 201, response.text
    media = response.json()
    assert media["state"] == "quarantined" and media["sha256"] == hashlib.sha256(photo).hexdigest()

    def stored():
        return requests.get(f"{API}/media/{media['id']}", timeout=5).json()["state"] == "stored"
    wait_for(stored, timeout=30, what="the worker to render the public copy")
    public = requests.get(f"{API}/media/{media['id']}/content", timeout=10)  # follows the redirect to MinIO
    assert public.status_code == 200 and public.url.startswith("http://localhost:9000/media-public/")
    with Image.open(io.BytesIO(public.content)) as image:
        assert image.size == (2048, 1536) and not image.getexif() and "exif" not in image.info
    assert b"Samsung" not in public.content
    original = requests.get(f"{API}/media/{media['id']}/original", headers=bearer("operator"), timeout=10)
    assert hashlib.sha256(original.content).hexdigest() == media["sha256"]
    assert requests.get(f"{API}/media/{media['id']}/original", timeout=10).status_code == 401


def multipart_stream(head: bytes, filler_bytes: int, chunk: int = 1 << 20):
    yield (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"huge.jpg\"\r\n"
           f"Content-Type: image/jpeg\r\n\r\n").encode() + head
    block = os.urandom(chunk)
    for _ in range(filler_bytes // chunk):
        yield block
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def test_a_photo_over_20_mb_is_refused_while_it_streams():
    """Chunked, so no Content-Length tells in advance: the service counts while it streams."""
    started = time.monotonic()
    response = requests.post(f"{API}/uploads", data=multipart_stream(b"\xff\xd8\xff\xe0", 40 << 20),
                             headers={**bearer("operator"),
                                      "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}, timeout=60)
    assert response.status_code == 413, response.text
    assert response.json()["state"] == "rejected"
    assert time.monotonic() - started < 30


def test_a_video_uploaded_to_a_presigned_url_is_processed_from_minios_notification():
    data = video(seconds=4, size="1280x720", lossless=True)
    presign = requests.post(f"{API}/uploads/presign", json={"kind": "video", "size": len(data)},
                            headers=bearer("operator"), timeout=10)  # keeps the shared anonymous quota for others
    assert presign.status_code == 201, presign.text
    upload = presign.json()
    assert requests.put(upload["upload_url"], data=data, timeout=60).status_code == 200

    def stored():
        media = requests.get(f"{API}/media/{upload['id']}", timeout=5).json()
        return media if media["state"] == "stored" else None
    media = wait_for(stored, timeout=60, what="the worker to process the presigned upload")
    assert media["sha256"] == hashlib.sha256(data).hexdigest()
    public = requests.get(f"{API}/media/{upload['id']}/content", timeout=30).content
    assert b"secret place" not in public and b"+53.2833" not in public
    poster = requests.get(f"{API}/media/{upload['id']}/thumbnail", timeout=10)
    assert Image.open(io.BytesIO(poster.content)).size == (320, 180)
