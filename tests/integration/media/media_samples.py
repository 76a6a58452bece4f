"""Files for media tests, all generated here (Pillow, ffmpeg) — nothing is downloaded."""
from __future__ import annotations

import io
import subprocess
import tempfile
import zipfile
import zlib
from pathlib import Path

from PIL import Image

GPS_LATITUDE = (53.0, 17.0, 1.0)
CAMERA = ("Samsung", "SM-G991B")


def jpeg_with_gps(size=(1200, 800), orientation: int = 6) -> bytes:
    """A phone photo: camera make/model, GPS position, orientation, XMP and a comment."""
    image = Image.new("RGB", size, (40, 120, 200))
    for x in range(0, size[0], 40):  # some structure so it is not a flat colour
        image.paste((250, 200, 20), (x, 0, x + 10, size[1]))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = CAMERA
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", GPS_LATITUDE, "E", (69.0, 23.0, 2.0)
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><exif:GPSLatitude>53,17N</exif:GPSLatitude></rdf:RDF></x:xmpmeta>'
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90, xmp=xmp, comment=b"shot at Kokshetau")
    return out.getvalue()


def heic_with_gps(size=(800, 600)) -> bytes:
    """An iPhone-style HEIC photo with camera and GPS EXIF (encoded by pillow-heif's bundled libheif)."""
    import pillow_heif
    pillow_heif.register_heif_opener()
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Apple", "iPhone 15"
    exif.get_ifd(0x8825).update({1: "N", 2: GPS_LATITUDE, 3: "E", 4: (69.0, 23.0, 2.0)})
    out = io.BytesIO()
    Image.new("RGB", size, (90, 140, 30)).save(out, "HEIF", exif=exif, quality=60)
    return out.getvalue()


def png(size=(400, 300), alpha: bool = False) -> bytes:
    image = Image.new("RGBA" if alpha else "RGB", size, (10, 200, 90, 128) if alpha else (10, 200, 90))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def webp(size=(300, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(out, "WEBP")
    return out.getvalue()


def html() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def svg() -> bytes:
    return b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'


def truncated_jpeg() -> bytes:
    data = jpeg_with_gps()
    return data[: len(data) * 2 // 3]


def zip_jpeg_polyglot() -> bytes:
    """A valid JPEG with a ZIP archive glued to its end: opens as a photo and as an archive."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.html", html())
    return jpeg_with_gps() + archive.getvalue()


def decompression_bomb(side: int = 15000) -> bytes:
    """A real, valid grey PNG of side x side pixels (225 MP) that compresses to a few hundred KB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    header = side.to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])  # 8-bit greyscale
    compressor, row, parts = zlib.compressobj(9), b"\x00" * (side + 1), []
    for _ in range(side):
        parts.append(compressor.compress(row))
    parts.append(compressor.flush())
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


def video(seconds: float = 2, size: str = "320x240", container: str = "mp4", lossless: bool = False) -> bytes:
    """A short test-pattern video with a GPS location and a title in its metadata (lossless: ~2 MB a second
    at 1280x720, for moderately large uploads)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"v.{container}"
        codec = ["-c:v", "libvpx", "-b:v", "200k", "-c:a", "libopus"] if container == "webm" else \
            ["-c:v", "libx264", "-preset", "ultrafast", *(["-qp", "0"] if lossless else []), "-c:a", "aac"]
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", f"{'testsrc2' if lossless else 'testsrc'}=size={size}:rate=25",
                        "-f", "lavfi", "-i", "sine=frequency=440", "-t", str(seconds), *codec,
                        "-metadata", "location=+53.2833+069.3833/", "-metadata", "title=secret place",
                        "-metadata:s:v:0", "title=camera 2", "-movflags", "+use_metadata_tags", str(path)],
                       check=True, timeout=120)
        return path.read_bytes()


def exif_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif())
