"""States of a media object, limits, why a file is rejected, the sizes of public copies, who sees the original."""
from __future__ import annotations

import enum
from dataclasses import dataclass

from .structure import Truncated, image_end

PUBLIC_MAX_SIDE = 2048
THUMBNAIL_MAX_SIDE = 320


class State(str, enum.Enum):
    UPLOADING = "uploading"      # a row exists, its bytes are arriving (or a presigned URL is out)
    QUARANTINED = "quarantined"  # all bytes are in; being checked; nothing served
    STORED = "stored"            # checked; public copy and thumbnail exist
    REJECTED = "rejected"        # refused with a reason; its objects are deleted


TRANSITIONS = {
    State.UPLOADING: {State.QUARANTINED, State.REJECTED},
    State.QUARANTINED: {State.STORED, State.REJECTED, State.UPLOADING},  # back to uploading: a failed attempt is retried
    State.STORED: set(),
    State.REJECTED: set(),
}


def can_move(current: State, target: State) -> bool:
    return target in TRANSITIONS[current]


@dataclass(frozen=True)
class Limits:
    photo_bytes: int
    video_bytes: int
    pixels: int
    video_seconds: float

    def bytes_for(self, kind: str) -> int:
        return self.photo_bytes if kind == "photo" else self.video_bytes

    @property
    def largest(self) -> int:
        return max(self.photo_bytes, self.video_bytes)


_CODES = (("unsupported type", "bad_type"), ("content is", "bad_type"), ("announced", "bad_type"),
          ("no video stream", "bad_type"), ("unsupported codec", "codec"), ("polyglot", "polyglot"),
          ("decompression bomb", "decompression_bomb"), ("truncated", "truncated"), ("empty", "empty"),
          ("nothing was uploaded", "empty"), ("video longer", "too_long"), ("upload expired", "expired"),
          ("the file could not", "failed"))


class Rejection(Exception):
    """Why a file is refused; `status` is the HTTP answer a direct upload gets."""

    def __init__(self, status: int, reason: str, detected_type: str | None = None):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.detected_type = detected_type

    @property
    def code(self) -> str:
        """A short, fixed name of the reason (for metrics)."""
        if self.status == 413:
            return "too_large"
        return next((code for prefix, code in _CODES if self.reason.startswith(prefix)), "other")


def unsupported(detected_type: str) -> Rejection:
    return Rejection(415, f"unsupported type: {detected_type}", detected_type)


def too_large(kind: str, limit: int) -> Rejection:
    return Rejection(413, f"{kind} larger than {limit} bytes")


def empty() -> Rejection:
    return Rejection(422, "empty file")


def truncated(detected_type: str, why: str = "") -> Rejection:
    return Rejection(422, f"truncated or corrupt {detected_type}" + (f": {why}" if why else ""), detected_type)


def check_image_structure(mime: str, data: bytes) -> None:
    """Truncated files and polyglots are refused; further JPEGs after the first (phones' MPF previews) are not."""
    try:
        end = image_end(mime, data)
        while end < len(data):
            rest = data[end:]
            if not rest.strip(b"\x00"):
                return  # zero padding
            if mime == "image/jpeg" and rest.startswith(b"\xff\xd8\xff"):
                end += image_end(mime, rest)
                continue
            raise Rejection(415, f"polyglot: {len(rest)} bytes of other data after the {mime} image", mime)
    except Truncated as exc:
        raise truncated(mime, str(exc))


def check_pixels(width: int, height: int, limit: int) -> None:
    if width <= 0 or height <= 0:
        raise truncated("image", "no dimensions")
    if width * height > limit:
        raise Rejection(422, f"decompression bomb: {width}x{height} exceeds {limit} pixels", None)


ALLOWED_VIDEO_CODECS = {"h264", "hevc", "vp8", "vp9", "av1", "mpeg4"}
ALLOWED_AUDIO_CODECS = {"aac", "mp3", "opus", "vorbis"}


def check_video(detected_type: str, probe: dict, max_seconds: float) -> dict:
    """Facts from ffprobe's JSON judged against the rules; returns width, height, duration_seconds."""
    streams = probe.get("streams") or []
    video = [s for s in streams if s.get("codec_type") == "video" and not _is_cover_art(s)]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if not video:
        raise Rejection(415, "no video stream", detected_type)
    codecs = {s.get("codec_name") for s in video} - ALLOWED_VIDEO_CODECS
    codecs |= {s.get("codec_name") for s in audio} - ALLOWED_AUDIO_CODECS
    if codecs:
        raise Rejection(415, f"unsupported codec: {', '.join(sorted(map(str, codecs)))}", detected_type)
    try:
        duration = float(probe.get("format", {}).get("duration") or video[0].get("duration") or 0)
    except ValueError:
        duration = 0.0
    if duration <= 0:
        raise truncated(detected_type, "no duration")
    if duration > max_seconds:
        raise Rejection(422, f"video longer than {max_seconds:g} seconds", detected_type)
    return {"width": int(video[0].get("width") or 0), "height": int(video[0].get("height") or 0),
            "duration_seconds": round(duration, 3)}


def _is_cover_art(stream: dict) -> bool:
    return bool((stream.get("disposition") or {}).get("attached_pic"))


def fit_within(width: int, height: int, max_side: int) -> tuple[int, int]:
    """Scale down (never up) so the longest side is at most `max_side`, keeping the aspect ratio."""
    longest = max(width, height)
    if longest <= max_side:
        return width, height
    scale = max_side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def can_read_original(role: str | None, institution_id: str | None, attached_institutions: set[str]) -> bool:
    """Originals are evidence: the authorised body's operators, and staff of an institution an appeal
    with this media is about."""
    if role == "operator":
        return True
    return role == "staff" and institution_id is not None and institution_id in attached_institutions
