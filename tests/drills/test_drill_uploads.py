"""Hostile uploads through nginx, as an anonymous citizen: a corpus generated here (nothing downloaded).
Each file is either refused with a clear JSON problem (the media rules: 415 for what is not a photo or
video, 422 for empty, truncated, corrupt or bomb-sized), or stored and sanitised: the public copy keeps
no metadata (EXIF anywhere, XMP, comments, video tags) and no trailing payload, and no part of the
client's file name reaches an answer or a storage key."""
from __future__ import annotations

import io
import struct
import time
import zipfile

import pytest
import requests
from PIL import Image, PngImagePlugin
from sqlalchemy import create_engine, text

from services.common.settings import get
from tests.drills.drill_report import record
from tests.integration.media.media_samples import (decompression_bomb, html, jpeg_with_gps, svg, truncated_jpeg,
                                                   video, zip_jpeg_polyglot)
from tests.support.load import MEDIA, citizen_session, random_loopback
from tests.support.polling import wait_for

SECRETS = [b"53,17N", b"SM-G991B", b"Samsung", b"Kokshetau", b"thumb-secret", b"secret place", b"+53.2833",
           b"camera 2", b"xmpmeta", b"Exif\x00\x00", b"PK\x03\x04", b"<script", b"drill-gps-text"]
CASES: list[dict] = []


def plain_jpeg(size=(640, 480), color=(90, 140, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=85)
    return out.getvalue()


def tiff_ifd(entries: list[tuple[int, int, int, bytes]], data_at: int, next_ifd: int) -> tuple[bytes, bytes]:
    """One little-endian TIFF IFD: (tag, type, count, value bytes); values over 4 bytes go to `data_at`."""
    head, tail = struct.pack("<H", len(entries)), b""
    for tag, kind, count, value in entries:
        if len(value) <= 4:
            head += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\0")
        else:
            head += struct.pack("<HHII", tag, kind, count, data_at + len(tail))
            tail += value
    return head + struct.pack("<I", next_ifd), tail


def jpeg_with_gps_in_thumbnail_ifd() -> bytes:
    """EXIF whose IFD1 (the thumbnail's directory) holds the GPS position and a thumbnail that has its own."""
    thumb_exif = Image.Exif()
    thumb_exif.get_ifd(0x8825)[2] = (53.0, 17.0, 1.0)
    thumb = io.BytesIO()
    Image.new("RGB", (80, 60), (1, 2, 3)).save(thumb, "JPEG", exif=thumb_exif, comment=b"thumb-secret")
    thumb = thumb.getvalue()
    make = b"Samsung\0"
    ifd0_at = 8
    ifd0_size = 2 + 1 * 12 + 4
    ifd1_at = ifd0_at + ifd0_size + len(make)
    ifd1_size = 2 + 3 * 12 + 4
    gps_at = ifd1_at + ifd1_size
    gps_size = 2 + 2 * 12 + 4
    latitude = struct.pack("<6I", 53, 1, 17, 1, 1, 1)
    thumb_at = gps_at + gps_size + len(latitude)
    ifd0, ifd0_data = tiff_ifd([(0x010F, 2, len(make), make)], ifd0_at + ifd0_size, ifd1_at)
    ifd1, _ = tiff_ifd([(0x0201, 4, 1, struct.pack("<I", thumb_at)), (0x0202, 4, 1, struct.pack("<I", len(thumb))),
                        (0x8825, 4, 1, struct.pack("<I", gps_at))], 0, 0)
    gps, gps_data = tiff_ifd([(0x0001, 2, 2, b"N\0"), (0x0002, 5, 3, latitude)], gps_at + gps_size, 0)
    tiff = b"II*\0" + struct.pack("<I", ifd0_at) + ifd0 + ifd0_data + ifd1 + gps + gps_data + thumb
    app1 = b"Exif\0\0" + tiff
    main = plain_jpeg()
    return main[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + main[2:]


def png_with_gps_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("GPSPosition", "drill-gps-text 53.28 69.38")
    info.add_itxt("XML:com.adobe.xmp", '<x:xmpmeta xmlns:x="adobe:ns:meta/">53,17N</x:xmpmeta>')
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (9, 9, 200)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def png_zip_polyglot() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (200, 100), (9, 200, 9)).save(out, "PNG")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("evil.html", "<script>alert(1)</script>")
    return out.getvalue() + archive.getvalue()


def html_gif_polyglot() -> bytes:
    """GIF magic that is also an HTML page with a script."""
    return b"GIF89a<html><body><script>alert(document.domain)</script></body></html>"


def huge_dimensions_jpeg() -> bytes:
    """A small JPEG whose frame header claims 65000 x 65000 pixels."""
    data = bytearray(plain_jpeg((16, 16)))
    sof = data.find(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", 65000, 65000)
    return bytes(data)


def pdf_named_jpg() -> bytes:
    return b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\ntrailer<<>>\n%%EOF"


# name, bytes factory, file name, "refused" statuses or "stored"
CORPUS = [
    ("html named .jpg", html, "photo.jpg", {415}),
    ("html named .html", html, "page.html", {415}),
    ("svg with script", svg, "photo.svg", {415}),
    ("pdf with javascript named .jpg", pdf_named_jpg, "scan.jpg", {415}),
    ("gif/html polyglot", html_gif_polyglot, "anim.gif", {415, 422}),
    ("jpeg/zip polyglot", zip_jpeg_polyglot, "photo.jpg", {415}),
    ("png/zip polyglot", png_zip_polyglot, "photo.png", {415, "stored"}),
    ("decompression bomb png", decompression_bomb, "bomb.png", {413, 422}),
    ("huge dimensions in jpeg header", huge_dimensions_jpeg, "wide.jpg", {413, 422}),
    ("truncated jpeg", truncated_jpeg, "cut.jpg", {422}),
    ("zero bytes", lambda: b"", "empty.jpg", {422}),
    ("png named .jpg", lambda: png_with_gps_text(), "photo.jpg", {"stored"}),
    ("exif gps in ifd0 and xmp", jpeg_with_gps, "phone.jpg", {"stored"}),
    ("exif gps in thumbnail ifd", jpeg_with_gps_in_thumbnail_ifd, "thumb.jpg", {"stored"}),
    ("video with metadata tags", lambda: video(seconds=1), "clip.mp4", {"stored"}),
    ("name with path traversal", plain_jpeg, "../../../../etc/passwd.jpg", {"stored"}),
    ("name with backslash traversal", plain_jpeg, "..\\..\\windows\\win.ini.jpg", {"stored"}),
    ("name with CR LF header injection", plain_jpeg, "a\r\nX-Injected: yes.jpg", {"stored"}),
    ("name with NUL and control chars", plain_jpeg, "a\x00b\x1b[31m.jpg", {"stored"}),
    ("name with html", plain_jpeg, "<script>alert(1)</script>.jpg", {"stored"}),
    ("name of 1000 characters", plain_jpeg, "x" * 996 + ".jpg", {"stored"}),
]


def upload(data: bytes, filename: str) -> requests.Response:
    session = citizen_session(random_loopback())
    try:
        return session.post(f"{MEDIA}/uploads", files={"file": (filename, data, "application/octet-stream")},
                            timeout=120)
    finally:
        session.close()


def public_copy(media_id: str) -> bytes:
    wait_for(lambda: requests.get(f"{MEDIA}/media/{media_id}", timeout=10).json()["state"] == "stored",
             timeout=90, what=f"{media_id} to be stored")
    redirect = requests.get(f"{MEDIA}/media/{media_id}/content", allow_redirects=False, timeout=10)
    assert redirect.status_code == 302, redirect.text
    return requests.get(redirect.headers["Location"], timeout=30).content


def storage_keys(media_id: str) -> list[str]:
    engine = create_engine(get("ASHYQ_MEDIA_DATABASE_URL"))
    try:
        with engine.connect() as conn:
            row = conn.execute(text("select original_key, public_key, thumbnail_key, poster_key from media "
                                    "where id = :id"), {"id": media_id}).one()
    finally:
        engine.dispose()
    return [k for k in row if k]


@pytest.mark.parametrize("name, factory, filename, allowed", CORPUS, ids=[c[0] for c in CORPUS])
def test_a_hostile_upload_is_refused_or_sanitised(name, factory, filename, allowed):
    data = factory()
    started = time.monotonic()
    response = upload(data, filename)
    seconds = time.monotonic() - started
    case = {"case": name, "status": response.status_code, "seconds": round(seconds, 2)}
    CASES.append(case)
    record("hostile uploads", {"cases": len(CASES), "results": CASES})
    assert response.status_code < 500, response.text
    assert "json" in response.headers.get("Content-Type", ""), response.text[:200]
    body = response.json()
    stem = filename.rsplit(".", 1)[0]
    for fragment in (stem[:40], "passwd", "win.ini", "X-Injected", "<script>"):
        if fragment and fragment not in ("photo", "page", "scan", "anim", "bomb", "wide", "cut", "empty", "phone",
                                         "thumb", "clip"):
            assert fragment not in response.text, f"the file name came back: {response.text[:300]}"
    if response.status_code == 201:
        assert "stored" in allowed, f"{name} was accepted: {body}"
        copy = public_copy(body["id"])
        leaked = [s.decode(errors="replace") for s in SECRETS if s in copy]
        case["stored_as"] = body.get("public_type") or body.get("content_type")
        case["leaked"] = leaked
        record("hostile uploads", {"cases": len(CASES), "results": CASES})
        assert not leaked, f"{name}: the public copy still holds {leaked}"
        for key in storage_keys(body["id"]):
            assert ".." not in key and "\\" not in key and "passwd" not in key and not any(ord(c) < 32 for c in key)
    else:
        assert response.status_code in allowed, f"{name}: {response.status_code} {body}"
        assert body.get("title") or body.get("detail") or body.get("reason")
        assert seconds < 30, f"{name} took {seconds:.1f}s to refuse"
