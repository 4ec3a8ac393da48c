"""A memo of the Tracker sheet as qap last saved it: each row's span in the part and its digest.

Finding 5,000 rows in a 4 MB part and hashing each costs more than any other step of reading
the workbook. While the part is exactly as qap saved it (the same stored bytes, told by one
digest of the compressed part, not of the 4 MB inflated) and is read with the same shared
strings, styles and columns (the same context), the memo gives the spans and digests that
finding and hashing would give.
"""

from __future__ import annotations

import hashlib
import struct
import zipfile
from array import array
from collections.abc import Mapping
from dataclasses import dataclass

DIGEST_SIZE = 16
# A zip local file header: signature, then fixed fields up to the name and extra lengths.
_LOCAL = b"PK\x03\x04"
_LOCAL_SIZE = 30


def stored_digest(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """A digest of one zip part as stored (how it is compressed and its compressed bytes), from
    the zip's bytes without inflating it; None when its local header cannot be found.

    Inflating is deterministic, so equal digests mean equal parts once inflated.
    """
    at = info.header_offset
    header = data[at : at + _LOCAL_SIZE]
    if len(header) < _LOCAL_SIZE or header[:4] != _LOCAL:
        return None
    # zipfile reads a part after its local header's own name and extra fields, as here.
    start = at + _LOCAL_SIZE + int.from_bytes(header[26:28], "little")
    start += int.from_bytes(header[28:30], "little")
    end = start + info.compress_size
    if end > len(data):
        return None
    digest = hashlib.blake2b(digest_size=DIGEST_SIZE)
    fields = (info.compress_type, info.flag_bits, info.CRC, info.file_size, info.compress_size)
    digest.update(repr(fields).encode())
    digest.update(memoryview(data)[start:end])
    return digest.digest()


@dataclass(frozen=True)
class SheetMemo:
    """The rows of a sheet part qap saved: spans and digests by row number, and what they hold for."""

    part: bytes
    context: bytes
    spans: Mapping[int, tuple[int, int]]
    digests: Mapping[int, bytes]

    def to_blobs(self) -> tuple[bytes, bytes, bytes, bytes, bytes, bytes]:
        """The memo as blobs to store: part, context, row numbers, starts, ends, digests."""
        numbers = sorted(self.spans)
        spans = [self.spans[number] for number in numbers]
        return (
            self.part,
            self.context,
            array("q", numbers).tobytes(),
            array("q", [start for start, _ in spans]).tobytes(),
            array("q", [end for _, end in spans]).tobytes(),
            b"".join(self.digests[number] for number in numbers),
        )

    @classmethod
    def from_blobs(
        cls, part: bytes, context: bytes, numbers: bytes, starts: bytes, ends: bytes, digests: bytes
    ) -> SheetMemo:
        """A memo as to_blobs() stored it."""
        values = [array("q", blob).tolist() for blob in (numbers, starts, ends)]
        count = len(values[0])
        if any(len(v) != count for v in values) or len(digests) != count * DIGEST_SIZE:
            raise ValueError("a sheet memo whose parts disagree")
        rows, begin, finish = values
        # One digest a row, cut in C (a slice a row here costs twice as much).
        each = struct.unpack(f"{DIGEST_SIZE}s" * count, digests)
        return cls(
            part,
            context,
            dict(zip(rows, zip(begin, finish, strict=True), strict=True)),
            dict(zip(rows, each, strict=True)),
        )

    def holds(self, part: bytes | None, context: bytes | None = None) -> bool:
        """Whether the memo is of this stored part (and, when given, this reading context)."""
        return part is not None and part == self.part and context in (None, self.context)
