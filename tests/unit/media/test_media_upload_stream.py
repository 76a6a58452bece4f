"""Reading the `file` part of a multipart body chunk by chunk, and the limit enforced while it streams."""
import hashlib
import io

import pytest

from services.common.errors import Problem
from services.media.upload_stream import TeeReader, TooLarge, file_part, read_head

BOUNDARY = "----ashyq-test-boundary"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def body(*parts: tuple[str, bytes, str | None]) -> bytes:
    out = b""
    for name, data, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\nContent-Type: image/jpeg\r\n\r\n".encode()
        out += data + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


def test_the_file_part_arrives_in_pieces_and_whole():
    payload = bytes(range(256)) * 12000  # ~3 MB, several reads
    chunks = list(file_part(io.BytesIO(body(("file", payload, "photo.jpg"))), CONTENT_TYPE))
    assert len(chunks) > 1
    assert b"".join(chunks) == payload


def test_a_body_without_the_file_field_or_with_other_fields_is_refused():
    with pytest.raises(Problem) as missing:
        list(file_part(io.BytesIO(f"--{BOUNDARY}--\r\n".encode()), CONTENT_TYPE))
    assert missing.value.status == 422
    with pytest.raises(Problem) as unknown:
        list(file_part(io.BytesIO(body(("note", b"hi", None), ("file", b"x", "a.jpg"))), CONTENT_TYPE))
    assert unknown.value.status == 422 and "note" in unknown.value.errors
    with pytest.raises(Problem) as not_multipart:
        list(file_part(io.BytesIO(b"{}"), "application/json"))
    assert not_multipart.value.status == 415


def test_the_reader_hashes_keeps_a_copy_and_stops_at_the_limit():
    data = b"a" * 10_000 + b"b" * 10_000
    head, rest = read_head(iter([data[:3000], data[3000:12000], data[12000:]]), 4096)
    copy = io.BytesIO()
    reader = TeeReader(head, rest, copy, limit=len(data))
    read = b""
    while piece := reader.read(5000):
        read += piece
    assert read == data and copy.getvalue() == data
    assert reader.sha256.hexdigest() == hashlib.sha256(data).hexdigest()

    small = TeeReader(b"x" * 100, iter([b"y" * 100]), io.BytesIO(), limit=150)
    small.read(100)
    with pytest.raises(TooLarge):
        small.read(100)
