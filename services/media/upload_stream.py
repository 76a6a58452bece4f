"""Reading a multipart upload as it arrives: the bytes of the `file` part, chunk by chunk, never all at once."""
from __future__ import annotations

import hashlib
from typing import BinaryIO, Iterator

from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from services.common.errors import Problem

READ_SIZE = 1024 * 1024
FIELD = "file"


class TooLarge(Exception):
    """More bytes arrived than the limit allows."""


def file_part(stream: BinaryIO, content_type: str) -> Iterator[bytes]:
    """The data of the multipart part named `file`; 422 when there is none or other fields come first."""
    mimetype, options = parse_options_header(content_type or "")
    if mimetype != "multipart/form-data" or not options.get("boundary"):
        raise Problem(415, "expected multipart/form-data with the file in the field 'file'")
    decoder = MultipartDecoder(options["boundary"].encode())  # the buffer holds at most one read
    in_file = False
    while True:
        try:
            event = decoder.next_event()
        except ValueError as exc:
            raise Problem(422, errors={FIELD: [f"Malformed multipart body: {exc}"]})
        if isinstance(event, NeedData):
            data = stream.read(READ_SIZE)
            decoder.receive_data(data or None)
        elif isinstance(event, (File, Field)):
            if event.name != FIELD:
                raise Problem(422, errors={event.name: ["Unknown field."]})
            in_file = True
        elif isinstance(event, Data) and in_file:
            if event.data:
                yield event.data
            if not event.more_data:
                _drain(stream)
                return
        elif isinstance(event, Epilogue):
            raise Problem(422, errors={FIELD: ["Missing data for required field."]})


def _drain(stream: BinaryIO, limit: int = 1024 * 1024) -> None:
    """Read what little follows the file (the closing boundary) so the connection stays usable."""
    while limit > 0:
        data = stream.read(min(READ_SIZE, limit))
        if not data:
            return
        limit -= len(data)


def read_head(chunks: Iterator[bytes], size: int) -> tuple[bytes, Iterator[bytes]]:
    """At least `size` first bytes (fewer if the file is shorter), and an iterator over the rest."""
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= size:
            break
    return head, chunks


class TeeReader:
    """A file-like view of the upload for the MinIO client: counts, hashes and keeps a local copy of what
    passes, and stops with TooLarge the moment the limit is crossed."""

    def __init__(self, head: bytes, rest: Iterator[bytes], copy: BinaryIO, limit: int):
        self._pending = head
        self._rest = rest
        self._copy = copy
        self._limit = limit
        self.size = 0
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        while not self._pending:
            chunk = next(self._rest, None)
            if chunk is None:
                return b""
            self._pending = chunk
        if size is None or size < 0 or size >= len(self._pending):
            data, self._pending = self._pending, b""
        else:
            data, self._pending = self._pending[:size], self._pending[size:]
        self.size += len(data)
        if self.size > self._limit:
            raise TooLarge(self.size)
        self.sha256.update(data)
        self._copy.write(data)
        return data
