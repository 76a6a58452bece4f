"""Checking and re-encoding files on local disk: Pillow for photos, Debian's ffmpeg/ffprobe for videos.

Every public copy is made from decoded pixels (or remuxed streams) into a fresh container, so no EXIF,
GPS, XMP, ICC or maker notes can survive; orientation is applied to the pixels first.
"""
from __future__ import annotations

import json
import subprocess
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from .domain.media import (PUBLIC_MAX_SIDE, THUMBNAIL_MAX_SIDE, Limits, Rejection, check_image_structure,
                           check_pixels, check_video, fit_within, truncated)

PILLOW_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
CONTAINERS = {"video/mp4": ("mp4", "mp4"), "video/quicktime": ("mp4", "mp4"), "video/webm": ("webm", "webm")}
FFMPEG_TIMEOUT = 600


@dataclass
class Rendition:
    """What processing leaves in the work folder: the public copy, its thumbnail, maybe a poster."""
    width: int
    height: int
    public_path: Path
    public_type: str
    thumbnail_path: Path
    duration_seconds: float | None = None
    poster_path: Path | None = None


def process_photo(path: Path, mime: str, limits: Limits, workdir: Path) -> Rendition:
    data = path.read_bytes()  # photos are bounded by the photo size limit
    check_image_structure(mime, data)
    if zipfile.is_zipfile(path):
        raise Rejection(415, "polyglot: the file is also a ZIP archive", mime)
    del data
    return render_image(path, mime, limits.pixels, workdir, "public")


def render_image(path: Path, mime: str | None, max_pixels: int, workdir: Path, stem: str) -> Rendition:
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                detected = PILLOW_FORMATS.get(image.format or "")
                if mime and detected != mime:
                    raise Rejection(415, f"content is {image.format}, not {mime}", mime)
                check_pixels(*image.size, max_pixels)
                width, height = image.size
                if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # orientation turns it a quarter
                    width, height = height, width
                if image.format == "JPEG":
                    image.draft("RGB", fit_within(*image.size, PUBLIC_MAX_SIDE))  # decode at a reduced scale
                image.load()
                oriented = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Rejection(422, f"decompression bomb: {exc}", mime)
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
    return Rendition(width=width, height=height, public_path=public_path,
                     public_type="image/png" if has_alpha else "image/jpeg", thumbnail_path=thumbnail_path)


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


def probe_video(path: Path) -> dict:
    result = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
                             str(path)], capture_output=True, timeout=120)
    if result.returncode != 0:
        raise truncated("video", result.stderr.decode(errors="replace").strip()[-200:])
    return json.loads(result.stdout or b"{}")


def process_video(path: Path, mime: str, limits: Limits, workdir: Path) -> Rendition:
    facts = check_video(mime, probe_video(path), limits.video_seconds)
    extension, container = CONTAINERS[mime]
    public_path = workdir / f"public.{extension}"
    _ffmpeg(["-i", str(path), "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy",
             "-map_metadata", "-1", "-map_metadata:s:v", "-1", "-map_metadata:s:a", "-1", "-map_chapters", "-1",
             "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
             *(["-movflags", "+faststart"] if container == "mp4" else []), "-f", container, str(public_path)],
            mime)
    frame = workdir / "frame.png"
    at = min(1.0, facts["duration_seconds"] / 2)
    _ffmpeg(["-ss", f"{at:.3f}", "-i", str(path), "-frames:v", "1", "-map_metadata", "-1", str(frame)], mime)
    poster = render_image(frame, "image/png", 1 << 31, workdir, "poster")
    return Rendition(width=facts["width"], height=facts["height"], public_path=public_path,
                     public_type="video/webm" if container == "webm" else "video/mp4",
                     thumbnail_path=poster.thumbnail_path, duration_seconds=facts["duration_seconds"],
                     poster_path=poster.public_path)


def _ffmpeg(args: list[str], mime: str) -> None:
    result = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-xerror", "-y", *args],
                            capture_output=True, timeout=FFMPEG_TIMEOUT)
    if result.returncode != 0:
        raise truncated(mime, result.stderr.decode(errors="replace").strip()[-200:])
