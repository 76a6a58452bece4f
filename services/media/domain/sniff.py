"""What a file is, from its first bytes only — never from its name or the Content-Type a client claims."""
from __future__ import annotations

from dataclasses import dataclass

HEAD_BYTES = 4096  # enough for every signature below (ISO-BMFF brands, text prologues)

PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic")
VIDEO_TYPES = ("video/mp4", "video/quicktime", "video/webm")

_MP4_BRANDS = (b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash", b"M4V ", b"MSNV",
               b"3gp4", b"3gp5", b"3g2a", b"mmp4")
_HEIC_BRANDS = (b"heic", b"heix", b"hevc", b"hevx")  # HEVC-coded HEIF: what phones write
_HEIF_BRANDS = (b"mif1", b"msf1", b"avif", b"avis")


@dataclass(frozen=True)
class Detected:
    mime: str
    kind: str | None  # "photo", "video", or None when not accepted

    @property
    def accepted(self) -> bool:
        return self.kind is not None


def detect(head: bytes) -> Detected:
    """The type of a file whose first bytes are `head`."""
    mime = _mime(head)
    if mime in PHOTO_TYPES:
        return Detected(mime, "photo")
    if mime in VIDEO_TYPES:
        return Detected(mime, "video")
    return Detected(mime, None)


def _mime(head: bytes) -> str:
    if not head:
        return "application/x-empty"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"BM"):
        return "image/bmp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head[4:8] == b"ftyp":
        return _iso_bmff(head)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    if head.startswith(b"%PDF"):
        return "application/pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "application/zip"
    if head.startswith(b"MZ"):
        return "application/x-msdownload"
    if head.startswith(b"\x7fELF"):
        return "application/x-executable"
    if head.startswith((b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")):
        return "application/x-archive"
    return _text(head)


def _iso_bmff(head: bytes) -> str:
    brands = [head[8:12]] + [head[i:i + 4] for i in range(16, min(len(head), int.from_bytes(head[:4], "big")), 4)]
    if brands[0] == b"qt  ":
        return "video/quicktime"
    if brands[0] in _HEIC_BRANDS or (brands[0] in (b"mif1", b"msf1") and any(b in _HEIC_BRANDS for b in brands)):
        return "image/heic"
    if brands[0] in _HEIF_BRANDS:
        return "image/avif" if any(b in (b"avif", b"avis") for b in brands) else "image/heif"
    if any(b in _MP4_BRANDS for b in brands) or brands[0].startswith(b"3g"):
        return "video/mp4"
    return "application/octet-stream"


def _text(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"#!"):
        return "text/x-shellscript"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe")):
        return "text/html"
    if b"<svg" in text[:1024]:
        return "image/svg+xml"
    if text.startswith(b"<?xml"):
        return "application/xml"
    if text.startswith(b"<"):
        return "text/html"
    try:
        head.decode("utf-8")
        return "text/plain"
    except UnicodeDecodeError:
        return "application/octet-stream"
