"""Videos served so that nothing in the response tells one system from another.

A rater's browser sees, for every video of a campaign, the same URL shape (an opaque random key per
assignment and side, `store.new_key`), the same headers (type, a fixed cache policy, no Last-Modified,
no ETag) and the same length: each MP4 is followed by an ISO-BMFF `free` box (which players skip by the
standard) that pads it to the campaign's longest file plus a box header. Byte ranges are served, as
players ask for them, over the padded length.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

FREE_BOX_HEADER = 8  # 32-bit size + b"free"
CHUNK = 1 << 20
NO_STORE = {"Cache-Control": "private, no-store"}  # every response a rater or an owner gets
HEADERS = NO_STORE | {"Accept-Ranges": "bytes", "X-Content-Type-Options": "nosniff"}
MEDIA_TYPE = "video/mp4"


def is_mp4(path: str | Path) -> bool:
    """An ISO-BMFF file (MP4, MOV): its first box is `ftyp`."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    return len(head) == 8 and head[4:8] == b"ftyp"


def padded_length(largest_file: int) -> int:
    """What every video of a campaign is served as: the largest file plus one free box's header."""
    return largest_file + FREE_BOX_HEADER


def free_box(size: int) -> bytes:
    """The header of a `free` box of `size` bytes (header included); its body is zeros."""
    return size.to_bytes(4, "big") + b"free"


def padded_bytes(path: Path, total: int, start: int, end: int) -> Iterator[bytes]:
    """Bytes start..end (inclusive) of the file followed by a free box filling it up to `total`."""
    size = path.stat().st_size
    tail = free_box(total - size)
    position = start
    with open(path, "rb") as handle:
        handle.seek(min(position, size))
        while position <= end and position < size:
            chunk = handle.read(min(CHUNK, size - position, end - position + 1))
            if not chunk:
                break
            position += len(chunk)
            yield chunk
    while position <= end:  # the free box: its header, then zeros
        offset = position - size
        if offset < FREE_BOX_HEADER:
            piece = tail[offset : min(FREE_BOX_HEADER, end - size + 1)]
        else:
            piece = bytes(min(CHUNK, end - position + 1))
        position += len(piece)
        yield piece


def byte_range(header: str | None, total: int) -> tuple[int, int] | None:
    """(start, end) inclusive for a `Range: bytes=a-b` header; None for the whole file. Raises
    ValueError for a range that cannot be served (the caller answers 416)."""
    if not header:
        return None
    found = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", header)
    if not found or found.group(1) == found.group(2) == "":
        raise ValueError(header)
    first, last = found.groups()
    if first == "":  # the last N bytes
        start, end = max(total - int(last), 0), total - 1
    else:
        start, end = int(first), min(int(last), total - 1) if last else total - 1
    if start > end or start >= total:
        raise ValueError(header)
    return start, end
