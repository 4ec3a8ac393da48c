"""A return's zip package opened once and shared by the pre-check, the identity and the reader.

Each part is decompressed at most once: small parts read whole are kept, so the package
relationships, custom properties and main part the pre-check reads cost the reader nothing.
The pre-check scans parts for a DTD through it (see dtd.py); a part that fails to decompress
or its checksum is reported as damaged, whichever stage reads it.
"""

from __future__ import annotations

import io
import logging
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from pipeline.errors import ReturnRejected
from pipeline.forms.identity import (
    CUSTOM_PART,
    MAX_PART_BYTES,
    PROPERTY_NAME,
    decode_identity,
    parse_custom_properties,
)
from pipeline.model import FormIdentity
from pipeline.readers.dtd import HEAD, declares_dtd, prolog_verdict

log = logging.getLogger(__name__)

# Parts up to this size are kept once read; larger ones are streamed again if read twice.
KEEP_BYTES = 4_000_000
LOCAL_HEADER = b"PK\x03\x04"
# Compressed bytes fed to inflate for a part's first HEAD bytes (more than enough for XML).
HEAD_INPUT = 4 * HEAD
# What zipfile and zlib raise for a part whose bytes are not what its header promised...
CORRUPT = (zipfile.BadZipFile, zlib.error, EOFError)
# ...and, around zip reads alone, what a failing disk or a broken stream adds.
DAMAGE = (*CORRUPT, OSError, ValueError)
RESAVE = "Ask the agency to open it, save it again as .docx or .xlsx and resend it."
CRAFTED = "Do not open it; ask the agency to send the return again from Word or Excel."


def damaged() -> ReturnRejected:
    """The rejection for a part that fails its checksum or cannot be decompressed."""
    return ReturnRejected(
        "The file is damaged: a part fails its checksum or cannot be decompressed.", RESAVE
    )


def dtd_found() -> ReturnRejected:
    """The rejection for a part that declares a DTD or entities."""
    return ReturnRejected(
        "The file contains an XML document type declaration "
        "(DTD/entities), which Word and Excel never write.",
        CRAFTED,
    )


class Package:
    """One return's zip, its part names, and the parts read so far."""

    def __init__(self, path: Path, archive: zipfile.ZipFile, raw: bytes | None = None) -> None:
        self.path = path
        self.archive = archive
        # The whole file's bytes when it was read into memory: parts' prologs are inflated from it.
        self.raw = raw
        self.infos = archive.infolist()
        self.names = {info.filename for info in self.infos}
        # Set by the pre-check: "docx"/"xlsx" and the main part it found from the relationships.
        self.format = ""
        self.main = ""
        self._parts: dict[str, bytes] = {}
        self._scanned: set[str] = set()
        self._custom: dict[str, str] | None = None

    def namelist(self) -> list[str]:
        """Every part name, as zipfile.ZipFile.namelist gives them."""
        return [info.filename for info in self.infos]

    def getinfo(self, name: str) -> zipfile.ZipInfo:
        """A part's central-directory entry; KeyError when there is none."""
        return self.archive.getinfo(name)

    def scan(self, name: str) -> None:
        """Reject the file if this part declares a DTD; each part is scanned once."""
        if name in self._scanned:
            return
        head = self.head(name)
        found = None if head is None else prolog_verdict(head)
        try:
            if found is None:
                with self.archive.open(name) as member:
                    found = declares_dtd(member)
        except DAMAGE as exc:
            log.info("%s: part failed to decompress (%s)", self.path.name, type(exc).__name__)
            raise damaged() from None
        if found:
            raise dtd_found()
        self._scanned.add(name)

    def _stored_bytes(self, name: str) -> tuple[zipfile.ZipInfo, memoryview] | None:
        """A part's compressed bytes, sliced from the file in memory; None means ask zipfile.

        Anything unusual (no local header where the directory says, a name that differs from
        the directory's) is left to zipfile, which reports it as it always has.
        """
        info = self.archive.NameToInfo.get(name)
        # Encrypted or "compressed patched" parts are zipfile's to refuse, as they always were.
        if self.raw is None or info is None or info.flag_bits & 0x21:
            return None
        offset = info.header_offset
        if self.raw[offset : offset + 4] != LOCAL_HEADER:
            return None
        try:
            (flags,) = struct.unpack_from("<H", self.raw, offset + 6)
            name_length, extra_length = struct.unpack_from("<HH", self.raw, offset + 26)
        except struct.error:
            return None
        start = offset + 30 + name_length
        encoding = "utf-8" if flags & 0x800 else "cp437"
        if self.raw[start - name_length : start].decode(encoding, "replace") != info.orig_filename:
            return None
        start += extra_length
        return info, memoryview(self.raw)[start : start + info.compress_size]

    def head(self, name: str) -> bytes | None:
        """A part's first bytes inflated straight from the file in memory; None means stream it.

        Opening each of twenty parts through zipfile costs more than the prolog check itself.
        """
        found = self._stored_bytes(name)
        if found is None:
            return None
        info, data = found
        if info.compress_type == zipfile.ZIP_STORED:
            return bytes(data[:HEAD])
        try:
            return zlib.decompressobj(-zlib.MAX_WBITS).decompress(data[:HEAD_INPUT], HEAD)
        except zlib.error:
            return None

    def read(self, name: str) -> bytes:
        """A part's bytes, checked against its CRC; KeyError when the part does not exist."""
        data = self._parts.get(name)
        if data is not None:
            return data
        try:
            data = self._inflate(name)
            if data is None:
                data = self.archive.read(name)
        except DAMAGE as exc:
            log.info("%s: part failed its checksum (%s)", self.path.name, type(exc).__name__)
            raise damaged() from None
        if len(data) <= KEEP_BYTES:
            self._parts[name] = data
        return data

    def _inflate(self, name: str) -> bytes | None:
        """A whole part inflated from the file in memory, held to its declared size and CRC.

        zipfile's reader does the same checks a chunk at a time, at several times the cost.
        """
        found = self._stored_bytes(name)
        if found is None:
            return None
        info, data = found
        if info.compress_type == zipfile.ZIP_STORED:
            out = bytes(data)
        else:
            inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            # One byte past the declared size is enough to know the part lies about it.
            out = inflater.decompress(data, info.file_size + 1)
        if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
            raise zipfile.BadZipFile(f"Bad CRC-32 or size for {name}")
        return out

    def open(self, name: str) -> IO[bytes]:
        """A part as a stream, for parsers that read as they go; KeyError when it does not exist."""
        data = self._parts.get(name)
        if data is not None:
            return io.BytesIO(data)
        return self.archive.open(name)

    def custom_properties(self) -> dict[str, str]:
        """The custom document properties (qap's identity and field map live there), by name."""
        if self._custom is None:
            data = b""
            info = self.archive.NameToInfo.get(CUSTOM_PART)
            if info is not None and info.file_size <= MAX_PART_BYTES:
                data = self.read(CUSTOM_PART)
            self._custom = parse_custom_properties(data)
        return self._custom

    def identity(self) -> FormIdentity | None:
        """The signed identity qap wrote into the custom properties, or None."""
        value = self.custom_properties().get(PROPERTY_NAME)
        return None if value is None else decode_identity(value)


@contextmanager
def open_package(source: Path | Package) -> Iterator[Package]:
    """The package itself, or a zip at a path opened for the block (after the pre-check)."""
    if isinstance(source, Package):
        yield source
        return
    with zipfile.ZipFile(source) as archive:
        yield Package(source, archive)
