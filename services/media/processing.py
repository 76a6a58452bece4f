"""Checking and re-encoding files on local disk: Pillow for photos, Debian's ffmpeg/ffprobe for videos.

Checks are cheap and answer the uploader at once (structure, polyglots, pixel count from the header,
ffprobe). Rendering is the expensive part and runs in the worker: every public copy is made from decoded
pixels (or remuxed streams) into a fresh container, so no EXIF, GPS, XMP, ICC or maker notes survive;
orientation is applied to the pixels first.
"""
from __future__ import annotations

import json
import subprocess
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from .domain.media import (PUBLIC_MAX_SIDE, THUMBNAIL_MAX_SIDE, Limits, Rejection, check_image_structure,
                           check_pixels, check_video, fit_within, truncated)

pillow_heif.register_heif_opener()  # phones' HEIC photos open like any other image

PILLOW_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "HEIF": "image/heic"}
CONTAINERS = {"video/mp4": ("mp4", "mp4"), "video/quicktime": ("mp4", "mp4"), "video/webm": ("webm", "webm")}
FFMPEG_TIMEOUT = 600
DRAFT_SIDE = 1536  # JPEGs decode at 1/2, 1/4 or 1/8 scale while the longest side stays at least this


@dataclass
class Facts:
    width: int
    height: int
    duration_seconds: float | None = None


@dataclass
class Rendition:
    """What rendering leaves in the work folder: the public copy, its thumbnail, maybe a poster."""
    public_path: Path
    public_type: str
    thumbnail_path: Path
    poster_path: Path | None = None


def check(path: Path, kind: str, mime: str, limits: Limits) -> Facts:
    return check_photo(path, mime, limits) if kind == "photo" else check_video_file(path, mime, limits)


def render(path: Path, kind: str, mime: str, limits: Limits, workdir: Path) -> Rendition:
    return render_photo(path, mime, limits, workdir, "public") if kind == "photo" else \
        render_video(path, mime, limits, workdir)


# ----------------------------------------------------------------------------- photos

def check_photo(path: Path, mime: str, limits: Limits) -> Facts:
    """Structure (truncation, polyglots), a ZIP hidden inside, and the pixel count from the header only."""
    check_image_structure(mime, path.read_bytes())  # photos are bounded by the photo size limit
    if zipfile.is_zipfile(path):
        raise Rejection(415, "polyglot: the file is also a ZIP archive", mime)
    with _opened(path, mime, limits.pixels) as image:
        width, height = image.size
        if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # orientation turns it a quarter
            width, height = height, width
    return Facts(width, height)


def render_photo(path: Path, mime: str | None, limits: Limits, workdir: Path, stem: str) -> Rendition:
    try:
        with _opened(path, mime, limits.pixels) as image:
            if image.format == "JPEG":
                image.draft("RGB", fit_within(*image.size, DRAFT_SIDE))
            image.load()
            oriented = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise truncated(mime or "image", str(exc)[:200])
    has_alpha = oriented.mode in ("RGBA", "LA", "PA") or "transparency" in oriented.info
    public = _clean(oriented.convert("RGBA" if has_alpha else "RGB"), PUBLIC_MAX_SIDE)
    public_path = workdir / (f"{stem}.png" if has_alpha else f"{stem}.jpg")
    if has_alpha:
        public.save(public_path, "PNG")
    else:
        public.save(public_path, "JPEG", quality=85)
    thumbnail_path = workdir / f"{stem}-thumb.jpg"
    _flatten(_clean(public, THUMBNAIL_MAX_SIDE)).save(thumbnail_path, "JPEG", quality=80)
    return Rendition(public_path=public_path, public_type="image/png" if has_alpha else "image/jpeg",
                     thumbnail_path=thumbnail_path)


class _opened:
    """Image.open with the decompression-bomb guard as errors, and the content's format checked."""

    def __init__(self, path: Path, mime: str | None, max_pixels: int):
        self.path, self.mime, self.max_pixels = path, mime, max_pixels
        self.image = None

    def __enter__(self) -> Image.Image:
        Image.MAX_IMAGE_PIXELS = self.max_pixels
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                self.image = Image.open(self.path)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise Rejection(422, f"decompression bomb: {exc}", self.mime)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise truncated(self.mime or "image", str(exc)[:200])
        detected = PILLOW_FORMATS.get(self.image.format or "")
        if self.mime and detected != self.mime:
            self.image.close()
            raise Rejection(415, f"content is {self.image.format}, not {self.mime}", self.mime)
        check_pixels(*self.image.size, self.max_pixels)
        return self.image

    def __exit__(self, *exc) -> None:
        if self.image is not None:
            self.image.close()


def _clean(image: Image.Image, max_side: int) -> Image.Image:
    """A fresh image holding only pixels: nothing of the source's info (EXIF, XMP, ICC, comments) comes along."""
    size = fit_within(*image.size, max_side)
    resized = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0) if size != image.size else image
    fresh = Image.new(resized.mode, resized.size)
    fresh.paste(resized)
    return fresh


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    background = Image.new("RGB", image.size, (255, 255, 255))
    background.paste(image, mask=image.getchannel("A") if "A" in image.getbands() else None)
    return background


# ----------------------------------------------------------------------------- videos

def probe_video(path: Path) -> dict:
    result = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
                             str(path)], capture_output=True, timeout=120)
    if result.returncode != 0:
        raise truncated("video", result.stderr.decode(errors="replace").strip()[-200:])
    return json.loads(result.stdout or b"{}")


def check_video_file(path: Path, mime: str, limits: Limits) -> Facts:
    facts = check_video(mime, probe_video(path), limits.video_seconds)
    return Facts(facts["width"], facts["height"], facts["duration_seconds"])


def render_video(path: Path, mime: str, limits: Limits, workdir: Path) -> Rendition:
    facts = check_video_file(path, mime, limits)
    extension, container = CONTAINERS[mime]
    public_path = workdir / f"public.{extension}"
    _ffmpeg(["-i", str(path), "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy",
             "-map_metadata", "-1", "-map_metadata:s:v", "-1", "-map_metadata:s:a", "-1", "-map_chapters", "-1",
             "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
             *(["-movflags", "+faststart"] if container == "mp4" else []), "-f", container, str(public_path)],
            mime)
    frame = workdir / "frame.png"
    at = min(1.0, (facts.duration_seconds or 0) / 2)
    _ffmpeg(["-ss", f"{at:.3f}", "-i", str(path), "-frames:v", "1", "-map_metadata", "-1", str(frame)], mime)
    poster = render_photo(frame, "image/png", Limits(0, 0, 1 << 31, 0), workdir, "poster")
    return Rendition(public_path=public_path, public_type="video/webm" if container == "webm" else "video/mp4",
                     thumbnail_path=poster.thumbnail_path, poster_path=poster.public_path)


def _ffmpeg(args: list[str], mime: str) -> None:
    result = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-xerror", "-y", *args],
                            capture_output=True, timeout=FFMPEG_TIMEOUT)
    if result.returncode != 0:
        raise truncated(mime, result.stderr.decode(errors="replace").strip()[-200:])
