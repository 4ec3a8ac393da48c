"""A zip's central directory read in one pass, in the plain shape Word, Excel and LibreOffice write.

zipfile reads the same directory with Python per entry, which cost as much as the rest of the
pre-check; anything unusual is left to zipfile (`read_directory` returns None).
"""

from __future__ import annotations

import struct
import zipfile
from typing import NamedTuple

# The end of central directory record and a central directory entry, as zipfile reads them
# (signature, extract version, flags, method, CRC, sizes, name/extra/comment lengths, offset).
END_RECORD = struct.Struct("<4s4H2LH")
ENTRY = struct.Struct("<4s2xB1xHH4xLLLHHH8xL")
MAX_EXTRACT_VERSION = 63
WIDE = 0xFFFF_FFFF


class Part(NamedTuple):
    """A part's central-directory entry: the fields of zipfile's ZipInfo that qap uses."""

    filename: str
    orig_filename: str
    flag_bits: int
    compress_type: int
    CRC: int
    compress_size: int
    file_size: int
    header_offset: int

    @classmethod
    def of(cls, info: zipfile.ZipInfo) -> Part:
        """The entry zipfile read (the fields are named as ZipInfo's)."""
        return cls(*(getattr(info, field) for field in cls._fields))


def read_directory(raw: bytes) -> list[Part] | None:
    """The central directory of a zip in memory, read as zipfile reads it; None means ask zipfile.

    Only the plain shape Word, Excel and LibreOffice write is read here: no archive comment, no
    zip64, nothing before the first part, no extra fields but well-formed ones, a version zipfile
    can extract. Anything else (and anything zipfile would refuse) is left to zipfile, whose
    per-entry Python costs as much as the rest of the pre-check.
    """
    end = len(raw) - END_RECORD.size
    if end < 0:
        return None
    signature, disk, disk_of_directory, here, count, size, offset, comment = END_RECORD.unpack_from(
        raw, end
    )
    if (
        signature != b"PK\x05\x06"
        or comment
        or disk
        or disk_of_directory
        or here != count
        or offset + size != end
        or raw[end - 20 : end - 16] == b"PK\x06\x07"  # a zip64 locator
    ):
        return None
    parts = []
    at = offset
    unpack = ENTRY.unpack_from
    known = KNOWN_NAMES.get
    make = tuple.__new__  # Part's own __new__ is Python: twenty parts' worth shows
    while at < end:
        if at + ENTRY.size > end:
            return None
        signature, version, flags, method, crc, packed, size, named, extra, noted, local = unpack(
            raw, at
        )
        start = at + ENTRY.size
        at = start + named + extra + noted
        if (
            signature != b"PK\x01\x02"
            or version > MAX_EXTRACT_VERSION
            or at > end
            or WIDE in (packed, size, local)
            or (extra and not _plain_extra(raw[start + named : start + named + extra]))
        ):
            return None
        encoded = raw[start : start + named]
        names = known(encoded) or decoded_names(encoded, flags)
        if names is None:
            return None
        parts.append(make(Part, (*names, flags, method, crc, packed, size, local)))
    return parts


# Part names decoded, by their bytes: the same few dozen ASCII names recur in every return.
# Only ASCII names (the same text whatever the UTF-8 flag says) of bounded length are kept,
# and only so many, so crafted names cannot grow it past a megabyte.
KNOWN_NAMES: dict[bytes, tuple[str, str]] = {}
DECODED_KEPT = 4_096
DECODED_KEPT_BYTES = 200


def decoded_names(encoded: bytes, flags: int) -> tuple[str, str] | None:
    """A part's name and original name as zipfile decodes them (UTF-8 when flagged, else
    cp437); None if it cannot."""
    if encoded.isascii():
        # The same text in both encodings, without cp437's codec written in Python.
        original = encoded.decode("ascii")
    else:
        try:
            original = encoded.decode("utf-8" if flags & 0x800 else "cp437")
        except UnicodeDecodeError:
            return None
    # zipfile cuts a name at its first NUL and keeps the whole one as orig_filename.
    names = (original.split("\x00", 1)[0], original)
    if len(KNOWN_NAMES) < DECODED_KEPT and len(encoded) <= DECODED_KEPT_BYTES and encoded.isascii():
        KNOWN_NAMES[encoded] = names
    return names


def _plain_extra(extra: bytes) -> bool:
    """Whether extra fields are well formed and none is zip64's (which zipfile decodes)."""
    at = 0
    while len(extra) - at >= 4:
        kind, length = struct.unpack_from("<HH", extra, at)
        if kind == 0x0001 or at + 4 + length > len(extra):
            return False
        at += 4 + length
    return True
