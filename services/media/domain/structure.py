"""Where an image's own data ends. Bytes after it mean a polyglot (say, a ZIP glued to a JPEG); no end means
a truncated file. Walks the container structure only; decoding pixels is Pillow's job."""
from __future__ import annotations

import re

# 0xFF followed by a marker code: not a stuffed zero, a restart marker (RSTn) or another fill byte.
_REAL_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


class Truncated(ValueError):
    """The file stops before its format says it ends."""


def image_end(mime: str, data: bytes) -> int:
    """Offset just past the image's last byte, by its own structure."""
    if mime == "image/jpeg":
        return _jpeg_end(data)
    if mime == "image/png":
        return _png_end(data)
    if mime == "image/webp":
        return _riff_end(data)
    if mime == "image/heic":
        return _bmff_end(data)
    raise ValueError(f"no structure walker for {mime}")


def _jpeg_end(data: bytes) -> int:
    pos, size = 2, len(data)  # after SOI
    while True:
        pos = _next_marker(data, pos)
        marker = data[pos + 1]
        pos += 2
        if marker == 0xD9:  # EOI
            return pos
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # RSTn / TEM carry no length
            continue
        if pos + 2 > size:
            raise Truncated("JPEG segment header cut off")
        length = int.from_bytes(data[pos:pos + 2], "big")
        if length < 2 or pos + length > size:
            raise Truncated("JPEG segment cut off")
        pos += length
        if marker == 0xDA:  # SOS: entropy-coded data follows, up to the next real marker
            pos = _skip_entropy(data, pos)


def _next_marker(data: bytes, pos: int) -> int:
    if pos >= len(data) or data[pos] != 0xFF:
        raise Truncated("JPEG marker expected")
    while pos + 1 < len(data) and data[pos + 1] == 0xFF:  # fill bytes
        pos += 1
    if pos + 1 >= len(data):
        raise Truncated("JPEG ends inside a marker")
    return pos


def _skip_entropy(data: bytes, pos: int) -> int:
    """Offset of the marker that ends entropy-coded data (one regex scan: megabytes of it per photo)."""
    found = _REAL_MARKER.search(data, pos)
    if found is None:
        raise Truncated("JPEG has no end-of-image marker")
    return found.start()


def _png_end(data: bytes) -> int:
    pos, size = 8, len(data)
    while True:
        if pos + 8 > size:
            raise Truncated("PNG chunk header cut off")
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        pos += 12 + length  # length, type, data, CRC
        if pos > size:
            raise Truncated("PNG chunk cut off")
        if kind == b"IEND":
            return pos


def _riff_end(data: bytes) -> int:
    if len(data) < 12:
        raise Truncated("RIFF header cut off")
    end = 8 + int.from_bytes(data[4:8], "little")
    end += end % 2  # RIFF pads to even length
    if end > len(data):
        raise Truncated("RIFF data cut off")
    return end


def _bmff_end(data: bytes) -> int:
    """ISO-BMFF (HEIC): top-level boxes of size + four-letter type, one after the other, to the end."""
    pos, size = 0, len(data)
    while pos < size:
        if size - pos < 8 or not data[pos + 4:pos + 8].isalnum() and data[pos + 4:pos + 8] != b"free":
            return pos  # not a box: whatever follows is other data
        length = int.from_bytes(data[pos:pos + 4], "big")
        if length == 1:
            if size - pos < 16:
                raise Truncated("box header cut off")
            length = int.from_bytes(data[pos + 8:pos + 16], "big")
        elif length == 0:
            return size  # the last box runs to the end of the file
        if length < 8:
            return pos
        if pos + length > size:
            raise Truncated("box cut off")
        pos += length
    return pos
